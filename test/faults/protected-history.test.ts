// Protection covers everything acknowledged in a bucket that keeps history: every object written
// several times (kept versions), tags and custom metadata changed after the PUT, delete markers and
// multipart (chunked) objects, then the faults the bucket tolerates. Everything reads back
// byte-identical with its attributes, through S3 (every version) and the native API (the latest);
// in the EC bucket every metafile carries the tags and custom metadata changed after the PUT, a
// key too long for `<key>;<version ID>` has its kept version protected too, reads right after the
// loss (only the primary's map changed) find their versions, and scrub alone brings back what
// nobody read, modification times included.
// At the scale: 50 objects each written 4 times (3 overwrites), 10 multipart objects.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import {
  DeleteObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectTaggingCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { BucketJson, Client } from '../../src/sdk/index.js';
import { DiskWalk, findFiles, flipByte } from '../harness/disk.js';
import { sdkClient } from '../harness/s3-setup.js';
import { TestCluster } from '../harness/test-cluster.js';
import {
  bytesFor,
  s3Put,
  s3PutMultipart,
  s3Read,
  s3Snapshot,
} from '../cluster/integration-helpers.js';
import { versionPieceName } from '../../src/protect/ec/version-pieces.js';
import { scrub } from './protection-helpers.js';

const objectCount = 50;
const writes = 4;
const multipartCount = 10;
const partBytes = 64 * 1024;
const sizes = [2_000, 30_000, 90_000, 150_000];
/** A key so long that `<key>;<version ID>` exceeds the 1024-byte name limit. */
const longKey = `long/${'n'.repeat(1000)}`;

/** What the test wrote: the latest bytes and custom metadata of every key, for native reads. */
type Latest = Map<string, { data: Buffer; metadata: Record<string, string> }>;

/**
 * Fills a versioned bucket: `objectCount` keys written `writes` times with S3 metadata and a
 * content type, tags set on kept versions and on latest ones, custom metadata changed through the
 * native API, two delete markers, and `multipartCount` multipart objects.
 */
async function fill(s3: S3Client, client: Client, bucket: BucketJson): Promise<Latest> {
  await s3.send(
    new PutBucketVersioningCommand({
      Bucket: bucket.name,
      VersioningConfiguration: { Status: 'Enabled' },
    }),
  );
  const latest: Latest = new Map();
  for (let round = 0; round < writes; round += 1) {
    await Promise.all(
      Array.from({ length: objectCount }, async (_, index) => {
        const key = `obj-${index}`;
        const data = bytesFor(`${key}@${round}`, (sizes[index % sizes.length] ?? 1) + round);
        const metadata = { round: String(round) };
        await s3Put(s3, bucket.name, key, data, { contentType: 'text/x-round', metadata });
        latest.set(key, { data, metadata });
        if (round === 1 && index % 3 === 0) {
          // Tags on the version that will be kept.
          await s3.send(
            new PutObjectTaggingCommand({
              Bucket: bucket.name,
              Key: key,
              Tagging: { TagSet: [{ Key: 'kept', Value: `v${round}` }] },
            }),
          );
        }
      }),
    );
  }
  for (let index = 0; index < objectCount; index += 3) {
    const key = `obj-${index}`;
    await s3.send(
      new PutObjectTaggingCommand({
        Bucket: bucket.name,
        Key: key,
        Tagging: { TagSet: [{ Key: 'latest', Value: 'yes' }] },
      }),
    );
    await client.setCustomMetadata(bucket, key, { changed: 'after-put' });
    const entry = latest.get(key);
    if (entry !== undefined) entry.metadata = { ...entry.metadata, changed: 'after-put' };
  }
  for (const key of ['obj-1', 'obj-2']) {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket.name, Key: key }));
    latest.delete(key);
  }
  for (let round = 0; round < 2; round += 1) {
    const data = bytesFor(`${longKey}@${round}`, 20_000 + round);
    await s3Put(s3, bucket.name, longKey, data, { contentType: 'text/x-long', metadata: {} });
    latest.set(longKey, { data, metadata: {} });
  }
  for (let index = 0; index < multipartCount; index += 1) {
    const key = `multi-${index}`;
    const data = bytesFor(key, 2 * partBytes + 1000 * (index + 1));
    await s3PutMultipart(s3, bucket.name, key, data, partBytes, {
      contentType: 'application/x-multi',
      metadata: { part: 'yes' },
      tagging: 'kind=multipart',
    });
    latest.set(key, { data, metadata: { part: 'yes' } });
  }
  return latest;
}

/**
 * A bucket that keeps history but has no protection yet: three keys written three times, one
 * deleted (a delete marker). Returns the piece names (`<key>;<version ID>`) of every kept version
 * and delete marker.
 */
async function unprotectedHistory(s3: S3Client, client: Client, bucket: BucketJson) {
  await client.createBucket(bucket);
  await s3.send(
    new PutBucketVersioningCommand({
      Bucket: bucket.name,
      VersioningConfiguration: { Status: 'Enabled' },
    }),
  );
  for (let round = 0; round < 3; round += 1) {
    for (const key of ['a', 'b', 'c']) {
      await s3Put(s3, bucket.name, key, bytesFor(`${key}@${round}`, 40_000 + round));
    }
  }
  await s3.send(new DeleteObjectCommand({ Bucket: bucket.name, Key: 'c' }));
  const listing = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket.name }));
  const kept = [...(listing.Versions ?? []), ...(listing.DeleteMarkers ?? [])].filter(
    (version) => version.IsLatest !== true,
  );
  assert.equal(kept.length, 7, 'two kept versions of a and b, three of c');
  return kept.map((version) => `${version.Key ?? ''};${version.VersionId ?? ''}`);
}

/** Runs a protection job to its end. */
async function runJob(client: Client, id: string): Promise<void> {
  const status = await client.jobs.wait(id, { timeoutMs: 120_000 });
  assert.equal(status.err, '', `job ${id} failed: ${status.err}`);
}

/** The latest version of every key through the native API: bytes and custom metadata. */
async function assertNativeLatest(client: Client, bucket: BucketJson, latest: Latest) {
  for (const [key, expected] of latest) {
    const data = await client.getObjectBytes(bucket, key);
    assert.ok(Buffer.from(data).equals(expected.data), `${key}: native bytes`);
    const head = await client.headObject(bucket, key);
    assert.deepEqual(head.customMetadata, expected.metadata, `${key}: native custom metadata`);
  }
}

describe('a 2-copy mirrored bucket with versioning loses a mountpath on every target', () => {
  let cluster: TestCluster;
  let client: Client;
  let s3: S3Client;
  const bucket = { name: 'mirror-history', provider: 'ais' };

  before(async () => {
    cluster = await TestCluster.start({ proxies: 1, targets: 2, mountpaths: 2 });
    client = cluster.client(0);
    s3 = sdkClient(cluster.primary.publicUrl);
    await cluster.setConfig({ 's3.multipart_min_part_bytes': partBytes });
    await client.createBucket(bucket, { mirror: { enabled: true, copies: 2 } });
  });
  after(async () => {
    s3?.destroy();
    await cluster?.destroy();
  });

  test('make-n-copies gives versions written before mirroring was on their copies', async () => {
    const later = { name: 'mirror-later', provider: 'ais' };
    const kept = await unprotectedHistory(s3, client, later);
    await runJob(client, await client.jobs.makeCopies(later, 2));
    const walk = await DiskWalk.of(cluster.dir, ['%vr']);
    for (const name of kept) {
      const files = walk.filesOf('%vr', name).filter((path) => path.includes(`/${later.name}/`));
      assert.equal(files.length, 2, `${name}: a kept version or marker and its copy`);
    }
  });

  test('every version, tag, marker and multipart object survives; scrub re-protects', async () => {
    const latest = await fill(s3, client, bucket);
    const expected = await s3Snapshot(s3, bucket.name);
    // A chunk of a multipart object rots in the copy of its chunk set on the second mountpath:
    // scrub replaces that copy of the set from the first, which is lost next.
    const chunk = (
      await Promise.all(
        cluster.targets.map((target) => findFiles(target.spec.mountpaths[1] ?? '', '%ch')),
      )
    ).flat()[0];
    assert.ok(chunk !== undefined, 'a chunk of a multipart object on a second mountpath');
    await flipByte(chunk, 100);
    const fixed = await scrub(client, bucket);
    assert.deepEqual([fixed.repaired, fixed.unrecoverable], [1, 0], 'the rotten chunk set');
    for (const target of cluster.targets) {
      await rm(target.spec.mountpaths[0] ?? '', { recursive: true, force: true });
    }
    assert.deepEqual(await s3Snapshot(s3, bucket.name), expected, 'S3 view after the loss');
    await assertNativeLatest(client, bucket, latest);
    const counts = await scrub(client, bucket);
    assert.equal(counts.unrecoverable, 0);
    assert.ok(counts.repaired > 0, 'scrub re-created the lost copies');
    // The copies scrub made are real: losing the other mountpath is survived too.
    for (const target of cluster.targets) {
      await rm(target.spec.mountpaths[1] ?? '', { recursive: true, force: true });
    }
    assert.deepEqual(await s3Snapshot(s3, bucket.name), expected, 'S3 view after a second loss');
    await assertNativeLatest(client, bucket, latest);
  });
});

describe('an EC 2+2 bucket with versioning loses two targets', () => {
  let cluster: TestCluster;
  let client: Client;
  let s3: S3Client;
  const bucket = { name: 'ec-history', provider: 'ais' };

  before(async () => {
    cluster = await TestCluster.start({ proxies: 1, targets: 5, mountpaths: 1 });
    client = cluster.client(0);
    s3 = sdkClient(cluster.primary.publicUrl);
    await cluster.setConfig({
      's3.multipart_min_part_bytes': partBytes,
      'keepalive.interval_ms': 500,
      'keepalive.timeout_ms': 5_000,
    });
    await client.createBucket(bucket, {
      ec: { enabled: true, data_slices: 2, parity_slices: 2, objsize_limit: 16 * 1024 },
    });
  });
  after(async () => {
    s3?.destroy();
    await cluster?.destroy();
  });

  test('ec-encode gives versions written before EC was on their pieces', async () => {
    const later = { name: 'ec-later', provider: 'ais' };
    const kept = await unprotectedHistory(s3, client, later);
    await runJob(
      client,
      await client.jobs.encodeBucket(later, { data_slices: 1, parity_slices: 1 }),
    );
    const walk = await DiskWalk.of(cluster.dir, ['%ec', '%mt']);
    for (const name of kept) {
      const metafiles = (await walk.metafilesOf(name)).filter(({ path }) =>
        path.includes(`/${later.name}/`),
      );
      assert.ok(metafiles.length >= 2, `${name}: owner and holder have metafiles`);
    }
  });

  test('every version, tag, marker and multipart object is restored by its new owner', async () => {
    const latest = await fill(s3, client, bucket);
    // One walk of the pieces for the checks below (nothing writes them until the kills).
    const walk = await DiskWalk.of(cluster.dir, ['%ec', '%mt']);
    // Tags and custom metadata changed after the PUT reached every metafile of the object.
    for (let index = 0; index < objectCount; index += 3) {
      const metafiles = await walk.metafilesOf(`obj-${index}`);
      assert.ok(metafiles.length >= 3, `obj-${index}: owner and holders have metafiles`);
      for (const { path, metadata: metafile } of metafiles) {
        assert.equal(metafile.custom_md.changed, 'after-put', `${path}: custom metadata`);
        assert.deepEqual(metafile.s3_attrs?.tags, { latest: 'yes' }, `${path}: tags`);
      }
    }
    const expected = (await s3Snapshot(s3, bucket.name)) as {
      versions: Array<{ key: string; versionId: string; latest: boolean }>;
    };
    // Every kept version has pieces of its own (the long key's under a hashed piece name); a delete
    // marker that is the latest has them under the object's name.
    for (const version of expected.versions.filter((entry) => !entry.latest)) {
      const name = versionPieceName(version.key, version.versionId);
      if (version.key === longKey) assert.ok(name.startsWith('.kept/'), 'a hashed piece name');
      const metafiles = await walk.metafilesOf(name);
      assert.ok(metafiles.length >= 3, `${name}: owner and holders have metafiles`);
    }
    for (const key of ['obj-1', 'obj-2']) {
      const metafiles = await walk.metafilesOf(key);
      assert.ok(metafiles.length >= 3, `${key}: its delete marker has pieces`);
      for (const { path, metadata: metafile } of metafiles) {
        assert.equal(metafile.s3_attrs?.delete_marker, true, `${path}: a delete marker`);
      }
    }
    await cluster.targets[0]?.stop('SIGKILL');
    await cluster.targets[1]?.stop('SIGKILL');
    // The primary's map only: a target whose map has not dropped the killed ones yet pulls the
    // newer map when a read that its map says it does not own reaches it (no NoSuchVersion).
    await cluster.waitForTargetCount(3, 60_000);
    await client.clusterMap({ refresh: true });
    const early = expected.versions.filter((version) => /^obj-(0|3)$/.test(version.key));
    for (const version of early) {
      const versionId = version.versionId === 'null' ? undefined : version.versionId;
      await s3Read(s3, bucket.name, version.key, versionId);
    }
    // Every other version and marker is brought back to its new owner by scrub alone: the holders
    // of its pieces ask the owner (listings then show it before anything reads it).
    await cluster.waitForMembers(60_000, cluster.nodes.filter((node) => node.running).length);
    const counts = await scrub(client, bucket);
    assert.equal(counts.unrecoverable, 0);
    assert.ok(counts.repaired > 0, 'scrub restored kept versions nobody had read');
    // Byte-identical with every attribute, modification times included.
    assert.deepEqual(
      await s3Snapshot(s3, bucket.name),
      expected,
      'S3 view after losing two targets',
    );
    await assertNativeLatest(client, bucket, latest);
  });
});
