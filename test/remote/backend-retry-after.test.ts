// A remote's Retry-After on a real cluster (1 gateway, 1 target) over s3rver behind a proxy that
// throttles with one: a paced bucket's retry waits as long as the remote asked (bounded by
// `backend.max_retry_after_ms`), a bucket without the limit hands the bounded value to its client,
// an ht:// origin's is read too, the native SDK reads it from any answer, and the target's
// /metrics counts the throttled answers and retries.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ApiError, Client } from '../../src/sdk/index.js';
import type { BucketJson } from '../../src/wire/index.js';
import { Scrape } from '../harness/prometheus-text.js';
import {
  createRemoteBucket,
  errorMessage,
  objectUrl,
  startRemoteSetup,
  type RemoteSetup,
} from './remote-bucket-helpers.js';

const paced: BucketJson = { name: 'ra-paced', provider: 'aws' };
const unpaced: BucketJson = { name: 'ra-unpaced', provider: 'aws' };
/** Fast pacing (100 per second): any wait of a second comes from the remote's Retry-After. */
const limit = { enabled: true, interval: '1s', max_tokens: 100, num_retries: 1 };
/** Sent on as `Retry-After: 2` (whole seconds, rounded up). */
const maxRetryAfterMs = 1500;

describe("a remote backend's Retry-After", () => {
  let setup: RemoteSetup;

  before(async () => {
    setup = await startRemoteSetup({
      proxies: 1,
      targets: 1,
      mountpaths: 1,
      config: { 'backend.max_retry_after_ms': maxRetryAfterMs },
    });
    await createRemoteBucket(setup, paced.name);
    await createRemoteBucket(setup, unpaced.name);
    await setup.cluster.client().setBucketProps(paced, { rate_limit: { backend: limit } });
  });
  after(() => setup?.stop());

  async function putRemote(bucket: BucketJson, name: string): Promise<Buffer> {
    const body = randomBytes(1024);
    await setup.direct.send(new PutObjectCommand({ Bucket: bucket.name, Key: name, Body: body }));
    return body;
  }

  /** GETs `name` through the cluster; how long after the start its one GET reached the remote. */
  async function timedGet(bucket: BucketJson, name: string, kept: Buffer): Promise<number> {
    const first = setup.proxy.requests.length;
    const startedMs = performance.now();
    const response = await fetch(objectUrl(setup, bucket.name, name));
    if (response.status !== 200)
      assert.fail(`GET ${name}: ${response.status} ${await errorMessage(response)}`);
    assert.ok(Buffer.from(await response.arrayBuffer()).equals(kept));
    const passed = setup.proxy.arrivalsMs.slice(first);
    assert.equal(passed.length, 1, 'one GET passed to the remote');
    return (passed[0] ?? 0) - startedMs;
  }

  test('a paced retry waits the remote Retry-After, at most backend.max_retry_after_ms', async () => {
    const kept = await putRemote(paced, 'asked-1s');
    setup.proxy.mode = { kind: 'throttle-first', count: 1, status: 503, retryAfter: '1' };
    try {
      const waitedMs = await timedGet(paced, 'asked-1s', kept);
      assert.ok(waitedMs >= 950, `retried ${waitedMs.toFixed(0)} ms after the start`);

      const capped = await putRemote(paced, 'asked-1h');
      setup.proxy.mode = { kind: 'throttle-first', count: 1, status: 429, retryAfter: '3600' };
      const cappedMs = await timedGet(paced, 'asked-1h', capped);
      // The request's own deadline (node's test timeout) would end it long before an hour.
      assert.ok(cappedMs >= maxRetryAfterMs - 50, `retried after ${cappedMs.toFixed(0)} ms`);
    } finally {
      setup.proxy.mode = { kind: 'pass' };
    }
    const scrape = await Scrape.of(setup.cluster.targets[0]?.publicUrl ?? '');
    const labels = { provider: 'aws', bucket: `aws://${paced.name}`, kind: 'get' };
    assert.equal(scrape.value('cairn_backend_throttled_total', labels), 2);
    assert.equal(scrape.value('cairn_backend_retries_total', labels), 2);
    assert.equal(scrape.value('cairn_backend_slowdowns_total', labels), 0);
    const bucket = { bucket: `aws://${paced.name}` };
    assert.equal(scrape.value('ais_target_ratelim_retry_get_count', bucket), 2);
    const waitedNs = scrape.value('ais_target_ratelim_retry_get_ns_total', bucket);
    assert.ok(waitedNs >= 2.4e9, `retries waited ${waitedNs} ns in all`);
  });

  test('past num_retries the client gets a Retry-After covering the remote one', async () => {
    await putRemote(paced, 'refused');
    setup.proxy.mode = { kind: 'throttle-first', count: 2, status: 503, retryAfter: '3' };
    try {
      const response = await fetch(objectUrl(setup, paced.name, 'refused'));
      assert.equal(response.status, 429);
      assert.equal(response.headers.get('retry-after'), '2');
      assert.match(
        await errorMessage(response),
        /tried 2 times; rate_limit\.backend\.num_retries 1/,
      );
    } finally {
      setup.proxy.mode = { kind: 'pass' };
    }
    const scrape = await Scrape.of(setup.cluster.targets[0]?.publicUrl ?? '');
    const labels = { provider: 'aws', bucket: `aws://${paced.name}`, kind: 'get' };
    assert.equal(scrape.value('cairn_backend_slowdowns_total', labels), 1);
    assert.equal(scrape.value('cairn_backend_throttled_total', labels), 4);
  });

  test('without rate_limit.backend the client gets the bounded Retry-After at once', async () => {
    await putRemote(unpaced, 'once');
    setup.proxy.mode = { kind: 'throttle-first', count: 1, status: 503, retryAfter: '3600' };
    try {
      const response = await fetch(objectUrl(setup, unpaced.name, 'once'));
      assert.equal(response.status, 429);
      assert.equal(response.headers.get('retry-after'), '2');
      assert.match(await errorMessage(response), /throttled GET object \(HTTP 503\)/);
    } finally {
      setup.proxy.mode = { kind: 'pass' };
    }
    const scrape = await Scrape.of(setup.cluster.targets[0]?.publicUrl ?? '');
    const labels = { provider: 'aws', bucket: `aws://${unpaced.name}`, kind: 'get' };
    assert.equal(scrape.value('cairn_backend_throttled_total', labels), 1);
    assert.equal(scrape.value('cairn_backend_retries_total', labels), 0);
    assert.equal(scrape.value('cairn_backend_slowdowns_total', labels), 1);
  });

  test("an ht:// origin's Retry-After reaches the client", async () => {
    const origin: BucketJson = { name: 'ra-origin', provider: 'ht' };
    await setup.cluster
      .client()
      .createBucket(origin, { extra: { http: { original_url: `${setup.proxy.endpoint}/data/` } } });
    setup.proxy.mode = { kind: 'throttle-first', count: 1, status: 429, retryAfter: '1' };
    try {
      const url = `${setup.cluster.primary.publicUrl}/v1/objects/${origin.name}/x.bin?provider=ht`;
      const response = await fetch(url);
      assert.equal(response.status, 429);
      assert.equal(response.headers.get('retry-after'), '1');
      assert.match(await errorMessage(response), /ht:\/\/ra-origin at .* throttled/);
    } finally {
      setup.proxy.mode = { kind: 'pass' };
    }
    const scrape = await Scrape.of(setup.cluster.targets[0]?.publicUrl ?? '');
    assert.equal(scrape.samples('cairn_backend_throttled_total', { provider: 'ht' }).length, 1);
  });

  test("the native SDK's ApiError carries the answer's Retry-After (remote ais:// clusters)", async () => {
    const client = new Client(setup.proxy.endpoint);
    setup.proxy.mode = { kind: 'throttle-first', count: 1, status: 429, retryAfter: '5' };
    try {
      await assert.rejects(
        client.headObject({ name: paced.name, provider: 'ais' }, 'sdk'),
        (error: unknown) => error instanceof ApiError && error.retryAfterMs === 5000,
      );
    } finally {
      setup.proxy.mode = { kind: 'pass' };
      await client.close();
    }
  });
});
