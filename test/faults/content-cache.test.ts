// The content cache on a running target, its reads counted through the Disk seam: after the first
// GET a hot object's GETs (native, S3 through the gateway, ranges, conditional) read no byte from
// disk and answer exactly as a read from disk would; an overwrite and a delete are seen at once;
// a hit's check that fails (a stat fault) sends that object alone back to its file;
// `storage.content_cache_check_ms` changed in the cluster config applies without a restart.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Client } from '../../src/sdk/index.js';
import { FaultyDisk } from '../harness/faulty-disk.js';
import { InProcessCluster } from '../harness/in-process-target.js';
import { sdkClient } from '../harness/s3-setup.js';

const bucket = { name: 'hot', provider: 'ais' };

describe('content cache on a running target', () => {
  let disk: FaultyDisk;
  let cluster: InProcessCluster;
  let client: Client;
  let s3: S3Client;

  before(async () => {
    disk = new FaultyDisk();
    cluster = await InProcessCluster.start(disk, 1);
    client = cluster.client();
    await client.createBucket(bucket);
    s3 = sdkClient(cluster.gateway.publicUrl);
  });
  after(async () => {
    s3?.destroy();
    await cluster?.destroy();
  });

  async function s3Get(
    key: string,
    conditions: { Range?: string; IfMatch?: string; IfNoneMatch?: string } = {},
  ): Promise<{ status: number; data: Buffer; etag: string | undefined }> {
    try {
      const got = await s3.send(
        new GetObjectCommand({ Bucket: bucket.name, Key: key, ...conditions }),
      );
      const data = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
      return { status: got.$metadata.httpStatusCode ?? 0, data, etag: got.ETag };
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata
        ?.httpStatusCode;
      return { status: status ?? 0, data: Buffer.alloc(0), etag: undefined };
    }
  }

  test('a hot object is served from memory, exactly as from disk; changes are seen at once', async () => {
    const data = Buffer.from('hot object '.repeat(400));
    await s3.send(new PutObjectCommand({ Bucket: bucket.name, Key: 'a', Body: data }));
    const first = await s3Get('a');
    assert.ok(first.data.equals(data));

    const reads = disk.countReads(cluster.target.dir);
    try {
      assert.ok((await client.getObjectBytes(bucket, 'a')).equals(data), 'native GET');
      const whole = await s3Get('a');
      assert.ok(whole.data.equals(data), 'S3 GET through the gateway');
      assert.equal(whole.etag, first.etag);
      const ranged = await s3Get('a', { Range: 'bytes=100-199' });
      assert.equal(ranged.status, 206);
      assert.ok(ranged.data.equals(data.subarray(100, 200)), 'a range sliced from memory');
      assert.equal((await s3Get('a', { IfMatch: first.etag ?? '' })).status, 200);
      assert.equal((await s3Get('a', { IfMatch: '"other"' })).status, 412);
      assert.equal((await s3Get('a', { IfNoneMatch: first.etag ?? '' })).status, 304);
      assert.equal(reads.bytes, 0, 'no byte of it read from disk');
    } finally {
      reads.remove();
    }

    const replacement = Buffer.from('replaced '.repeat(300));
    await s3.send(new PutObjectCommand({ Bucket: bucket.name, Key: 'a', Body: replacement }));
    assert.ok((await s3Get('a')).data.equals(replacement), 'an overwrite is seen by the next GET');
    assert.ok((await client.getObjectBytes(bucket, 'a')).equals(replacement));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket.name, Key: 'a' }));
    assert.equal((await s3Get('a')).status, 404, 'a delete too');
  });

  test("a check that fails for one object re-reads that object alone; the job's other checks stand", async () => {
    const bodies = {
      c1: Buffer.from('checked one '.repeat(300)),
      c2: Buffer.from('two '.repeat(900)),
    };
    for (const [key, body] of Object.entries(bodies))
      await s3.send(new PutObjectCommand({ Bucket: bucket.name, Key: key, Body: body }));
    for (const key of ['c1', 'c2', 'c1', 'c2']) await client.getObjectBytes(bucket, key);
    // Past the check interval (1 s by default), each hit's bytes are checked against the file
    // first: both GETs at once, so both checks go in one job of the disk's `checkFileStates`.
    await delay(1_200);
    const fileOf = (key: string): string =>
      join(cluster.target.dir, 'mp-0', '@ais', bucket.name, '%ob', key);
    const failed = disk.inject({
      operations: ['stat'],
      path: fileOf('c1'),
      times: 1,
      fault: { error: 'EIO' },
    });
    const reads = { c1: disk.countReads(fileOf('c1')), c2: disk.countReads(fileOf('c2')) };
    try {
      const [got1, got2] = await Promise.all([
        client.getObjectBytes(bucket, 'c1'),
        client.getObjectBytes(bucket, 'c2'),
      ]);
      assert.ok(got1.equals(bodies.c1) && got2.equals(bodies.c2));
      assert.equal(failed.fired, 1, 'the check of c1 met the fault');
      assert.ok(reads.c1.bytes > 0, 'c1, unconfirmed, read from its file');
      assert.equal(reads.c2.bytes, 0, 'c2, confirmed in the same job, served from memory');
    } finally {
      failed.remove();
      reads.c1.remove();
      reads.c2.remove();
    }
  });

  test('the check interval set in the cluster config applies at once, no restart', async () => {
    const data = Buffer.from('kept '.repeat(100));
    await client.putObject(bucket, 'c', data);
    assert.ok((await client.getObjectBytes(bucket, 'c')).equals(data), 'read once: kept');
    await client.cluster.setConfig({ 'storage.content_cache_check_ms': 60_000 });
    try {
      // Past the default interval (1 s): under it the next GET would wait for a stat.
      await delay(1_300);
      const stats = disk.inject({
        operations: ['stat'],
        path: cluster.target.dir,
        fault: { delayMs: 0 },
      });
      try {
        assert.ok((await client.getObjectBytes(bucket, 'c')).equals(data));
        assert.equal(stats.fired, 0, 'confirmed 1.3 s ago: within 60 s, no stat');
      } finally {
        stats.remove();
      }
    } finally {
      await client.cluster.setConfig({ 'storage.content_cache_check_ms': 1000 });
    }
  });
});
