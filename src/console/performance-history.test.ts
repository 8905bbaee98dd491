// The console's throughput history: no rows from the first sample; a kept point per interval of at
// least a second, summed over the targets with latencies weighted by request counts; samples
// closer than a second answer rows but add no point; the history is bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeStatusJson } from '../sdk/index.js';
import { PerformanceHistory } from './performance-history.js';

function status(tracker: Record<string, number>): NodeStatusJson {
  return {
    tracker: Object.fromEntries(
      Object.entries(tracker).map(([name, v]) => [name, { v: String(v) }]),
    ),
    mountpath_capacity: [],
  } as unknown as NodeStatusJson;
}

/** Two targets: t1 serves `gets` GETs of 1 ms each, t2 one GET of 4 ms, per second of `atMs`. */
function sample(
  atMs: number,
  gets: number,
): { atMs: number; targets: Record<string, NodeStatusJson> } {
  const seconds = atMs / 1000;
  return {
    atMs,
    targets: {
      t1: status({ 'get.n': gets * seconds, 'get.ns.total': gets * seconds * 1e6 }),
      t2: status({ 'get.n': seconds, 'get.ns.total': seconds * 4e6 }),
    },
  };
}

test('a point per interval: summed rates, latency weighted by requests', () => {
  const history = new PerformanceHistory();
  assert.equal(history.add(sample(1000, 3)), undefined);
  const rows = history.add(sample(3000, 3));
  assert.deepEqual(
    rows?.throughput.map((row) => [row.target, row.getsPerSecond]),
    [
      ['t1', 3],
      ['t2', 1],
    ],
  );
  assert.equal(history.points.length, 1);
  const [point] = history.points;
  assert.equal(point?.atMs, 3000);
  assert.equal(point?.getsPerSecond, 4);
  assert.equal(point?.putsPerSecond, 0);
  // (3 × 1 ms + 1 × 4 ms) / 4 requests.
  assert.equal(point?.getMs, 1.75);
  // No PUTs: no mean.
  assert.equal(point?.putMs, null);
});

test('a sample within a second of the last kept one answers rows but adds no point', () => {
  const history = new PerformanceHistory();
  history.add(sample(1000, 1));
  assert.notEqual(history.add(sample(1500, 1)), undefined);
  assert.equal(history.points.length, 0);
  history.add(sample(2000, 1));
  assert.equal(history.points.length, 1);
});

test('the history keeps the last 150 points', () => {
  const history = new PerformanceHistory();
  for (let second = 1; second <= 200; second += 1) history.add(sample(second * 1000, 1));
  assert.equal(history.points.length, 150);
  assert.equal(history.points[0]?.atMs, 51_000);
});
