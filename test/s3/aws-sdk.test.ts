// The AWS SDK for JavaScript v3 against a real cluster (2 gateways, 3 targets x 2 mountpaths):
// every S3 operation Cairn serves (multipart: aws-sdk-multipart.test.ts), through one gateway or
// the other, and interop with the native API on the same buckets and objects (signing and
// presigned URLs: aws-sdk-signing.test.ts).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectTaggingCommand,
  DeleteObjectsCommand,
  GetBucketLocationCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectVersionsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandInput,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { TestCluster } from '../harness/test-cluster.js';
import { bodyBytes, failure, md5, mib, sdkClient } from '../harness/s3-setup.js';

/** Every page of a V2 listing, following its continuation tokens (at most 20 pages). */
async function listPagesV2(
  s3: S3Client,
  input: ListObjectsV2CommandInput,
): Promise<ListObjectsV2CommandOutput[]> {
  const pages: ListObjectsV2CommandOutput[] = [];
  let token: string | undefined;
  for (let page = 0; page < 20; page += 1) {
    const result = await s3.send(new ListObjectsV2Command({ ...input, ContinuationToken: token }));
    pages.push(result);
    token = result.NextContinuationToken;
    if (result.IsTruncated !== true) break;
  }
  return pages;
}

describe('AWS SDK for JavaScript v3', () => {
  let cluster: TestCluster;
  let s3: S3Client;
  let viaOther: S3Client;
  const bucket = 'sdk-bucket';
  const other = 'sdk-other';

  before(async () => {
    cluster = await TestCluster.start({ proxies: 2, targets: 3, mountpaths: 2 });
    s3 = sdkClient(cluster.primary.publicUrl);
    viaOther = sdkClient(`${cluster.proxies[1]?.publicUrl ?? ''}/s3`);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await viaOther.send(new CreateBucketCommand({ Bucket: other }));
  });
  after(async () => {
    s3?.destroy();
    viaOther?.destroy();
    await cluster?.destroy();
  });

  test('buckets: list, head, location, already owned, invalid names', async () => {
    const listed = await s3.send(new ListBucketsCommand({}));
    assert.deepEqual(listed.Buckets?.map((entry) => entry.Name).sort(), [bucket, other]);
    await s3.send(new HeadBucketCommand({ Bucket: other }));
    const location = await s3.send(new GetBucketLocationCommand({ Bucket: bucket }));
    assert.equal(location.LocationConstraint ?? '', '');
    // Your own bucket again: 200 in us-east-1 (the default s3.region), 409 in any other region.
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await cluster.setConfig({ 's3.region': 'eu-west-1' });
    try {
      assert.deepEqual(await failure(s3.send(new CreateBucketCommand({ Bucket: bucket }))), {
        name: 'BucketAlreadyOwnedByYou',
        status: 409,
      });
    } finally {
      await cluster.setConfig({ 's3.region': 'us-east-1' });
    }
    assert.equal(
      (await failure(s3.send(new CreateBucketCommand({ Bucket: 'Bad_Name' })))).name,
      'InvalidBucketName',
    );
    assert.equal(
      (await failure(s3.send(new HeadBucketCommand({ Bucket: 'missing-bucket' })))).status,
      404,
    );
  });

  test('a gateway counts the bytes of the S3 GETs it forwards in its node stats', async () => {
    // The forwarded answer's headers go out as a raw list: its length is noted for the stats.
    const data = randomBytes(12_345);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'stats/counted', Body: data }));
    const getSize = async (): Promise<number> => {
      const response = await fetch(`${cluster.primary.publicUrl}/v1/daemon?what=node_stats`);
      const stats = (await response.json()) as { tracker: Record<string, { v: string }> };
      return Number(stats.tracker['get.size']?.v);
    };
    const before = await getSize();
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'stats/counted' }));
    assert.deepEqual(await bodyBytes(got.Body), data);
    // Counted when the response closes, which may follow the client's last byte by a moment.
    let counted = before;
    for (let attempt = 0; attempt < 100 && counted === before; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      counted = await getSize();
    }
    assert.equal(counted - before, data.length);
  });

  test('put and get with metadata, content headers, ranges and response overrides', async () => {
    const data = randomBytes(3 * mib + 11);
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'docs/report.bin',
        Body: data,
        ContentType: 'application/x-report',
        ContentEncoding: 'identity',
        ContentDisposition: 'attachment; filename="r.bin"',
        CacheControl: 'max-age=60',
        Metadata: { owner: 'alice', purpose: 'test' },
      }),
    );
    assert.equal(put.ETag, `"${md5(data)}"`);
    const got = await viaOther.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'docs/report.bin' }),
    );
    assert.deepEqual(await bodyBytes(got.Body), data);
    assert.equal(got.ContentType, 'application/x-report');
    assert.equal(got.ContentDisposition, 'attachment; filename="r.bin"');
    assert.equal(got.CacheControl, 'max-age=60');
    assert.deepEqual(got.Metadata, { owner: 'alice', purpose: 'test' });
    const ranged = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'docs/report.bin', Range: 'bytes=100-199' }),
    );
    assert.equal(ranged.ContentRange, `bytes 100-199/${data.length}`);
    assert.deepEqual(await bodyBytes(ranged.Body), data.subarray(100, 200));
    const overridden = await s3.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: 'docs/report.bin',
        ResponseContentType: 'text/plain',
        ResponseCacheControl: 'no-cache',
      }),
    );
    await bodyBytes(overridden.Body);
    assert.equal(overridden.ContentType, 'text/plain');
    assert.equal(overridden.CacheControl, 'no-cache');
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'docs/report.bin' }));
    assert.equal(head.ContentLength, data.length);
    assert.equal(head.ETag, put.ETag);
    assert.equal(
      (
        await failure(
          s3.send(
            new GetObjectCommand({
              Bucket: bucket,
              Key: 'docs/report.bin',
              Range: `bytes=${data.length}-`,
            }),
          ),
        )
      ).name,
      'InvalidRange',
    );
    assert.deepEqual(
      await failure(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'nope' }))),
      { name: 'NoSuchKey', status: 404 },
    );
  });

  test('a large PUT: ETag the MD5 of its bytes (hashed on the thread pool), a wrong Content-MD5 stores nothing', async () => {
    // Above 8 MiB the MD5 is hashed off the main thread (object-payload.ts): same contract.
    const data = randomBytes(9 * mib + 3);
    const put = await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'large.bin', Body: data }),
    );
    assert.equal(put.ETag, `"${md5(data)}"`);
    const got = await viaOther.send(new GetObjectCommand({ Bucket: bucket, Key: 'large.bin' }));
    assert.equal(got.ETag, `"${md5(data)}"`);
    assert.ok((await bodyBytes(got.Body)).equals(data));

    const other = randomBytes(9 * mib);
    const wrong = createHash('md5').update('something else').digest('base64');
    const refused = await failure(
      s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: 'large-bad.bin',
          Body: other,
          ContentMD5: wrong,
        }),
      ),
    );
    assert.deepEqual(refused, { name: 'BadDigest', status: 400 });
    const head = await failure(
      s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'large-bad.bin' })),
    );
    assert.equal(head.status, 404);
    // The object written before is untouched by the refused write.
    const again = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'large.bin' }));
    assert.equal(again.ETag, `"${md5(data)}"`);
  });

  test('conditional requests', async () => {
    const put = await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'cond.txt', Body: 'conditional' }),
    );
    const etag = put.ETag ?? '';
    const ok = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'cond.txt', IfMatch: etag }),
    );
    assert.equal((await bodyBytes(ok.Body)).toString(), 'conditional');
    assert.equal(
      (
        await failure(
          s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'cond.txt', IfMatch: '"0000"' })),
        )
      ).status,
      412,
    );
    assert.equal(
      (
        await failure(
          s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'cond.txt', IfNoneMatch: etag })),
        )
      ).status,
      304,
    );
    const later = new Date(Date.now() + 3600_000);
    const earlier = new Date(Date.now() - 3600_000);
    assert.equal(
      (
        await failure(
          s3.send(
            new HeadObjectCommand({ Bucket: bucket, Key: 'cond.txt', IfModifiedSince: later }),
          ),
        )
      ).status,
      304,
    );
    assert.equal(
      (
        await failure(
          s3.send(
            new HeadObjectCommand({ Bucket: bucket, Key: 'cond.txt', IfUnmodifiedSince: earlier }),
          ),
        )
      ).status,
      412,
    );
    await s3.send(
      new HeadObjectCommand({ Bucket: bucket, Key: 'cond.txt', IfModifiedSince: earlier }),
    );
  });

  test('listing V1 and V2: prefix, delimiter, pages, start-after, url encoding', async () => {
    const keys = [
      'list/a/1',
      'list/a/2',
      'list/b/1',
      'list/c',
      'list/d',
      'list/e f+g',
      'list/z/deep/x',
    ];
    await Promise.all(
      keys.map((Key) => s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: Key }))),
    );
    const v2 = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: 'list/', Delimiter: '/' }),
    );
    assert.deepEqual(
      v2.Contents?.map((entry) => entry.Key),
      ['list/c', 'list/d', 'list/e f+g'],
    );
    assert.deepEqual(
      v2.CommonPrefixes?.map((entry) => entry.Prefix),
      ['list/a/', 'list/b/', 'list/z/'],
    );
    assert.equal(v2.KeyCount, 6);
    const seen = (
      await listPagesV2(s3, { Bucket: bucket, Prefix: 'list/', Delimiter: '/', MaxKeys: 2 })
    ).flatMap((result) => [
      ...(result.CommonPrefixes ?? []).map((entry) => entry.Prefix ?? ''),
      ...(result.Contents ?? []).map((entry) => entry.Key ?? ''),
    ]);
    assert.deepEqual(seen.sort(), [
      'list/a/',
      'list/b/',
      'list/c',
      'list/d',
      'list/e f+g',
      'list/z/',
    ]);
    // Without a delimiter, page after page of one listing (its session in the token): every key
    // once, in order.
    const flat = (await listPagesV2(s3, { Bucket: bucket, Prefix: 'list/', MaxKeys: 2 })).flatMap(
      (result) => (result.Contents ?? []).map((entry) => entry.Key ?? ''),
    );
    assert.deepEqual(flat, [...keys].sort());
    // A token of the earlier format (`1:<last key>`) still continues; a foreign one is refused.
    const legacy = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: 'list/',
        ContinuationToken: Buffer.from('1:list/c', 'utf8').toString('base64url'),
      }),
    );
    assert.deepEqual(
      legacy.Contents?.map((entry) => entry.Key),
      [...keys].sort().filter((key) => key > 'list/c'),
    );
    assert.deepEqual(
      await failure(
        s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: 'bm9wZQ' })),
      ),
      { name: 'InvalidArgument', status: 400 },
    );
    const after = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: 'list/', StartAfter: 'list/c' }),
    );
    assert.deepEqual(
      after.Contents?.map((entry) => entry.Key),
      ['list/d', 'list/e f+g', 'list/z/deep/x'],
    );
    const v1: string[] = [];
    let marker: string | undefined;
    for (let page = 0; page < 10; page += 1) {
      const result = await s3.send(
        new ListObjectsCommand({ Bucket: bucket, Prefix: 'list/', MaxKeys: 3, Marker: marker }),
      );
      v1.push(...(result.Contents ?? []).map((entry) => entry.Key ?? ''));
      marker = v1[v1.length - 1];
      if (result.IsTruncated !== true) break;
    }
    assert.deepEqual(v1, [...keys].sort());
    const encoded = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: 'list/e', EncodingType: 'url' }),
    );
    assert.deepEqual(
      encoded.Contents?.map((entry) => entry.Key),
      ['list/e%20f%2Bg'],
    );
  });

  test('delete one and many (quiet and verbose); deleting a missing key succeeds', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'del/one', Body: '1' }));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'del/one' }));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'del/one' }));
    const names = Array.from({ length: 30 }, (_, i) => `del/many-${i}`);
    await Promise.all(
      names.map((Key) => s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: Key }))),
    );
    const verbose = await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: names.slice(0, 10).map((Key) => ({ Key })) },
      }),
    );
    assert.equal(verbose.Deleted?.length, 10);
    const quiet = await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Quiet: true, Objects: names.slice(10).map((Key) => ({ Key })) },
      }),
    );
    assert.equal(quiet.Deleted, undefined);
    assert.equal(quiet.Errors, undefined);
    const left = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'del/' }));
    assert.equal(left.KeyCount, 0);
  });

  test('copy: same and cross bucket, metadata directive COPY and REPLACE', async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'copy/src',
        Body: 'source bytes',
        ContentType: 'text/x-src',
        Metadata: { a: '1' },
      }),
    );
    const copied = await s3.send(
      new CopyObjectCommand({ Bucket: other, Key: 'copy/dst', CopySource: `${bucket}/copy/src` }),
    );
    assert.equal(copied.CopyObjectResult?.ETag, `"${md5(Buffer.from('source bytes'))}"`);
    const kept = await s3.send(new GetObjectCommand({ Bucket: other, Key: 'copy/dst' }));
    assert.equal((await bodyBytes(kept.Body)).toString(), 'source bytes');
    assert.equal(kept.ContentType, 'text/x-src');
    assert.deepEqual(kept.Metadata, { a: '1' });
    await s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: 'copy/src',
        CopySource: `${bucket}/copy/src`,
        MetadataDirective: 'REPLACE',
        ContentType: 'text/x-new',
        Metadata: { b: '2' },
      }),
    );
    const replaced = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'copy/src' }));
    assert.equal(replaced.ContentType, 'text/x-new');
    assert.deepEqual(replaced.Metadata, { b: '2' });
    assert.equal(
      (
        await failure(
          s3.send(
            new CopyObjectCommand({
              Bucket: bucket,
              Key: 'copy/src',
              CopySource: `${bucket}/copy/src`,
            }),
          ),
        )
      ).name,
      'InvalidRequest',
    );
    assert.equal(
      (
        await failure(
          s3.send(
            new CopyObjectCommand({ Bucket: bucket, Key: 'x', CopySource: `${bucket}/absent` }),
          ),
        )
      ).name,
      'NoSuchKey',
    );
  });

  test('tagging: put, get, delete; x-amz-tagging on PUT', async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'tagged',
        Body: 't',
        Tagging: 'color=red&size=l',
      }),
    );
    const initial = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: 'tagged' }));
    assert.deepEqual(initial.TagSet, [
      { Key: 'color', Value: 'red' },
      { Key: 'size', Value: 'l' },
    ]);
    await s3.send(
      new PutObjectTaggingCommand({
        Bucket: bucket,
        Key: 'tagged',
        Tagging: { TagSet: [{ Key: 'k', Value: 'v' }] },
      }),
    );
    assert.deepEqual(
      (await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: 'tagged' }))).TagSet,
      [{ Key: 'k', Value: 'v' }],
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'tagged' }));
    assert.equal(head.$metadata.httpStatusCode, 200);
    await s3.send(new DeleteObjectTaggingCommand({ Bucket: bucket, Key: 'tagged' }));
    assert.deepEqual(
      (await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: 'tagged' }))).TagSet ?? [],
      [],
    );
  });

  test('additional checksums are verified, stored and returned when asked', async () => {
    for (const algorithm of ['CRC32', 'CRC32C', 'SHA1', 'SHA256'] as const) {
      const key = `sum/${algorithm}`;
      const put = await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: `checked ${algorithm}`,
          ChecksumAlgorithm: algorithm,
        }),
      );
      const field = `Checksum${algorithm}` as const;
      assert.ok(put[field], `${algorithm} returned on PUT`);
      const head = await s3.send(
        new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }),
      );
      assert.equal(head[field], put[field]);
    }
    const wrong = await failure(
      s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: 'sum/bad',
          Body: 'x',
          ChecksumCRC32: 'AAAAAA==',
        }),
      ),
    );
    assert.equal(wrong.name, 'BadDigest');
    // Two checksums, or a value not of the algorithm's width: InvalidRequest, as S3 answers.
    for (const sums of [
      { ChecksumCRC32: 'AAAAAA==', ChecksumSHA1: 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' },
      { ChecksumCRC32: 'AAAA' },
    ]) {
      const invalid = await failure(
        s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'sum/bad', Body: 'x', ...sums })),
      );
      assert.deepEqual(invalid, { name: 'InvalidRequest', status: 400 });
    }
    assert.equal(
      (await failure(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'sum/bad' })))).status,
      404,
    );
  });

  test('native API and S3 share objects both ways', async () => {
    const native = cluster.client(0);
    const fromNative = randomBytes(100_000);
    await native.putObject({ name: bucket, provider: 'ais' }, 'interop/native.bin', fromNative);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'interop/native.bin' }));
    assert.deepEqual(await bodyBytes(got.Body), fromNative);
    const fromS3 = randomBytes(50_000);
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'interop/s3.bin',
        Body: fromS3,
        Metadata: { k: 'v' },
      }),
    );
    assert.deepEqual(
      await native.getObjectBytes({ name: bucket, provider: 'ais' }, 'interop/s3.bin'),
      fromS3,
    );
    const props = await native.headObject({ name: bucket, provider: 'ais' }, 'interop/s3.bin');
    assert.equal(props.customMetadata.k, 'v');
  });

  test('versioning of a bucket that never kept history: no status, every object is version null', async () => {
    const status = await s3.send(new GetBucketVersioningCommand({ Bucket: other }));
    assert.equal(status.Status, undefined);
    const versions = await s3.send(
      new ListObjectVersionsCommand({ Bucket: other, Prefix: 'copy/' }),
    );
    assert.deepEqual(
      versions.Versions?.map((entry) => [entry.Key, entry.VersionId, entry.IsLatest]),
      [['copy/dst', 'null', true]],
    );
    const byNull = await s3.send(
      new GetObjectCommand({ Bucket: other, Key: 'copy/dst', VersionId: 'null' }),
    );
    await bodyBytes(byNull.Body);
    assert.equal(
      (
        await failure(
          s3.send(
            new GetObjectCommand({ Bucket: other, Key: 'copy/dst', VersionId: 'z'.repeat(32) }),
          ),
        )
      ).name,
      'NoSuchVersion',
    );
  });

  test('deleting a bucket: BucketNotEmpty, then gone', async () => {
    const name = 'sdk-doomed';
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    await s3.send(new PutObjectCommand({ Bucket: name, Key: 'x', Body: 'x' }));
    assert.deepEqual(await failure(s3.send(new DeleteBucketCommand({ Bucket: name }))), {
      name: 'BucketNotEmpty',
      status: 409,
    });
    await s3.send(new DeleteObjectCommand({ Bucket: name, Key: 'x' }));
    await viaOther.send(new DeleteBucketCommand({ Bucket: name }));
    assert.equal(
      (await failure(s3.send(new ListObjectsV2Command({ Bucket: name })))).name,
      'NoSuchBucket',
    );
  });
});
