// Unit tests of the latency histogram: exact small values, bounded relative error, merging.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatencyHistogram, bucketIndex, bucketUpperEdge } from './latency-histogram.js';

test('values below 128 are exact', () => {
  const histogram = new LatencyHistogram();
  for (let value = 1; value <= 100; value += 1) histogram.record(value);
  assert.equal(histogram.count, 100);
  assert.equal(histogram.percentile(50), 50);
  assert.equal(histogram.percentile(90), 90);
  assert.equal(histogram.percentile(99), 99);
  assert.equal(histogram.percentile(100), 100);
  assert.equal(histogram.max, 100);
  assert.equal(histogram.min, 1);
  assert.equal(histogram.mean, 50.5);
});

test('every bucket edge maps back to its bucket, and buckets are at most 1/64 wide', () => {
  let previousEdge = -1;
  for (let index = 0; bucketUpperEdge(index) < 2 ** 32 - 1; index += 1) {
    const edge = bucketUpperEdge(index);
    assert.equal(bucketIndex(edge), index);
    assert.equal(bucketIndex(previousEdge + 1), index);
    const lowest = previousEdge + 1;
    assert.ok(edge - lowest <= Math.max(0, lowest / 64), `bucket ${index} too wide`);
    previousEdge = edge;
  }
});

test('percentiles of large values are within the bucket error and never above the maximum', () => {
  const histogram = new LatencyHistogram();
  const values = Array.from({ length: 1000 }, (_, index) => 1000 + index * 997);
  for (const value of values) histogram.record(value);
  const exact = (percent: number): number =>
    values[Math.ceil((percent / 100) * values.length) - 1] as number;
  for (const percent of [50, 90, 99]) {
    const reported = histogram.percentile(percent);
    assert.ok(reported >= exact(percent), `p${percent} below the true value`);
    assert.ok(reported <= exact(percent) * (1 + 1 / 64), `p${percent} too far above`);
  }
  assert.equal(histogram.percentile(100), histogram.max);
  assert.equal(histogram.max, 1000 + 999 * 997);
});

test('empty histograms report zeros; out-of-range values are clamped', () => {
  const empty = new LatencyHistogram();
  assert.equal(empty.percentile(99), 0);
  assert.equal(empty.max, 0);
  assert.equal(empty.min, 0);
  const clamped = new LatencyHistogram();
  clamped.record(-5);
  clamped.record(2 ** 40);
  assert.equal(clamped.min, 0);
  assert.equal(clamped.max, 2 ** 32 - 1);
});

test('merging adds counts and keeps extremes', () => {
  const first = new LatencyHistogram();
  const second = new LatencyHistogram();
  first.record(10);
  second.record(20);
  second.record(5000);
  first.merge(second);
  assert.equal(first.count, 3);
  assert.equal(first.min, 10);
  assert.equal(first.max, 5000);
  assert.equal(first.percentile(50), 20);
});
