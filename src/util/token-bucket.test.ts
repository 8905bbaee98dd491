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

test('a byte budget: takes of many tokens, and one larger than the capacity is owed', () => {
  const bucket = new TokenBucket(1, 100, 0);
  assert.equal(bucket.take(0, 60), 0);
  assert.equal(bucket.take(0, 60), 20);
  assert.equal(bucket.take(20, 60), 0);
  // Full again at 120; 250 is admitted and leaves 150 owed: the next token comes 151 ms later.
  assert.equal(bucket.take(120, 250), 0);
  assert.equal(bucket.take(120, 1), 151);
});
