// S3 writes asking for a guarantee Cairn does not give (SSE-KMS, SSE-S3 without a master key, conditional deletes, website redirects, requester pays, storage classes, ACL grants, appends)
// answer 501 NotImplemented through the AWS SDK, and change nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { TestCluster } from '../harness/test-cluster.js';
import { sdkClient } from '../harness/s3-setup.js';

const bucket = 'guarantees';
const key = 'kept';
const original = 'original bytes';

describe('S3 write guarantees', () => {
  let cluster: TestCluster;
  let s3: S3Client;

  /** Sends and expects S3's NotImplemented (501) naming `header`. */
  const refused = async (label: string, send: () => Promise<unknown>, header: string) => {
    await assert.rejects(send(), (error: Error & { $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(error.name, 'NotImplemented', `${label}: ${error.name} ${error.message}`);
      assert.equal(error.$metadata?.httpStatusCode, 501, label);
      assert.ok(error.message.includes(header), `${label}: ${error.message}`);
      return true;
    });
  };

  before(async () => {
    cluster = await TestCluster.start({ proxies: 1, targets: 2, mountpaths: 1 });
    s3 = sdkClient(cluster.primary.publicUrl);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: original, Metadata: { a: '1' } }),
    );
  });
  after(async () => {
    s3?.destroy();
    await cluster?.destroy();
  });

  test('PutObject headers Cairn cannot honour are refused by name; the object is unchanged', async () => {
    const put = (extra: Partial<PutObjectCommandInput>) => () =>
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'replaced', ...extra }));
    const cases: [Partial<PutObjectCommandInput>, string][] = [
      // SSE-S3 needs the master key file, which this cluster's targets do not have.
      [{ ServerSideEncryption: 'AES256' }, 'master key'],
      [{ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'k' }, 'SSE-KMS'],
      [{ ServerSideEncryption: 'aws:kms' }, 'SSE-KMS'],
      [{ StorageClass: 'GLACIER' }, 'x-amz-storage-class'],
      [{ WebsiteRedirectLocation: '/elsewhere' }, 'x-amz-website-redirect-location'],
      [{ RequestPayer: 'requester' }, 'x-amz-request-payer'],
      [{ WriteOffsetBytes: 14 }, 'x-amz-write-offset-bytes'],
    ];
    for (const [extra, header] of cases) await refused(JSON.stringify(extra), put(extra), header);
    // What clients send by default, and the harmless spellings, still write.
    await put({ StorageClass: 'STANDARD', ACL: 'private' })();
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: original, Metadata: { a: '1' } }),
    );
    const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    assert.equal(await answer.Body?.transformToString(), original);
    assert.deepEqual(answer.Metadata, { a: '1' });
  });

  test('other writes: conditional deletes, checksums not computed', async () => {
    await refused(
      'conditional delete',
      () => s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, IfMatch: '"nope"' })),
      'if-match',
    );
    await refused(
      'copy with a checksum',
      () =>
        s3.send(
          new CopyObjectCommand({
            Bucket: bucket,
            Key: 'copy',
            CopySource: `${bucket}/${key}`,
            ChecksumAlgorithm: 'SHA256',
          }),
        ),
      'x-amz-checksum-algorithm',
    );
    const buckets = (await s3.send(new ListBucketsCommand({}))).Buckets ?? [];
    assert.deepEqual(
      buckets.map((entry) => entry.Name),
      [bucket],
    );
    const listed = (await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? [];
    assert.deepEqual(
      listed.map((entry) => entry.Key),
      [key],
    );
  });
});
