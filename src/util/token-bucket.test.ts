// Unit tests for the token bucket.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TokenBucket } from './token-bucket.js';

test('a full bucket admits its capacity at once, then one per refill period', () => {
  const bucket = new TokenBucket(1 / 1000, 3, 0);
  assert.deepEqual(
    [0, 0, 0].map((at) => bucket.take(at)),
    [0, 0, 0],
  );
  assert.equal(bucket.take(0), 1000);
  assert.equal(bucket.take(400), 600);
  assert.equal(bucket.take(1000), 0);
  assert.equal(bucket.take(1000), 1000);
});

test('the bucket never holds more than its capacity', () => {
  const bucket = new TokenBucket(1 / 10, 2, 0);
  assert.equal(bucket.take(1_000_000), 0);
  assert.equal(bucket.take(1_000_000), 0);
  assert.equal(bucket.take(1_000_000), 10);
});
