// prefetch-listrange on an aws:// bucket (s3rver behind the counting proxy, 1 gateway, 2 targets):
// a range template and a prefix bring into the cluster exactly the objects not cached yet (one
// remote GET each, none for a cached one); `latest-ver` fetches again an object changed behind
// the cluster's back; an ais:// bucket and blob settings without `blob-threshold` are refused
// (blob-threshold itself: blob-download.test.ts).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { BucketJson } from '../../src/wire/index.js';
import { cairnEntry } from '../harness/node-process.js';
import {
  createRemoteBucket,
  errorMessage,
  objectUrl,
  startRemoteSetup,
  type RemoteSetup,
} from './remote-bucket-helpers.js';

const bucketName = 'prefetch-bucket';
const remote: BucketJson = { name: bucketName, provider: 'aws' };

describe('prefetch on an aws:// bucket', () => {
  let setup: RemoteSetup;
  const bodies = new Map<string, Buffer>();

  before(async () => {
    setup = await startRemoteSetup({ proxies: 1, targets: 2, mountpaths: 1 });
    await createRemoteBucket(setup, bucketName);
    const names = [
      ...Array.from({ length: 6 }, (_, index) => `shard-${index}.bin`),
      'dir/a',
      'dir/b',
      'dir/sub/c',
      'other',
    ];
    for (const name of names) await put(name, randomBytes(16 * 1024 + names.indexOf(name)));
  });
  after(() => setup?.stop());

  async function put(name: string, body: Buffer): Promise<void> {
    bodies.set(name, body);
    await setup.direct.send(new PutObjectCommand({ Bucket: bucketName, Key: name, Body: body }));
  }

  async function cached(name: string): Promise<boolean> {
    const head = await fetch(`${objectUrl(setup, bucketName, name)}&presence=1`, {
      method: 'HEAD',
    });
    return head.status === 200;
  }

  async function prefetch(message: Record<string, unknown>): Promise<string> {
    const client = setup.cluster.client(0);
    const id = await client.jobs.prefetchObjects(remote, message);
    const status = await client.jobs.wait(id, { timeoutMs: 120_000 });
    assert.equal(status.err, '', 'prefetch succeeded');
    return id;
  }

  async function counters(id: string): Promise<{ fetched: number; skipped: number }> {
    const snapshots = Object.values(await setup.cluster.client(0).jobs.snapshots({ id })).flat();
    const sum = (key: string): number =>
      snapshots.reduce((total, snapshot) => total + Number(snapshot.stats[key] ?? 0), 0);
    return { fetched: sum('loc-objs'), skipped: sum('prefetch-skipped-cached') };
  }

  async function readLocally(name: string): Promise<void> {
    const before = setup.proxy.gets(bucketName, name);
    const response = await fetch(objectUrl(setup, bucketName, name));
    assert.equal(response.status, 200);
    assert.ok(
      Buffer.from(await response.arrayBuffer()).equals(bodies.get(name) ?? Buffer.alloc(0)),
    );
    assert.equal(setup.proxy.gets(bucketName, name), before, `${name}: read from the cluster`);
  }

  test('a range template fetches what is not cached, once each', async () => {
    // shard-0 is cached already (a cold GET).
    const response = await fetch(objectUrl(setup, bucketName, 'shard-0.bin'));
    await response.arrayBuffer();
    for (let attempt = 0; attempt < 100 && !(await cached('shard-0.bin')); attempt += 1)
      await new Promise((resolve) => setTimeout(resolve, 100));
    const id = await prefetch({ template: 'shard-{0..5}.bin' });
    assert.deepEqual(await counters(id), { fetched: 5, skipped: 1 });
    for (let index = 0; index < 6; index += 1) {
      const name = `shard-${index}.bin`;
      assert.ok(await cached(name), `${name} cached`);
      assert.equal(setup.proxy.gets(bucketName, name), 1, `${name}: one remote GET`);
      await readLocally(name);
    }
    assert.equal(await cached('other'), false, 'outside the selection');
  });

  test('a prefix selects what the remote lists under it (non-recurs: one level)', async () => {
    const shallow = await prefetch({ template: 'dir/', 'non-recurs': true });
    assert.deepEqual(await counters(shallow), { fetched: 2, skipped: 0 });
    assert.equal(await cached('dir/sub/c'), false);
    const deep = await prefetch({ template: 'dir/' });
    assert.deepEqual(await counters(deep), { fetched: 1, skipped: 2 });
    for (const name of ['dir/a', 'dir/b', 'dir/sub/c']) await readLocally(name);
    assert.equal(await cached('other'), false);
  });

  test('latest-ver fetches again what changed in the remote', async () => {
    await put('dir/a', randomBytes(9000));
    const plain = await prefetch({ objnames: ['dir/a'] });
    assert.deepEqual(await counters(plain), { fetched: 0, skipped: 1 });
    const latest = await prefetch({ objnames: ['dir/a', 'dir/b'], 'latest-ver': true });
    assert.deepEqual(await counters(latest), { fetched: 1, skipped: 1 });
    await readLocally('dir/a');
  });

  test('cairn prefetch: one object, by its URI', async () => {
    const env = { ...process.env, CAIRN_ENDPOINT: setup.cluster.primary.publicUrl };
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [cairnEntry, 'prefetch', `s3://${bucketName}/other`],
      { env },
    );
    assert.match(stdout, /\S/, 'prints the job ID');
    assert.ok(await cached('other'));
    await readLocally('other');
  });

  test('refused: an ais:// bucket, and blob settings without blob-threshold (400)', async () => {
    const client = setup.cluster.client(0);
    await client.createBucket({ name: 'local-prefetch', provider: 'ais' });
    await assert.rejects(
      client.jobs.prefetchObjects({ name: 'local-prefetch', provider: 'ais' }, { template: '' }),
      /400.*prefetch-listrange: ais:\/\/local-prefetch is not a remote bucket/,
    );
    const response = await fetch(
      `${setup.cluster.primary.publicUrl}/v1/buckets/${bucketName}?provider=aws`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          action: 'prefetch-listrange',
          value: { template: '', 'blob-chunk-size': 1024 },
        }),
      },
    );
    assert.equal(response.status, 400);
    assert.match(await errorMessage(response), /need "blob-threshold"/);
  });
});
