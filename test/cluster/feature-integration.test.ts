// Where the features meet, on one real cluster (1 gateway, 4 targets with 2 mountpaths): S3 writes
// into mirrored and EC buckets are protected and heal like native ones; delete-listrange removes
// EC pieces; a target joins and a resilver runs while the cluster holds native objects, S3 objects
// with attributes, multipart objects, a versioned bucket with delete markers, an EC and a mirrored
// bucket, and afterwards every object and version reads back as it was, placed where HRW says,
// with scrub finding the EC bucket whole.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { DeleteObjectCommand, PutBucketVersioningCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Client } from '../../src/sdk/index.js';
import { filesOf } from '../harness/disk.js';
import { checkPlacement, fetchClusterMap } from '../harness/placement.js';
import { sdkClient } from '../harness/s3-setup.js';
import { TestCluster } from '../harness/test-cluster.js';
import { scrub } from '../faults/protection-helpers.js';
import { bytesFor, s3Put, s3PutMultipart, s3Read, s3Snapshot } from './integration-helpers.js';

const partBytes = 64 * 1024;
const ais = (name: string) => ({ name, provider: 'ais' });
const buckets = {
  plain: 'plain',
  attributes: 'attrs',
  versioned: 'versions',
  ec: 'ec21',
  mirror: 'mirror2',
} as const;
const s3Buckets = [buckets.attributes, buckets.versioned, buckets.ec, buckets.mirror];

describe('feature integration: S3, protection and the elastic cluster', () => {
  let cluster: TestCluster;
  let client: Client;
  let s3: S3Client;
  const native = new Map<string, Buffer>();

  before(async () => {
    cluster = await TestCluster.start({ proxies: 1, targets: 4, mountpaths: 2 });
    client = cluster.client(0);
    s3 = sdkClient(cluster.primary.publicUrl);
    await cluster.setConfig({
      'keepalive.interval_ms': 500,
      's3.multipart_min_part_bytes': partBytes,
    });
    for (const name of Object.values(buckets)) await client.createBucket(ais(name));
    await client.setBucketProps(ais(buckets.ec), {
      ec: { enabled: true, data_slices: 2, parity_slices: 1, objsize_limit: 16 * 1024 },
    });
    await client.setBucketProps(ais(buckets.mirror), { mirror: { enabled: true, copies: 2 } });
    await s3.send(
      new PutBucketVersioningCommand({
        Bucket: buckets.versioned,
        VersioningConfiguration: { Status: 'Enabled' },
      }),
    );
  });
  after(async () => {
    s3?.destroy();
    await cluster?.destroy();
  });

  test('S3 PUT and multipart into mirror-2 and EC 2+1 buckets: protected, and heal', async () => {
    const written = new Map<string, { data: Buffer; etag: string }>();
    for (const bucket of [buckets.mirror, buckets.ec]) {
      const single = bytesFor(`${bucket}/single`, 100_000);
      const multi = bytesFor(`${bucket}/multi`, 2 * partBytes + 5000);
      const tiny = bytesFor(`${bucket}/tiny`, 3000);
      written.set(`${bucket}/single`, {
        data: single,
        etag: await s3Put(s3, bucket, 'single', single),
      });
      written.set(`${bucket}/tiny`, { data: tiny, etag: await s3Put(s3, bucket, 'tiny', tiny) });
      const etag = await s3PutMultipart(s3, bucket, 'multi', multi, partBytes);
      written.set(`${bucket}/multi`, { data: multi, etag });
    }
    for (const key of ['single', 'multi', 'tiny']) {
      const mirrored = await client.headObject(ais(buckets.mirror), key);
      assert.equal(mirrored.mirrorCopies, 2, `${key}: two replicas`);
      assert.equal(mirrored.mirrorPaths?.length, 1);
      const coded = await client.headObject(ais(buckets.ec), key);
      // Small objects are replicated (owner + P copies), larger ones sliced (owner + D + P).
      const pieces = key === 'tiny' ? 2 : 4;
      assert.equal(coded.ec?.pieces.length, pieces, `${key}: owner + pieces`);
      assert.equal(new Set(coded.ec?.pieces.map((piece) => piece.target)).size, pieces);
    }
    // The main replica goes: the mirror's home file, every object file of the EC bucket.
    for (const key of ['single', 'multi', 'tiny']) {
      const home = (await client.headObject(ais(buckets.mirror), key)).location?.split(':')[1];
      const files = await filesOf(cluster.dir, '%ob', key);
      const main = files.find(
        (file) => file.includes(`/${buckets.mirror}/`) && file.startsWith(`${home}/`),
      );
      assert.ok(main !== undefined, `${key}: main replica on ${home ?? '?'}`);
      await rm(main);
      for (const file of files.filter((path) => path.includes(`/${buckets.ec}/`))) await rm(file);
    }
    for (const [path, expected] of written) {
      const [bucket = '', key = ''] = path.split('/');
      const read = await s3Read(s3, bucket, key);
      assert.ok(read.data.equals(expected.data), `${path}: bytes`);
      assert.equal(read.etag, expected.etag, `${path}: ETag`);
    }
  });

  test('delete-listrange in an EC bucket removes the pieces: nothing comes back', async () => {
    const names = ['gone/0', 'gone/1', 'gone/2', 'gone/3'];
    for (const [index, name] of names.entries())
      await client.putObject(
        ais(buckets.ec),
        name,
        bytesFor(name, index % 2 === 0 ? 2000 : 90_000),
      );
    for (const name of names) assert.ok((await filesOf(cluster.dir, '%mt', name)).length > 0);
    const id = await client.jobs.deleteObjects(ais(buckets.ec), { objnames: names });
    const status = await client.jobs.wait(id, { timeoutMs: 60_000 });
    assert.equal(status.err, '');
    for (const name of names) {
      assert.deepEqual(await filesOf(cluster.dir, '%mt', name), [], `${name}: no metafile left`);
      assert.deepEqual(await filesOf(cluster.dir, '%ec', name), [], `${name}: no slice left`);
      await assert.rejects(client.getObjectBytes(ais(buckets.ec), name), `${name} stays deleted`);
    }
  });

  /** Everything the cluster holds, as S3 and the native API show it. */
  async function snapshot(): Promise<unknown> {
    const s3View: Record<string, unknown> = {};
    for (const bucket of s3Buckets) s3View[bucket] = await s3Snapshot(s3, bucket);
    for (const [name, data] of native) {
      const read = await client.getObjectBytes(ais(buckets.plain), name);
      assert.ok(Buffer.from(read).equals(data), `native ${name}`);
    }
    return s3View;
  }

  async function expectPlaced(): Promise<void> {
    const map = await fetchClusterMap(cluster.primary.publicUrl);
    // Mirror copies sit off their home by design: every other bucket has one file per object.
    for (const bucket of [buckets.plain, buckets.attributes, buckets.versioned, buckets.ec]) {
      const placement = await checkPlacement(map, cluster.targets, ais(bucket));
      assert.deepEqual(placement.misplaced, [], `${bucket}: placed by HRW`);
      assert.deepEqual(placement.duplicates, [], `${bucket}: one replica`);
    }
  }

  async function expectEcWhole(): Promise<void> {
    const counts = await scrub(client, ais(buckets.ec));
    assert.ok(counts.checked > 0);
    assert.equal(counts.unrecoverable, 0, 'scrub: nothing unrecoverable');
    assert.equal(counts.corrupt, 0, 'scrub: no piece missing or corrupt');
  }

  /** Reads every latest S3 object of the attribute and EC buckets, rounds until `done` settles. */
  async function readWhileMoving(done: Promise<unknown>): Promise<string[]> {
    let settled = false;
    void done.finally(() => (settled = true)).catch(() => undefined);
    const failures: string[] = [];
    const keys = [
      ...Array.from({ length: 12 }, (_, i) => [buckets.attributes, `a/${i}`]),
      ...Array.from({ length: 12 }, (_, i) => [buckets.ec, `e/${i}`]),
    ];
    for (let round = 0; round < 20 && !settled; round += 1) {
      for (const [bucket = '', key = ''] of keys) {
        await s3Read(s3, bucket, key).catch((error: unknown) => {
          failures.push(`${bucket}/${key}: ${String(error)}`);
        });
      }
    }
    return failures;
  }

  test('a target joins: every object and version reads back as it was, placed by HRW', async () => {
    for (let i = 0; i < 40; i += 1) {
      const name = `n/${i}`;
      native.set(name, bytesFor(name, 100 + i * 97));
      await client.putObject(ais(buckets.plain), name, native.get(name) ?? Buffer.alloc(0));
    }
    for (let i = 0; i < 12; i += 1) {
      const attributes = {
        contentType: i % 2 === 0 ? 'text/plain' : 'application/x-test',
        metadata: { owner: `user-${i}`, index: String(i) },
        tagging: `team=t${i % 3}&kind=${i % 2 === 0 ? 'even' : 'odd'}`,
      };
      const key = `a/${i}`;
      if (i % 4 === 0)
        await s3PutMultipart(
          s3,
          buckets.attributes,
          key,
          bytesFor(key, 2 * partBytes + i),
          partBytes,
          attributes,
        );
      else await s3Put(s3, buckets.attributes, key, bytesFor(key, 500 + i * 300), attributes);
    }
    for (let i = 0; i < 8; i += 1) {
      const key = `v/${i}`;
      for (let version = 0; version < 3; version += 1) {
        const data = bytesFor(`${key}@${version}`, 200 + version * 1000 + i);
        const tagging = `version=${version}`;
        if (version === 1 && i % 3 === 0)
          await s3PutMultipart(
            s3,
            buckets.versioned,
            key,
            Buffer.concat([data, bytesFor(key, partBytes)]),
            partBytes,
            { tagging },
          );
        else
          await s3Put(s3, buckets.versioned, key, data, {
            tagging,
            metadata: { v: String(version) },
          });
      }
      if (i % 3 === 1)
        await s3.send(new DeleteObjectCommand({ Bucket: buckets.versioned, Key: key }));
    }
    for (let i = 0; i < 12; i += 1) {
      const key = `e/${i}`;
      if (i % 6 === 0)
        await s3PutMultipart(s3, buckets.ec, key, bytesFor(key, 2 * partBytes + 7), partBytes);
      else
        await s3Put(s3, buckets.ec, key, bytesFor(key, 1000 + i * 20_000), { tagging: `i=${i}` });
    }
    const before = await snapshot();
    await cluster.addTarget();
    const rmd = await client.cluster.rebalanceMetadata();
    assert.ok(rmd !== undefined, 'a rebalance started');
    // S3 reads while objects move: a new owner without the object yet gets it from its neighbor.
    const waiting = client.jobs.wait(`g${rmd.version}`, { timeoutMs: 120_000 });
    const failures = await readWhileMoving(waiting);
    const status = await waiting;
    assert.equal(status.err, '', 'rebalance succeeded');
    assert.deepEqual(failures, [], 'no S3 read failed during the rebalance');
    assert.deepEqual(await snapshot(), before);
    await expectPlaced();
    await expectEcWhole();
    const coded = await client.headObject(ais(buckets.ec), 'e/5');
    assert.equal(coded.ec?.pieces.length, 4, 'HEAD still lists the pieces');
    for (const key of ['single', 'multi', 'tiny'])
      assert.equal((await client.headObject(ais(buckets.mirror), key)).mirrorCopies, 2);
  });

  test('resilver (a mountpath detached on every target): the same invariants hold', async () => {
    const before = await snapshot();
    const jobs = await Promise.all(
      cluster.targets.map((target) => {
        const [, second = ''] = target.spec.mountpaths;
        return client.cluster.mountpath(target.id, 'detach', second);
      }),
    );
    for (const id of jobs.filter((job) => job !== '')) {
      const status = await client.jobs.wait(id, { timeoutMs: 120_000 });
      assert.equal(status.err, '', `resilver ${id}`);
    }
    assert.deepEqual(await snapshot(), before);
    await expectPlaced();
    await expectEcWhole();
  });
});
