// Unit tests for Range header resolution.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rangeS3Reads, resolveRange } from './range.js';

test('resolves the three range forms', () => {
  assert.deepEqual(resolveRange('bytes=0-9', 100), { start: 0, end: 9 });
  assert.deepEqual(resolveRange('bytes=90-', 100), { start: 90, end: 99 });
  assert.deepEqual(resolveRange('bytes=-10', 100), { start: 90, end: 99 });
  assert.deepEqual(resolveRange('bytes=50-1000', 100), { start: 50, end: 99 });
  assert.deepEqual(resolveRange('bytes=-1000', 100), { start: 0, end: 99 });
});

test('absent or multi-range headers mean the whole object', () => {
  assert.equal(resolveRange(undefined, 10), undefined);
  assert.equal(resolveRange('bytes=0-1,3-4', 10), undefined);
});

test('unsatisfiable and malformed ranges are refused', () => {
  assert.throws(() => resolveRange('bytes=100-', 100), /not satisfiable/);
  assert.throws(() => resolveRange('bytes=5-2', 100), /not satisfiable/);
  assert.throws(() => resolveRange('bytes=-0', 100), /not satisfiable/);
  assert.throws(() => resolveRange('items=0-1', 100), /not satisfiable/);
  assert.throws(() => resolveRange('bytes=0-0', 0), /not satisfiable/);
});

test('S3 ignores a range it cannot parse or that ends before it starts; the rest is resolved', () => {
  for (const header of ['bytes=abc', 'bytes=3-0', 'bytes=-', 'items=0-1', 'bytes=0-1,3-4', 'x'])
    assert.equal(rangeS3Reads(header), undefined, header);
  for (const header of ['bytes=0-9', 'bytes=90-', 'bytes=-10', 'bytes=-0', 'bytes=100-'])
    assert.equal(rangeS3Reads(header), header);
});
