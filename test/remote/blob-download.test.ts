// Blob download from an aws:// bucket (s3rver behind the counting proxy, 1 gateway, 2 targets):
// the job fetches a multi-MiB object byte for byte in the ranged GETs its chunk size implies, on
// one target, and has nothing to do once the object is cached; a GET with `Ais-Blob-*` streams an
// object as it is fetched in ranges (a job too); a job stopped mid-way stores nothing; prefetch's
// `blob-threshold` reads large objects in ranges and small ones whole; the xaction start API
// (`PUT /v1/cluster`, kind `blob-download`) starts one with the default chunk size; bad requests
// are refused.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
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

const bucketName = 'blob-bucket';
const remote: BucketJson = { name: bucketName, provider: 'aws' };
const mib = 1024 * 1024;

describe('blob download from an aws:// bucket', () => {
  let setup: RemoteSetup;
  const bodies = new Map<string, Buffer>();

  before(async () => {
    setup = await startRemoteSetup({ proxies: 1, targets: 2, mountpaths: 1 });
    await createRemoteBucket(setup, bucketName);
    const sizes: Array<[string, number]> = [
      ['big', 5 * mib + 1234],
      ['streamed', 3 * mib + 77],
      ['slow', 4 * mib],
      ['pf-large', 2.5 * mib],
      ['pf-small', 100 * 1024],
      ['via-start', 5 * mib],
    ];
    for (const [name, size] of sizes) {
      const body = randomBytes(size);
      bodies.set(name, body);
      await setup.direct.send(new PutObjectCommand({ Bucket: bucketName, Key: name, Body: body }));
    }
  });
  after(() => setup?.stop());

  /** Ranged GETs of `name` that reached the remote. */
  function ranges(name: string): number {
    const path = `/${bucketName}/${name}`;
    return setup.proxy.rangedGets.filter(
      (line) => line.startsWith(`${path}?`) || line.startsWith(`${path} `),
    ).length;
  }

  async function cached(name: string): Promise<boolean> {
    const head = await fetch(`${objectUrl(setup, bucketName, name)}&presence=1`, {
      method: 'HEAD',
    });
    return head.status === 200;
  }

  async function readThroughCluster(name: string): Promise<void> {
    const before = setup.proxy.gets(bucketName, name);
    const bytes = await setup.cluster.client(0).getObjectBytes(remote, name);
    assert.ok(bytes.equals(bodies.get(name) ?? Buffer.alloc(0)), `${name}: bytes`);
    assert.equal(setup.proxy.gets(bucketName, name), before, `${name}: read from the cluster`);
  }

  test('a job fetches the object in ranged reads on one target; cached, it has nothing to do', async () => {
    const client = setup.cluster.client(0);
    const id = await client.blobDownload(remote, 'big', { 'chunk-size': mib, 'num-workers': 3 });
    assert.notEqual(id, '');
    const status = await client.jobs.wait(id, { timeoutMs: 60_000 });
    assert.equal(status.err, '');
    assert.equal(status.kind, 'blob-download');
    const snapshots = Object.values(await client.jobs.snapshots({ id })).flat();
    assert.equal(snapshots.length, 1, 'one target ran it');
    assert.equal(snapshots[0]?.stats['loc-bytes'], String(bodies.get('big')?.length));
    assert.equal(snapshots[0]?.stats['loc-objs'], '1');
    assert.equal(ranges('big'), 6, '5 MiB + 1234 bytes in 1 MiB ranges');
    await readThroughCluster('big');
    assert.equal(await client.blobDownload(remote, 'big'), '', 'cached: nothing to do');
    assert.equal(await client.blobDownload(remote, 'big', { 'latest-ver': true }), '');
    assert.equal(ranges('big'), 6);
  });

  test('a GET with Ais-Blob-Download streams the object as its ranges arrive', async () => {
    const client = setup.cluster.client(0);
    const before = await client.jobs.list({ kind: 'blob-download' });
    const read = await client.getObject(remote, 'streamed', {
      blob: { chunkSize: '512KiB', workers: 4 },
    });
    const bytes = Buffer.concat(await read.body.toArray());
    assert.ok(bytes.equals(bodies.get('streamed') ?? Buffer.alloc(0)));
    assert.equal(ranges('streamed'), 7, '3 MiB + 77 bytes in 512 KiB ranges');
    const listed = await client.jobs.list({ kind: 'blob-download' });
    const added = listed.filter((job) => !before.some((known) => known.uuid === job.uuid));
    assert.equal(added.length, 1, 'the GET ran as a job');
    const status = await client.jobs.wait(added[0]?.uuid ?? '', { timeoutMs: 30_000 });
    assert.equal(status.err, '');
    await readThroughCluster('streamed');
  });

  test('a job stopped mid-way stores nothing; the next GET fetches the whole object', async () => {
    const client = setup.cluster.client(0);
    setup.proxy.mode = { kind: 'slow', delayMs: 150 };
    let id: string;
    try {
      // 16 ranges of 256 KiB, 2 at a time, each 150 ms late: over a second to go.
      id = await client.blobDownload(remote, 'slow', {
        'chunk-size': 256 * 1024,
        'num-workers': 2,
      });
      for (let poll = 0; poll < 200; poll += 1) {
        const [snapshot] = Object.values(await client.jobs.snapshots({ id })).flat();
        if (Number(snapshot?.stats['loc-bytes'] ?? 0) > 0) break;
        await sleep(20);
      }
      await client.jobs.stop({ id });
      const status = await client.jobs.wait(id, { timeoutMs: 30_000 });
      assert.equal(status.aborted, true);
    } finally {
      setup.proxy.mode = { kind: 'pass' };
    }
    const [snapshot] = Object.values(await client.jobs.snapshots({ id })).flat();
    const fetched = Number(snapshot?.stats['loc-bytes']);
    assert.ok(fetched > 0 && fetched < 4 * mib, `stopped mid-way (${fetched} bytes)`);
    assert.equal(await cached('slow'), false, 'nothing partial is visible');
    const bytes = await client.getObjectBytes(remote, 'slow');
    assert.ok(bytes.equals(bodies.get('slow') ?? Buffer.alloc(0)), 'the whole object');
  });

  test('prefetch with blob-threshold reads large objects in ranges, small ones whole', async () => {
    const client = setup.cluster.client(0);
    const id = await client.jobs.prefetchObjects(remote, {
      objnames: ['pf-large', 'pf-small'],
      'blob-threshold': mib,
      'blob-chunk-size': mib,
    });
    const status = await client.jobs.wait(id, { timeoutMs: 60_000 });
    assert.equal(status.err, '');
    assert.equal(ranges('pf-large'), 3, '2.5 MiB in 1 MiB ranges');
    assert.equal(ranges('pf-small'), 0);
    await readThroughCluster('pf-large');
    await readThroughCluster('pf-small');
  });

  test("the xaction start API starts one at the object's owner with the default 4 MiB chunks", async () => {
    const client = setup.cluster.client(0);
    const start = (name: string | undefined, bucket: BucketJson | undefined): Promise<Response> =>
      fetch(`${setup.cluster.primary.publicUrl}/v1/cluster`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          action: 'start',
          ...(name === undefined ? {} : { name }),
          value: { Kind: 'blob-download', Bck: bucket ?? null },
        }),
      });
    const response = await start('via-start', remote);
    assert.equal(response.status, 200);
    const id = (await response.text()).replace(/"/g, '');
    assert.notEqual(id, '');
    const status = await client.jobs.wait(id, { timeoutMs: 60_000 });
    assert.equal(status.err, '');
    assert.equal(status.kind, 'blob-download');
    const snapshots = Object.values(await client.jobs.snapshots({ id })).flat();
    assert.equal(snapshots.length, 1, 'one target ran it');
    assert.equal(snapshots[0]?.stats['loc-bytes'], String(5 * mib));
    assert.equal(ranges('via-start'), 2, '5 MiB in 4 MiB ranges');
    await readThroughCluster('via-start');

    const noName = await start(undefined, remote);
    assert.equal(noName.status, 400);
    assert.match(await errorMessage(noName), /needs the object \("name"\)/);
    const noBucket = await start('via-start', undefined);
    assert.equal(noBucket.status, 400);
    assert.match(await errorMessage(noBucket), /needs a bucket/);
    await client.createBucket({ name: 'local-start', provider: 'ais' });
    const local = await start('x', { name: 'local-start', provider: 'ais' });
    assert.equal(local.status, 400);
    assert.match(await errorMessage(local), /not a remote bucket/);
  });

  test('refused: an ais:// bucket, no object, a Range with it, settings without it', async () => {
    const client = setup.cluster.client(0);
    await client.createBucket({ name: 'local-blob', provider: 'ais' });
    await assert.rejects(
      client.blobDownload({ name: 'local-blob', provider: 'ais' }, 'x'),
      /400.*blob-download: ais:\/\/local-blob is not a remote bucket/,
    );
    const post = await fetch(
      `${setup.cluster.primary.publicUrl}/v1/objects/${bucketName}?provider=aws`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ action: 'blob-download', value: {} }),
      },
    );
    assert.equal(post.status, 400);
    assert.match(await errorMessage(post), /names no object/);
    for (const headers of [
      { 'ais-blob-download': 'true', range: 'bytes=0-9' },
      { 'ais-blob-chunk': '1MiB' },
      { 'ais-blob-download': 'true', 'ais-blob-workers': '500' },
    ]) {
      const response = await fetch(objectUrl(setup, bucketName, 'pf-small'), { headers });
      assert.equal(response.status, 400, JSON.stringify(headers));
    }
  });
});
