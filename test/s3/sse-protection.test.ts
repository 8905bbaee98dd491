// Encrypted objects (SSE-S3 and SSE-C, single-part and multipart) under the cluster's data
// protection, against a real cluster (1 gateway, 3 targets with 2 mountpaths, a shared master key
// file) through the AWS SDK v3: read back byte for byte (whole and across 64 KiB packages) after a
// rebalance (a target joins, then leaves through maintenance), after an EC restore (every replica
// lost, rebuilt from slices), and after mirror repair (the main replica lost, a copy damaged).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Client } from '../../src/sdk/index.js';
import { filesOf, findFiles, flipByte } from '../harness/disk.js';
import { TestCluster } from '../harness/test-cluster.js';
import { bodyBytes, failure, sdkClient } from '../harness/s3-setup.js';
import { waitFor } from '../harness/wait.js';
import { scrub } from '../faults/protection-helpers.js';

const kib = 1024;
const packageBytes = 64 * kib;
const ssec = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: randomBytes(16).toString('hex') };
const otherKey = {
  SSECustomerAlgorithm: 'AES256',
  SSECustomerKey: randomBytes(16).toString('hex'),
};

/** An encrypted test object: its key, plaintext, and the request fields a read needs. */
interface SealedObject {
  key: string;
  plain: Buffer;
  readKey: Record<string, string>;
}

describe('S3 encrypted objects under rebalance, EC restore and mirroring', () => {
  let cluster: TestCluster;
  let client: Client;
  let s3: S3Client;
  let keyDir = '';

  before(async () => {
    keyDir = await mkdtemp(join(tmpdir(), 'cairn-sse-protection-'));
    const keyFile = join(keyDir, 'sse-master.key');
    await writeFile(keyFile, randomBytes(32).toString('hex'));
    cluster = await TestCluster.start({
      proxies: 1,
      targets: 3,
      mountpaths: 2,
      config: { 'keepalive.interval_ms': 500, 's3.multipart_min_part_bytes': 0 },
      // Targets added later get the same arguments: the same master key.
      nodeArgs: ['--sse-master-key', keyFile],
    });
    client = cluster.client(0);
    s3 = sdkClient(cluster.primary.publicUrl);
  });
  after(async () => {
    s3?.destroy();
    await cluster?.destroy();
    if (keyDir !== '') await rm(keyDir, { recursive: true, force: true });
  });

  /** PUTs `plain` encrypted: SSE-S3, or SSE-C with `ssec`. */
  async function putSealed(
    bucket: string,
    key: string,
    plain: Buffer,
    mode: 'SSE-S3' | 'SSE-C',
  ): Promise<SealedObject> {
    const sealing = mode === 'SSE-S3' ? { ServerSideEncryption: 'AES256' as const } : ssec;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: plain, ...sealing }));
    return { key, plain, readKey: mode === 'SSE-S3' ? {} : ssec };
  }

  /** A three-part SSE-C (or SSE-S3) multipart object whose first part ends inside a package. */
  async function putSealedMultipart(
    bucket: string,
    key: string,
    mode: 'SSE-S3' | 'SSE-C',
  ): Promise<SealedObject> {
    const parts = [randomBytes(70 * kib), randomBytes(packageBytes), randomBytes(9 * kib)];
    const sealing = mode === 'SSE-S3' ? { ServerSideEncryption: 'AES256' as const } : ssec;
    const partKey = mode === 'SSE-S3' ? {} : ssec;
    const created = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ...sealing }),
    );
    const upload = { Bucket: bucket, Key: key, UploadId: created.UploadId };
    const completed = [];
    for (const [index, body] of parts.entries()) {
      const part = await s3.send(
        new UploadPartCommand({ ...upload, PartNumber: index + 1, Body: body, ...partKey }),
      );
      completed.push({ PartNumber: index + 1, ETag: part.ETag });
    }
    await s3.send(
      new CompleteMultipartUploadCommand({ ...upload, MultipartUpload: { Parts: completed } }),
    );
    return { key, plain: Buffer.concat(parts), readKey: partKey };
  }

  /** Every object reads back whole and across a package boundary; SSE-C ones refuse another key. */
  async function assertReadable(bucket: string, objects: readonly SealedObject[]): Promise<void> {
    for (let index = 0; index < objects.length; index += 8)
      await Promise.all(objects.slice(index, index + 8).map((object) => readBack(bucket, object)));
  }

  async function readBack(bucket: string, object: SealedObject): Promise<void> {
    const whole = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: object.key, ...object.readKey }),
    );
    assert.ok((await bodyBytes(whole.Body)).equals(object.plain), `${object.key} whole`);
    if (object.plain.length > packageBytes + 10) {
      const start = packageBytes - 10;
      const end = Math.min(object.plain.length - 1, packageBytes + 10);
      const ranged = await s3.send(
        new GetObjectCommand({
          Bucket: bucket,
          Key: object.key,
          Range: `bytes=${start}-${end}`,
          ...object.readKey,
        }),
      );
      assert.ok(
        (await bodyBytes(ranged.Body)).equals(object.plain.subarray(start, end + 1)),
        `${object.key} range ${start}-${end}`,
      );
    }
    if (object.readKey === ssec) {
      const refused = await failure(
        s3.send(new GetObjectCommand({ Bucket: bucket, Key: object.key, ...otherKey })),
      );
      assert.deepEqual(refused, { name: 'AccessDenied', status: 403 }, object.key);
    }
  }

  /** The stored files (object files and multipart chunks) of `bucket` under `mountpaths`. */
  async function storedFilesOf(mountpaths: readonly string[], bucket: string): Promise<string[]> {
    const found = await Promise.all(
      mountpaths.flatMap((path) => [findFiles(path, '%ob'), findFiles(path, '%ch')]),
    );
    return found.flat().filter((path) => path.includes(`/${bucket}/`));
  }

  test('rebalance: a target joins, then leaves in maintenance; every object reads back', async () => {
    const bucket = 'sse-moves';
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    // 3 targets become 4: each key moves with chance 1/4; 40 keys all staying is ~1e-5.
    const objects: SealedObject[] = [];
    for (let batch = 0; batch < 40; batch += 8) {
      const indexes = Array.from({ length: 8 }, (_, offset) => batch + offset);
      const put = (index: number) =>
        putSealed(
          bucket,
          `k-${index}`,
          randomBytes(500 + ((index * 7919) % (3 * packageBytes))),
          index % 2 === 0 ? 'SSE-S3' : 'SSE-C',
        );
      objects.push(...(await Promise.all(indexes.map(put))));
    }
    // Multipart: the object moves whole, so its part boundaries must come from its record.
    objects.push(
      ...(await Promise.all(
        [0, 1, 2, 3].map((index) =>
          putSealedMultipart(bucket, `multi-${index}`, index % 2 === 0 ? 'SSE-S3' : 'SSE-C'),
        ),
      )),
    );
    await assertReadable(bucket, objects);

    const previous = (await client.cluster.rebalanceMetadata())?.version ?? 0;
    const joined = await cluster.addTarget();
    await cluster.waitForMembers(60_000);
    // The join's own rebalance, not an earlier one that already ended.
    let rmd = await client.cluster.rebalanceMetadata();
    for (let attempt = 0; attempt < 300 && (rmd?.version ?? 0) <= previous; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      rmd = await client.cluster.rebalanceMetadata();
    }
    assert.ok(rmd !== undefined && rmd.version > previous, 'a rebalance started');
    assert.equal((await client.jobs.wait(`g${rmd.version}`, { timeoutMs: 60_000 })).err, '');
    const moved = await storedFilesOf(joined.spec.mountpaths, bucket);
    assert.ok(moved.length > 0, 'some encrypted objects moved to the new target');
    await assertReadable(bucket, objects);

    const away = await client.cluster.startMaintenance(joined.id);
    assert.match(away, /^g\d+$/);
    assert.equal((await client.jobs.wait(away, { timeoutMs: 60_000 })).err, '');
    await assertReadable(bucket, objects);
  });

  test('EC restore: every replica lost, rebuilt from slices, reads back byte for byte', async () => {
    const bucket = 'sse-ec';
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await client.setBucketProps(
      { name: bucket, provider: 'ais' },
      { ec: { enabled: true, data_slices: 1, parity_slices: 1, objsize_limit: 1024 } },
    );
    const objects = [
      await putSealed(bucket, 'ec-s3', randomBytes(2 * packageBytes + 333), 'SSE-S3'),
      await putSealed(bucket, 'ec-c', randomBytes(packageBytes + 4321), 'SSE-C'),
      // Under the size limit: replicated, not sliced.
      await putSealed(bucket, 'ec-small-c', randomBytes(300), 'SSE-C'),
    ];
    const slices = (
      await Promise.all(objects.map((object) => filesOf(cluster.dir, '%ec', object.key)))
    )
      .flat()
      .filter((path) => path.includes(`/${bucket}/`));
    assert.ok(slices.length >= 2, 'the large objects are sliced');
    for (const object of objects) {
      const replicas = (await filesOf(cluster.dir, '%ob', object.key)).filter((path) =>
        path.includes(`/${bucket}/`),
      );
      assert.ok(replicas.length > 0, `${object.key} is stored`);
      for (const path of replicas) await rm(path);
    }
    await assertReadable(bucket, objects);
    // Restored on disk, and still right when read from the restored replica.
    for (const object of objects) {
      const replicas = await filesOf(cluster.dir, '%ob', object.key);
      assert.ok(
        replicas.some((path) => path.includes(`/${bucket}/`)),
        `${object.key} restored`,
      );
    }
    await assertReadable(bucket, objects);
  });

  test('mirror repair: main replica lost, a copy damaged; reads and scrub restore both', async () => {
    const bucket = 'sse-mirror';
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const native = { name: bucket, provider: 'ais' };
    await client.setBucketProps(native, { mirror: { enabled: true, copies: 2 } });
    const objects = [
      await putSealed(bucket, 'm-s3', randomBytes(packageBytes + 77), 'SSE-S3'),
      await putSealed(bucket, 'm-c', randomBytes(2 * packageBytes + 1), 'SSE-C'),
    ];
    const replicasOf = async (object: SealedObject) =>
      (await filesOf(cluster.dir, '%ob', object.key)).filter((path) =>
        path.includes(`/${bucket}/`),
      );
    for (const object of objects) {
      const home =
        (await client.headObject(native, object.key)).location?.split(':')[1] ?? 'unknown';
      const replicas = await replicasOf(object);
      assert.equal(replicas.length, 2, `${object.key} has two replicas`);
      const main = replicas.find((path) => path.startsWith(`${home}/`));
      assert.ok(main !== undefined, `${object.key} main replica on ${home}`);
      await rm(main);
    }
    await assertReadable(bucket, objects);
    await waitFor('both replicas back on disk', 30_000, async () => {
      for (const object of objects) if ((await replicasOf(object)).length !== 2) return false;
      return true;
    });
    await assertReadable(bucket, objects);

    // A flipped byte in one replica of each: scrub finds and repairs it from the other.
    for (const object of objects) {
      const [replica] = await replicasOf(object);
      await flipByte(replica ?? '', 20);
    }
    const counts = await scrub(client, native);
    assert.equal(counts.corrupt, objects.length);
    assert.equal(counts.repaired, objects.length);
    assert.equal(counts.unrecoverable, 0);
    const replicaBytes = await Promise.all(
      objects.map(async (object) => (await replicasOf(object)).map((path) => readFile(path))),
    );
    for (const [index, reads] of replicaBytes.entries()) {
      const [first, second] = await Promise.all(reads);
      assert.ok(
        first !== undefined && second?.equals(first),
        `${objects[index]?.key} copies agree`,
      );
    }
    await assertReadable(bucket, objects);
  });
});
