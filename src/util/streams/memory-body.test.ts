// MemoryBody's pooled buffers: when each is released (never while its bytes may still be read).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  copiedMaxBytes,
  MemoryBody,
  takeBytes,
  takeLease,
  takeLeaseInPlace,
} from './memory-body.js';

function pooled(size: number): { bytes: Buffer; released: () => number; release: () => void } {
  const pool = Buffer.alloc(size * 2, 7);
  let count = 0;
  return {
    bytes: pool.subarray(0, size),
    released: () => count,
    release: () => {
      count += 1;
    },
  };
}

test('small pooled bytes are copied out and their buffer released at once when taken', () => {
  const buffer = pooled(4096);
  const taken = takeBytes(new MemoryBody(buffer.bytes, buffer.release));
  assert.equal(buffer.released(), 1);
  assert.ok(taken !== undefined && taken.length === 4096 && taken[0] === 7);
  assert.notEqual(taken.buffer, buffer.bytes.buffer);
});

test('large pooled bytes taken with their lease are released only by the taker', () => {
  const buffer = pooled(copiedMaxBytes + 1);
  const lease = takeLease(new MemoryBody(buffer.bytes, buffer.release));
  assert.ok(lease !== undefined);
  assert.equal(lease.bytes, buffer.bytes);
  assert.equal(buffer.released(), 0);
  lease.release();
  assert.equal(buffer.released(), 1);
});

test('small pooled bytes taken in place are not copied and are released only by the taker', () => {
  const buffer = pooled(4096);
  const body = new MemoryBody(buffer.bytes, buffer.release);
  const lease = takeLeaseInPlace(body);
  assert.ok(lease !== undefined);
  assert.equal(lease.bytes, buffer.bytes);
  assert.equal(buffer.released(), 0);
  assert.equal(takeLease(body), undefined, 'taken once');
  lease.release();
  assert.equal(buffer.released(), 1);
});

test('large pooled bytes taken without a lease are never released (left to the collector)', () => {
  const buffer = pooled(copiedMaxBytes + 1);
  const body = new MemoryBody(buffer.bytes, buffer.release);
  assert.equal(takeBytes(body), buffer.bytes);
  assert.equal(buffer.released(), 0);
});

test('a body closed unread releases its buffer; one read as a stream does not, large', async () => {
  const unread = pooled(copiedMaxBytes + 1);
  const closed = new MemoryBody(unread.bytes, unread.release);
  closed.destroy();
  await new Promise((resolve) => closed.once('close', resolve));
  assert.equal(unread.released(), 1);

  const read = pooled(copiedMaxBytes + 1);
  const body = new MemoryBody(read.bytes, read.release);
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  assert.equal(Buffer.concat(chunks).length, copiedMaxBytes + 1);
  assert.equal(read.released(), 0);
});

test('small pooled bytes read as a stream arrive as a copy, the buffer released', async () => {
  const buffer = pooled(100);
  const chunks: Buffer[] = [];
  for await (const chunk of new MemoryBody(buffer.bytes, buffer.release))
    chunks.push(chunk as Buffer);
  assert.deepEqual(Buffer.concat(chunks), Buffer.alloc(100, 7));
  assert.equal(buffer.released(), 1);
});
