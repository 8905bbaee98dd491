// Unit tests of the request metrics: what is counted between two reads of the registry reaches
// prom-client's counters once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { RequestMetrics } from './request-metrics.js';

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
