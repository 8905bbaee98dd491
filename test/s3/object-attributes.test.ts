// GetObjectAttributes and GET/HEAD by partNumber against a real cluster (1 gateway, 2 targets)
// through the AWS SDK v3: a multipart upload with CRC32 part checksums, read back part by part and
// described (ETag, composite checksum, paged parts, storage class, size); a single-part object has
// one part; parts it does not have answer 416 InvalidPartNumber. Full-object multipart checksums
// (CRC64NVME, CRC32C) equal the CRC of the whole object, and the completion's value is verified.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  type ChecksumAlgorithm,
  type CompletedPart,
  GetObjectAttributesCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Crc64Nvme } from '@aws-sdk/crc64-nvme';
import { crc32c } from '@node-rs/crc32';
import { TestCluster } from '../harness/test-cluster.js';
import { bodyBytes, failure, sdkClient } from '../harness/s3-setup.js';

const bucket = 'attributes';
const kib = 1024;

describe('S3 GetObjectAttributes and partNumber', () => {
  let cluster: TestCluster;
  let s3: S3Client;
  const parts = [randomBytes(64 * kib), randomBytes(64 * kib), randomBytes(10 * kib)];
  let etag = '';

  before(async () => {
    cluster = await TestCluster.start({
      proxies: 1,
      targets: 2,
      mountpaths: 1,
      config: { 'keepalive.interval_ms': 500, 's3.multipart_min_part_bytes': 0 },
    });
    s3 = sdkClient(cluster.primary.publicUrl);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({
        Bucket: bucket,
        Key: 'multi',
        ChecksumAlgorithm: 'CRC32',
      }),
    );
    const completed = [];
    for (const [index, body] of parts.entries()) {
      const part = await s3.send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: 'multi',
          UploadId,
          PartNumber: index + 1,
          Body: body,
          ChecksumAlgorithm: 'CRC32',
        }),
      );
      completed.push({ PartNumber: index + 1, ETag: part.ETag, ChecksumCRC32: part.ChecksumCRC32 });
    }
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: 'multi',
        UploadId,
        MultipartUpload: { Parts: completed },
      }),
    );
    etag = (done.ETag ?? '').replaceAll('"', '');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'single', Body: 'one part' }));
  });
  after(async () => {
    s3?.destroy();
    await cluster?.destroy();
  });

  test('GetObjectAttributes describes a multipart object, its parts paged', async () => {
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: bucket, Key: 'multi', ChecksumMode: 'ENABLED' }),
    );
    assert.match(head.ChecksumCRC32 ?? '', /-3$/);
    assert.equal(head.ChecksumType, 'COMPOSITE');
    const all = await s3.send(
      new GetObjectAttributesCommand({
        Bucket: bucket,
        Key: 'multi',
        ObjectAttributes: ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'],
      }),
    );
    assert.equal(all.ETag, etag);
    assert.equal(all.ObjectSize, 138 * kib);
    assert.equal(all.StorageClass, 'STANDARD');
    assert.equal(all.Checksum?.ChecksumCRC32, head.ChecksumCRC32);
    assert.equal(all.Checksum?.ChecksumType, 'COMPOSITE');
    assert.equal(all.ObjectParts?.TotalPartsCount, 3);
    assert.deepEqual(
      all.ObjectParts?.Parts?.map((part) => [part.PartNumber, part.Size]),
      [
        [1, 64 * kib],
        [2, 64 * kib],
        [3, 10 * kib],
      ],
    );
    assert.ok(all.ObjectParts?.Parts?.every((part) => (part.ChecksumCRC32 ?? '') !== ''));
    const page = await s3.send(
      new GetObjectAttributesCommand({
        Bucket: bucket,
        Key: 'multi',
        ObjectAttributes: ['ObjectParts'],
        MaxParts: 2,
      }),
    );
    assert.equal(page.ETag, undefined);
    assert.equal(page.ObjectParts?.IsTruncated, true);
    assert.equal(page.ObjectParts?.NextPartNumberMarker, '2');
    assert.equal(page.ObjectParts?.Parts?.length, 2);
    const single = await s3.send(
      new GetObjectAttributesCommand({
        Bucket: bucket,
        Key: 'single',
        ObjectAttributes: ['ObjectParts', 'ObjectSize'],
      }),
    );
    assert.equal(single.ObjectParts, undefined);
    const singleHead = await s3.send(
      new HeadObjectCommand({ Bucket: bucket, Key: 'single', ChecksumMode: 'ENABLED' }),
    );
    // The SDK sends CRC32 by default; a single-part object's checksum is of the whole object.
    assert.equal(
      singleHead.ChecksumType,
      singleHead.ChecksumCRC32 === undefined ? undefined : 'FULL_OBJECT',
    );
    assert.equal(single.ObjectSize, 8);
    assert.deepEqual(
      await failure(
        s3.send(
          new GetObjectAttributesCommand({
            Bucket: bucket,
            Key: 'single',
            ObjectAttributes: ['Nope' as 'ETag'],
          }),
        ),
      ),
      { name: 'InvalidArgument', status: 400 },
    );
    assert.deepEqual(
      await failure(
        s3.send(
          new GetObjectAttributesCommand({
            Bucket: bucket,
            Key: 'absent',
            ObjectAttributes: ['ETag'],
          }),
        ),
      ),
      { name: 'NoSuchKey', status: 404 },
    );
  });

  test('GET and HEAD by partNumber serve one part', async () => {
    for (const [index, expected] of parts.entries()) {
      const got = await s3.send(
        new GetObjectCommand({ Bucket: bucket, Key: 'multi', PartNumber: index + 1 }),
      );
      assert.equal(got.PartsCount, 3);
      assert.ok((await bodyBytes(got.Body)).equals(expected), `part ${index + 1}`);
    }
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: bucket, Key: 'multi', PartNumber: 3 }),
    );
    assert.equal(head.ContentLength, 10 * kib);
    assert.equal(head.PartsCount, 3);
    assert.equal(head.ContentRange, `bytes ${128 * kib}-${138 * kib - 1}/${138 * kib}`);
    assert.deepEqual(
      await failure(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'multi', PartNumber: 4 }))),
      { name: 'InvalidPartNumber', status: 416 },
    );
    const single = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'single', PartNumber: 1 }),
    );
    assert.equal((await bodyBytes(single.Body)).toString(), 'one part');
    assert.equal(single.PartsCount, 1);
    assert.deepEqual(
      await failure(
        s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'single', PartNumber: 2 })),
      ),
      { name: 'InvalidPartNumber', status: 416 },
    );
    assert.deepEqual(
      await failure(
        s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'single', PartNumber: 0 })),
      ),
      { name: 'InvalidArgument', status: 400 },
    );
  });

  /** Uploads `parts` as `key` with `algorithm` checksums; the completion is left to the caller. */
  const uploadWithChecksums = async (key: string, algorithm: ChecksumAlgorithm) => {
    const { UploadId, ChecksumType } = await s3.send(
      new CreateMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        ChecksumAlgorithm: algorithm,
        ChecksumType: 'FULL_OBJECT',
      }),
    );
    assert.equal(ChecksumType, 'FULL_OBJECT');
    const completed: CompletedPart[] = [];
    for (const [index, body] of parts.entries()) {
      const part = await s3.send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: key,
          UploadId,
          PartNumber: index + 1,
          Body: body,
          ChecksumAlgorithm: algorithm,
        }),
      );
      completed.push({ PartNumber: index + 1, ETag: part.ETag, ...checksumOfPart(part) });
    }
    return { uploadId: UploadId ?? '', completed };
  };
  const checksumOfPart = (part: {
    ChecksumCRC32C?: string | undefined;
    ChecksumCRC64NVME?: string | undefined;
  }) =>
    part.ChecksumCRC64NVME !== undefined
      ? { ChecksumCRC64NVME: part.ChecksumCRC64NVME }
      : { ChecksumCRC32C: part.ChecksumCRC32C };

  test('full-object multipart checksums: the CRC of the whole object, verified at completion', async () => {
    const whole = Buffer.concat(parts);
    const crc64 = new Crc64Nvme();
    crc64.update(whole);
    const wholeCrc64 = Buffer.from(await crc64.digest()).toString('base64');
    const crc32cBytes = Buffer.alloc(4);
    crc32cBytes.writeUInt32BE(crc32c(whole) >>> 0);
    const wholeCrc32c = crc32cBytes.toString('base64');

    const nvme = await uploadWithChecksums('full-nvme', 'CRC64NVME');
    // A wrong whole-object value is a BadDigest; nothing becomes visible and the upload stays open.
    assert.deepEqual(
      await failure(
        s3.send(
          new CompleteMultipartUploadCommand({
            Bucket: bucket,
            Key: 'full-nvme',
            UploadId: nvme.uploadId,
            MultipartUpload: { Parts: nvme.completed },
            ChecksumCRC64NVME: 'AAAAAAAAAAA=',
            ChecksumType: 'FULL_OBJECT',
          }),
        ),
      ),
      { name: 'BadDigest', status: 400 },
    );
    assert.deepEqual(
      await failure(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'full-nvme' }))),
      { name: 'NotFound', status: 404 },
    );
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: 'full-nvme',
        UploadId: nvme.uploadId,
        MultipartUpload: { Parts: nvme.completed },
        ChecksumCRC64NVME: wholeCrc64,
        ChecksumType: 'FULL_OBJECT',
      }),
    );
    assert.equal(done.ChecksumCRC64NVME, wholeCrc64);
    assert.equal(done.ChecksumType, 'FULL_OBJECT');
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: bucket, Key: 'full-nvme', ChecksumMode: 'ENABLED' }),
    );
    assert.equal(head.ChecksumCRC64NVME, wholeCrc64);
    assert.equal(head.ChecksumType, 'FULL_OBJECT');
    const got = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'full-nvme', ChecksumMode: 'ENABLED' }),
    );
    assert.ok((await bodyBytes(got.Body)).equals(whole));

    const castagnoli = await uploadWithChecksums('full-crc32c', 'CRC32C');
    const completedC = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: 'full-crc32c',
        UploadId: castagnoli.uploadId,
        MultipartUpload: { Parts: castagnoli.completed },
      }),
    );
    assert.equal(completedC.ChecksumCRC32C, wholeCrc32c);
    const attributes = await s3.send(
      new GetObjectAttributesCommand({
        Bucket: bucket,
        Key: 'full-crc32c',
        ObjectAttributes: ['Checksum'],
      }),
    );
    assert.deepEqual(
      [attributes.Checksum?.ChecksumCRC32C, attributes.Checksum?.ChecksumType],
      [wholeCrc32c, 'FULL_OBJECT'],
    );

    // A single PUT with CRC64NVME (the SDK computes it; the target verifies and keeps it).
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'single-nvme',
        Body: whole,
        ChecksumAlgorithm: 'CRC64NVME',
      }),
    );
    const single = await s3.send(
      new HeadObjectCommand({ Bucket: bucket, Key: 'single-nvme', ChecksumMode: 'ENABLED' }),
    );
    assert.equal(single.ChecksumCRC64NVME, wholeCrc64);
    // SHA-256 has no full-object form: S3 refuses the pair.
    assert.deepEqual(
      await failure(
        s3.send(
          new CreateMultipartUploadCommand({
            Bucket: bucket,
            Key: 'sha-full',
            ChecksumAlgorithm: 'SHA256',
            ChecksumType: 'FULL_OBJECT',
          }),
        ),
      ),
      { name: 'InvalidRequest', status: 400 },
    );
  });
});
