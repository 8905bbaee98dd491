// Backend rate limits (`rate_limit.backend`) on a real cluster (1 gateway, 1 target) over an
// aws:// bucket in s3rver behind a proxy that throttles as S3 does: cold GETs leave the target
// paced to the bucket's budget and every client still gets its bytes from an origin that throttles
// bursts; a throttled call is tried again after a backoff up to `num_retries` times, then the
// client is told to slow down; without the limit a throttled call is not retried.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { BucketJson } from '../../src/wire/index.js';
import {
  createRemoteBucket,
  errorMessage,
  objectUrl,
  startRemoteSetup,
  type RemoteSetup,
} from './remote-bucket-helpers.js';

const paced: BucketJson = { name: 'paced', provider: 'aws' };
const unpaced: BucketJson = { name: 'unpaced', provider: 'aws' };
/** 4 per second for the cluster: its one target paces at 5 (a quarter more) = one per 200 ms. */
const limit = { enabled: true, interval: '1s', max_tokens: 4, num_retries: 5 };
const spacingMs = 200;

describe('backend rate limits', () => {
  let setup: RemoteSetup;
  const contents = new Map<string, Buffer>();

  before(async () => {
    setup = await startRemoteSetup({ proxies: 1, targets: 1, mountpaths: 1 });
    await createRemoteBucket(setup, paced.name);
    await createRemoteBucket(setup, unpaced.name);
    await setup.cluster.client().setBucketProps(paced, { rate_limit: { backend: limit } });
  });
  after(() => setup?.stop());

  async function putRemote(bucket: BucketJson, name: string): Promise<Buffer> {
    const body = randomBytes(2048 + contents.size);
    contents.set(`${bucket.name}/${name}`, body);
    await setup.direct.send(new PutObjectCommand({ Bucket: bucket.name, Key: name, Body: body }));
    return body;
  }

  async function getBytes(bucket: BucketJson, name: string): Promise<Buffer> {
    const response = await fetch(objectUrl(setup, bucket.name, name));
    if (response.status !== 200)
      assert.fail(`GET ${name}: ${response.status} ${await errorMessage(response)}`);
    return Buffer.from(await response.arrayBuffer());
  }

  const throttledCalls = (path: string): number =>
    setup.proxy.throttled.filter((line) => line.split('?')[0]?.endsWith(path)).length;

  test('a burst of cold GETs reaches a throttling origin paced, and every client gets its bytes', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `burst-${String(i).padStart(2, '0')}`);
    for (const name of names) await putRemote(paced, name);
    const first = setup.proxy.requests.length;
    // Faster than the limit (6 per second, 2 at once) but not by much: pacing keeps to it.
    setup.proxy.mode = { kind: 'throttle', perSecond: 6, burst: 2, status: 503 };
    try {
      const bodies = await Promise.all(names.map((name) => getBytes(paced, name)));
      bodies.forEach((body, i) =>
        assert.ok(body.equals(contents.get(`paced/${names[i]}`) ?? Buffer.alloc(0)), names[i]),
      );
    } finally {
      setup.proxy.mode = { kind: 'pass' };
    }
    for (const name of names) assert.equal(setup.proxy.gets(paced.name, name), 1, name);
    const arrivals = setup.proxy.arrivalsMs.slice(first);
    assert.equal(arrivals.length, names.length, 'one GET per object reached the origin');
    // The target lets one call go per 200 ms: 12 take at least 2.2 s (slowness only adds).
    const spanMs = (arrivals.at(-1) ?? 0) - (arrivals[0] ?? 0);
    assert.ok(
      spanMs >= 0.7 * (names.length - 1) * spacingMs,
      `12 GETs reached the origin within ${spanMs.toFixed(0)} ms`,
    );
  });

  test('a throttled GET or HEAD is tried again after a backoff; past num_retries the client is told to slow down', async () => {
    const kept = await putRemote(paced, 'retried');
    setup.proxy.mode = { kind: 'throttle-first', count: 2, status: 429 };
    try {
      assert.ok((await getBytes(paced, 'retried')).equals(kept));
      assert.equal(throttledCalls('/paced/retried'), 2);
      assert.equal(setup.proxy.gets(paced.name, 'retried'), 1);

      await putRemote(paced, 'headed');
      const head = await fetch(objectUrl(setup, paced.name, 'headed'), { method: 'HEAD' });
      assert.equal(head.status, 200, 'HEAD of an object not cached asks the remote');
      assert.equal(throttledCalls('/paced/headed'), 2);

      await setup.cluster
        .client()
        .setBucketProps(paced, { rate_limit: { backend: { num_retries: 1 } } });
      await putRemote(paced, 'refused');
      setup.proxy.mode = { kind: 'throttle-first', count: 3, status: 503 };
      const refused = await fetch(objectUrl(setup, paced.name, 'refused'));
      assert.equal(refused.status, 429);
      assert.ok(Number(refused.headers.get('retry-after')) >= 1, 'Retry-After');
      const message = await errorMessage(refused);
      assert.match(message, /throttled GET object \(HTTP 503\)/);
      assert.match(message, /tried 2 times; rate_limit\.backend\.num_retries 1/);
      assert.equal(throttledCalls('/paced/refused'), 2, 'the first call and one retry');
    } finally {
      setup.proxy.mode = { kind: 'pass' };
      await setup.cluster.client().setBucketProps(paced, { rate_limit: { backend: limit } });
    }
  });

  test('without rate_limit.backend a throttled call is not retried and the client gets 429', async () => {
    await putRemote(unpaced, 'once');
    setup.proxy.mode = { kind: 'throttle-first', count: 1, status: 503 };
    try {
      const response = await fetch(objectUrl(setup, unpaced.name, 'once'));
      assert.equal(response.status, 429);
      assert.match(await errorMessage(response), /throttled GET object \(HTTP 503\)/);
      assert.equal(throttledCalls('/unpaced/once'), 1);
      assert.equal(setup.proxy.gets(unpaced.name, 'once'), 0);
    } finally {
      setup.proxy.mode = { kind: 'pass' };
    }
    assert.ok(
      (await getBytes(unpaced, 'once')).equals(contents.get('unpaced/once') ?? Buffer.alloc(0)),
    );
  });
});
