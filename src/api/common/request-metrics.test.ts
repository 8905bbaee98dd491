// Unit tests of the request metrics: what is counted between two reads of the registry reaches
// prom-client's counters and histogram once; and of the node's request stats (AIStore's tracker),
// added up in plain numbers and folded into exact int64 totals.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createLogger } from '../../util/log.js';
import { createRequestContext } from './request-context.js';
import { RequestMetrics } from './request-metrics.js';
import { metricKinds, RequestStats } from './request-stats.js';

async function counterValue(registry: Registry, name: string, api: string): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  return metric?.values.find((value) => value.labels['api'] === api)?.value ?? Number.NaN;
}

test('requests counted between reads reach the counters once, at the next read', async () => {
  const registry = new Registry();
  const metrics = new RequestMetrics(registry, 'target');
  for (let index = 0; index < 3; index += 1)
    metrics.record('native', 'get', 200, false, true, 4096, 1_000);
  metrics.record('native', 'get', 500, true, false, 0, 0);
  assert.equal(await counterValue(registry, 'ais_target_get_count', 'native'), 4);
  assert.equal(await counterValue(registry, 'ais_target_get_bytes', 'native'), 3 * 4096);
  assert.equal(await counterValue(registry, 'ais_target_get_ns_total', 'native'), 3_000);
  assert.equal(await counterValue(registry, 'ais_target_err_get_count', 'native'), 1);
  // A second read adds nothing; what comes after it is added to what was there.
  assert.equal(await counterValue(registry, 'ais_target_get_count', 'native'), 4);
  metrics.record('native', 'get', 200, false, true, 4096, 1_000);
  assert.ok((await registry.metrics()).includes('ais_target_get_count{api="native"} 5'));
  assert.equal(await counterValue(registry, 'ais_target_get_bytes', 'native'), 4 * 4096);
  assert.equal(await counterValue(registry, 'ais_target_get_count', 's3'), 0);
});

async function histogramValue(registry: Registry, suffix: string, le?: string): Promise<number> {
  const metric = await registry.getSingleMetric('cairn_request_duration_seconds')?.get();
  const found = metric?.values.find(
    (value) =>
      (value as { metricName?: string }).metricName === `cairn_request_duration_seconds${suffix}` &&
      value.labels['api'] === 'native' &&
      value.labels['op'] === 'get' &&
      (le === undefined || String(value.labels['le']) === le),
  );
  return found?.value ?? Number.NaN;
}

test('durations reach the histogram at the next read, and when a batch of them is full', async () => {
  const registry = new Registry();
  const metrics = new RequestMetrics(registry, 'target');
  // 1 ms each, more than one batch (1024) of them; a failed request is not timed.
  const timed = 2500;
  for (let index = 0; index < timed; index += 1)
    metrics.record('native', 'get', 200, false, true, 4096, 1_000_000);
  metrics.record('native', 'get', 500, true, false, 0, 0);
  assert.equal(await histogramValue(registry, '_count'), timed);
  assert.ok(Math.abs((await histogramValue(registry, '_sum')) - timed * 0.001) < 1e-9);
  assert.equal(await histogramValue(registry, '_bucket', '0.0005'), 0);
  assert.equal(await histogramValue(registry, '_bucket', '0.001'), timed);
  assert.equal(await histogramValue(registry, '_bucket', '+Inf'), timed);
  // Read again: nothing counted twice; one more after it is added once.
  assert.equal(await histogramValue(registry, '_count'), timed);
  metrics.record('native', 'get', 200, false, true, 4096, 20_000_000);
  assert.equal(await histogramValue(registry, '_count'), timed + 1);
  assert.equal(await histogramValue(registry, '_bucket', '0.01'), timed);
  assert.equal(await histogramValue(registry, '_bucket', '0.025'), timed + 1);
});

test('HEADs and deletes are counted, not timed: the tracker has only the metrics it names', () => {
  const stats = new RequestStats();
  // Fourteen days of request time each, past the fold at 2^50 ns (~13 days): that fold once made
  // up a `head.ns.total` and a `del.ns.total` the tracker does not name.
  const longAgo = performance.now() - 14 * 86_400_000;
  stats.record(finishedGet(0, 'HEAD'), longAgo);
  stats.record(finishedGet(0, 'DELETE'), longAgo);
  const tracker = stats.tracker();
  assert.equal(tracker['head.n']?.v, '1');
  assert.equal(tracker['del.n']?.v, '1');
  assert.deepEqual(Object.keys(tracker).sort(), Object.keys(metricKinds).sort());
});

/** A finished native GET (or `method`) of `/v1/objects/b/o` that answered `length` bytes. */
function finishedGet(length: number, method = 'GET'): ReturnType<typeof createRequestContext> {
  const req = { url: '/v1/objects/b/o', method, headers: {}, socket: {} };
  const res = { statusCode: 200, writableFinished: true, getHeader: () => length };
  const log = createLogger({}, 'error', () => undefined);
  return createRequestContext(req as unknown as IncomingMessage, res as unknown as ServerResponse, {
    nodeId: 't1',
    intra: false,
    log,
  });
}

test('request stats stay exact past what a plain number holds (2^53)', () => {
  const stats = new RequestStats();
  // Three answers of 2^52 + 1 bytes: 3 * 2^52 + 3 is odd and over 2^53, so no double holds it.
  const length = 2 ** 52 + 1;
  for (let index = 0; index < 3; index += 1) stats.record(finishedGet(length), performance.now());
  const tracker = stats.tracker();
  assert.equal(tracker['get.n']?.v, '3');
  assert.equal(tracker['get.size']?.v, (3n * (2n ** 52n + 1n)).toString());
  assert.ok(BigInt(tracker['get.ns.total']?.v ?? '0') > 0n);
  // Read twice: nothing counted twice.
  stats.record(finishedGet(4096), performance.now());
  assert.equal(stats.tracker()['get.n']?.v, '4');
  assert.equal(stats.tracker()['get.size']?.v, (3n * (2n ** 52n + 1n) + 4096n).toString());
});
