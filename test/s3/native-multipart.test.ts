// Native (AIStore) and S3 multipart uploads are one thing on an ais bucket: an upload started
// through either API is listed, continued, completed or aborted through the other, and the object
// is the same whichever completed it. AWS SDK v3 on one side, Cairn's SDK on the other.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { ApiError, type Client } from '../../src/sdk/index.js';
import { TestCluster } from '../harness/test-cluster.js';
import { bodyBytes, failure, md5, sdkClient } from '../harness/s3-setup.js';

const bucketName = 'interchange';
const bucket = { name: bucketName, provider: 'ais' };

/** S3's multipart ETag: MD5 of the parts' MD5s, `-<count>`. */
function multipartEtag(parts: readonly Buffer[]): string {
  const digests = parts.map((part) => createHash('md5').update(part).digest());
  return `${createHash('md5').update(Buffer.concat(digests)).digest('hex')}-${parts.length}`;
}

describe('native and S3 multipart uploads are interchangeable', () => {
  let cluster: TestCluster;
  let s3: S3Client;
  let client: Client;

  before(async () => {
    cluster = await TestCluster.start({
      proxies: 1,
      targets: 3,
      mountpaths: 1,
      config: { 's3.multipart_min_part_bytes': 1024 },
    });
    s3 = sdkClient(cluster.primary.publicUrl);
    client = cluster.client(0, { direct: false });
    await s3.send(new CreateBucketCommand({ Bucket: bucketName }));
  });
  after(async () => {
    s3?.destroy();
    await cluster?.destroy();
  });

  test('started natively: listed, continued and completed through S3', async () => {
    const key = 'native/started';
    const parts = [randomBytes(70_000), randomBytes(4096), Buffer.from('s3 tail')] as const;
    const uploadId = await client.createMultipartUpload(bucket, key);
    await client.uploadPart(bucket, key, uploadId, 2, parts[1]);
    await client.uploadPart(bucket, key, uploadId, 1, parts[0]);
    const uploads = await s3.send(
      new ListMultipartUploadsCommand({ Bucket: bucketName, Prefix: 'native/' }),
    );
    assert.deepEqual(
      uploads.Uploads?.map((upload) => [upload.Key, upload.UploadId]),
      [[key, uploadId]],
    );
    const third = await s3.send(
      new UploadPartCommand({
        Bucket: bucketName,
        Key: key,
        UploadId: uploadId,
        PartNumber: 3,
        Body: parts[2],
      }),
    );
    // Native parts carry the MD5 ETag S3 clients expect.
    const listed = await s3.send(
      new ListPartsCommand({ Bucket: bucketName, Key: key, UploadId: uploadId }),
    );
    assert.deepEqual(
      listed.Parts?.map((part) => [part.PartNumber, part.ETag, part.Size]),
      [
        [1, `"${md5(parts[0])}"`, parts[0].length],
        [2, `"${md5(parts[1])}"`, parts[1].length],
        [3, third.ETag, parts[2].length],
      ],
    );
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucketName,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: {
          Parts: (listed.Parts ?? []).map(({ PartNumber, ETag }) => ({ PartNumber, ETag })),
        },
      }),
    );
    const etag = multipartEtag(parts);
    assert.equal(done.ETag, `"${etag}"`);
    const whole = Buffer.concat(parts);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucketName, Key: key }));
    assert.deepEqual(await bodyBytes(got.Body), whole);
    assert.deepEqual(await client.getObjectBytes(bucket, key), whole);
    const head = await client.headObject(bucket, key, { props: ['size', 'etag', 'chunked'] });
    assert.equal(head.etag, etag);
    assert.deepEqual(head.chunks, { count: 3, maxChunkSizeBytes: parts[0].length });
    await assert.rejects(client.uploadPart(bucket, key, uploadId, 4, 'late'), ApiError);
  });

  test('started through S3: completed natively (empty ETags), S3 attributes kept', async () => {
    const key = 's3/started';
    const parts = [randomBytes(5000), randomBytes(3000)] as const;
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({
        Bucket: bucketName,
        Key: key,
        Metadata: { origin: 's3' },
        ContentType: 'application/x-mixed',
      }),
    );
    const uploadId = UploadId ?? '';
    await s3.send(
      new UploadPartCommand({
        Bucket: bucketName,
        Key: key,
        UploadId: uploadId,
        PartNumber: 1,
        Body: parts[0],
      }),
    );
    await client.uploadPart(bucket, key, uploadId, 2, parts[1]);
    await client.completeMultipartUpload(bucket, key, uploadId, [2, 1]);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucketName, Key: key }));
    assert.equal(head.ETag, `"${multipartEtag(parts)}"`);
    assert.equal(head.ContentType, 'application/x-mixed');
    assert.deepEqual(head.Metadata, { origin: 's3' });
    assert.deepEqual(await client.getObjectBytes(bucket, key), Buffer.concat(parts));
    const gone = await failure(
      s3.send(new ListPartsCommand({ Bucket: bucketName, Key: key, UploadId: uploadId })),
    );
    assert.equal(gone.name, 'NoSuchUpload');
  });

  test('aborts cross over too: native abort of an S3 upload, S3 abort of a native one', async () => {
    const fromS3 = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucketName, Key: 'abort/s3' }),
    );
    const s3Id = fromS3.UploadId ?? '';
    await client.abortMultipartUpload(bucket, 'abort/s3', s3Id);
    const nativeId = await client.createMultipartUpload(bucket, 'abort/native');
    await client.uploadPart(bucket, 'abort/native', nativeId, 1, 'x');
    await s3.send(
      new AbortMultipartUploadCommand({
        Bucket: bucketName,
        Key: 'abort/native',
        UploadId: nativeId,
      }),
    );
    const uploads = await s3.send(
      new ListMultipartUploadsCommand({ Bucket: bucketName, Prefix: 'abort/' }),
    );
    assert.deepEqual(uploads.Uploads ?? [], []);
    await assert.rejects(
      client.uploadPart(bucket, 'abort/native', nativeId, 2, 'y'),
      (error: unknown) =>
        error instanceof ApiError &&
        error.status === 404 &&
        error.detail === `abort/native: ${nativeId} does not exist`,
    );
    const late = await failure(
      s3.send(
        new UploadPartCommand({
          Bucket: bucketName,
          Key: 'abort/s3',
          UploadId: s3Id,
          PartNumber: 1,
          Body: 'z',
        }),
      ),
    );
    assert.equal(late.name, 'NoSuchUpload');
  });
});
