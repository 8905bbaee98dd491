// Unit tests of reading a peer's parts: a part read through the queue (it straddled two socket
// chunks) leaves the reader idle for whoever awaited it, so the parts behind it that arrived in the
// same chunk are taken at once (`partNow`), not each through the queue. And the bucket of the items
// a peer (or the designated target) opens in one turn is resolved once (`resolvedInTurn`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { BatchPartKind, encodeBatchPartHeader, type BucketJson } from '../../../wire/index.js';
import type { ObjectService } from '../objects/object-service.js';
import { resolvedInTurn } from './batch-items.js';
import { PartReader } from './peer-parts.js';

function itemPart(fill: number, size: number): Buffer {
  return Buffer.concat([encodeBatchPartHeader(BatchPartKind.item, size), Buffer.alloc(size, fill)]);
}

test('the part after one read through the queue is taken at once', async () => {
  const first = itemPart(1, 4096);
  const rest = Buffer.concat([itemPart(2, 4096), itemPart(3, 100)]);
  // The first part straddles two chunks; the second chunk also holds the next two parts whole.
  const cut = 2000;
  const chunks = [first.subarray(0, cut), Buffer.concat([first.subarray(cut), rest])];
  const reader = new PartReader(Promise.resolve(Readable.from(chunks)));
  assert.equal(reader.partNow(true), undefined, 'nothing read yet');
  const part = await reader.header(true);
  assert.deepEqual(Buffer.concat(part.bytes ?? []), Buffer.alloc(4096, 1));
  const second = reader.partNow(true);
  assert.ok(second !== undefined, 'the next part is in the chunk read last');
  assert.deepEqual(Buffer.concat(second.bytes ?? []), Buffer.alloc(4096, 2));
  const third = reader.partNow(true);
  assert.deepEqual(Buffer.concat(third?.bytes ?? []), Buffer.alloc(100, 3));
  assert.equal(reader.partNow(true), undefined, 'all parts read');
});

test('a failure part straddling two chunks is read through the queue', async () => {
  const failure = encodeBatchPartHeader(BatchPartKind.failure, 0, '{"tcode":"x"}');
  const chunks = [failure.subarray(0, 5), Buffer.concat([failure.subarray(5), itemPart(4, 10)])];
  const reader = new PartReader(Promise.resolve(Readable.from(chunks)));
  const part = await reader.header(true);
  assert.equal(part.kind, BatchPartKind.failure);
  assert.equal(part.message, '{"tcode":"x"}');
  assert.deepEqual(Buffer.concat(reader.partNow(true)?.bytes ?? []), Buffer.alloc(10, 4));
});

test("the items' bucket is resolved once per turn for a bucket, anew in the next turn", async () => {
  const calls: string[] = [];
  let props = { version: 1 };
  const objects = {
    resolve(bucket: BucketJson) {
      calls.push(`${bucket.provider}/${bucket.name}`);
      if (bucket.name === 'gone') throw new Error('bucket gone');
      return { bucket, props, history: undefined, versioned: false };
    },
  } as unknown as ObjectService;
  const a = { name: 'a', provider: 'ais' };
  // One turn: the same bucket (the same object, or equal fields as a peer parses each item's).
  const first = resolvedInTurn(objects, a);
  assert.equal(resolvedInTurn(objects, { name: 'a', provider: 'ais' }), first);
  assert.equal(resolvedInTurn(objects, a), first);
  // Another bucket, by provider or namespace, is looked up; an error is never kept.
  resolvedInTurn(objects, { name: 'a', provider: 'aws' });
  resolvedInTurn(objects, { name: 'a', provider: 'ais', namespace: { uuid: '', name: 'ns' } });
  assert.throws(() => resolvedInTurn(objects, { name: 'gone', provider: 'ais' }), /gone/);
  assert.throws(() => resolvedInTurn(objects, { name: 'gone', provider: 'ais' }), /gone/);
  const last = resolvedInTurn(objects, a);
  assert.equal(resolvedInTurn(objects, a), last);
  assert.deepEqual(calls, ['ais/a', 'aws/a', 'ais/a', 'ais/gone', 'ais/gone', 'ais/a']);
  // The next turn (the bucket metadata may have changed in between): looked up again.
  await new Promise((resolve) => setImmediate(resolve));
  props = { version: 2 };
  const later = resolvedInTurn(objects, a);
  assert.notEqual(later, last);
  assert.equal(later.props, props);
  assert.equal(calls.length, 7);
});
