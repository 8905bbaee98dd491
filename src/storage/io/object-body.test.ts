// ObjectBody.chunks: an in-memory body's pooled buffer goes back to its pool once the consumer asks
// for the next chunk (it has flushed the last), and only when it is above the flush threshold;
// takeSmall (for a consumer that never changes the bytes) hands out the content cache's as they
// are, a pooled buffer's copied out and released.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ObjectBody } from './object-body.js';
import { BufferPool } from '../../util/buffer-pool.js';

function pooledBody(bytes: number): { body: ObjectBody; released: () => boolean } {
  let released = false;
  const data = Buffer.alloc(bytes, 7);
  const body = new ObjectBody(
    { kind: 'memory', data, release: () => (released = true) },
    new BufferPool(1024, 1),
  );
  return { body, released: () => released };
}

test('chunks: the bytes, then the pooled buffer released when the consumer asks for more', async () => {
  const { body, released } = pooledBody(100 * 1024);
  const chunks = body.chunks(64 * 1024);
  const first = await chunks.next();
  assert.equal(first.done, false);
  assert.equal(first.value.length, 100 * 1024);
  assert.equal(released(), false, 'released while the consumer may still be writing it');
  assert.equal((await chunks.next()).done, true);
  assert.equal(released(), true);
});

test('chunks: a chunk at or below the threshold is never released (its write may still be queued)', async () => {
  const { body, released } = pooledBody(16 * 1024);
  const all: Buffer[] = [];
  for await (const chunk of body.chunks(64 * 1024)) all.push(chunk);
  assert.equal(Buffer.concat(all).length, 16 * 1024);
  assert.equal(released(), false);
});

test("takeSmall: the content cache's bytes as they are; a pooled buffer's copied and released", () => {
  const data = Buffer.alloc(4096, 7);
  const cached = new ObjectBody({ kind: 'memory', data, readOnly: true }, new BufferPool(1024, 1));
  assert.equal(cached.takeSmall(), data, 'no copy of what nobody changes');
  assert.throws(() => cached.takeSmall(), 'the body is consumed');

  const { body, released } = pooledBody(4096);
  const taken = body.takeSmall();
  assert.ok(taken !== undefined);
  assert.equal(taken.length, 4096);
  assert.equal(released(), true, 'a copy: the pooled buffer goes back at once');

  const large = new ObjectBody(
    { kind: 'memory', data: Buffer.alloc(1024 * 1024), readOnly: true },
    new BufferPool(1024, 1),
  );
  assert.equal(large.takeSmall(), undefined);
  assert.ok(large.toStream() !== undefined, 'a body too large to take is left untouched');
});
