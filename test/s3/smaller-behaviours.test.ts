// The smaller AWS S3 behaviours of issue 19, against a real cluster (1 gateway, 1 target) through
// the AWS SDK v3: bucket tagging and S3's tag rules (InvalidTag), ListBuckets pages, Content-Encoding
// kept as sent, RFC 2047 metadata kept as sent, a chunked PUT without Content-Length, completing an
// upload twice, a copy range outside its source, GetObjectTorrent answering 501 by name, Range
// headers S3 ignores (GET and HEAD), error documents that name only what the client sent, and
// S3's reading of `partNumber` and `list-type`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteBucketTaggingCommand,
  DeleteObjectsCommand,
  GetBucketTaggingCommand,
  GetObjectCommand,
  GetObjectTorrentCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutBucketTaggingCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
  type S3Client,
  type Tag,
} from '@aws-sdk/client-s3';
import { TestCluster } from '../harness/test-cluster.js';
import { bodyBytes, failure, sdkClient } from '../harness/s3-setup.js';
import { signedHeaders } from '../harness/s3-signer.js';
import { rawRequest } from '../harness/raw-http.js';

const bucket = 'small';
const invalidTag = { name: 'InvalidTag', status: 400 };

const tagSet = (count: number, prefix = 'k'): Tag[] =>
  Array.from({ length: count }, (_, index) => ({ Key: `${prefix}${index}`, Value: `v${index}` }));

describe('S3 smaller behaviours', () => {
  let cluster: TestCluster;
  let s3: S3Client;
  const signedGet = async (path: string, headers: Record<string, string> = {}) => {
    const gateway = cluster.primary.publicUrl;
    return rawRequest(gateway, 'GET', path, {
      headers: await signedHeaders(gateway, 'GET', path, headers),
    });
  };
  const element = (body: string, name: string) =>
    new RegExp(`<${name}>([^<]*)</${name}>`).exec(body)?.[1];

  before(async () => {
    cluster = await TestCluster.start({
      proxies: 1,
      targets: 1,
      mountpaths: 1,
      config: { 's3.multipart_min_part_bytes': 0 },
    });
    s3 = sdkClient(cluster.primary.publicUrl);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  after(async () => {
    s3?.destroy();
    await cluster?.destroy();
  });

  test('keys with edge spaces or a carriage return: DeleteObjects and listings keep them exact', async () => {
    const Bucket = 'edge-keys';
    await s3.send(new CreateBucketCommand({ Bucket }));
    const keys = ['k', 'k ', ' k', '   ', 'cr\r'];
    for (const Key of keys) await s3.send(new PutObjectCommand({ Bucket, Key, Body: 'v' }));
    const listed = async (): Promise<string[]> =>
      ((await s3.send(new ListObjectsV2Command({ Bucket }))).Contents ?? []).map(
        (item) => item.Key ?? '',
      );
    assert.deepEqual(await listed(), [...keys].sort());
    // Trimmed, the key `k ` named `k`: the wrong object went and `k ` stayed.
    const deleted = await s3.send(
      new DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key: 'k ' }, { Key: 'cr\r' }] } }),
    );
    assert.deepEqual((deleted.Deleted ?? []).map((item) => item.Key).sort(), ['cr\r', 'k ']);
    assert.deepEqual(await listed(), ['   ', ' k', 'k']);
    // The other tests count this cluster's buckets.
    await s3.send(
      new DeleteObjectsCommand({
        Bucket,
        Delete: { Objects: (await listed()).map((Key) => ({ Key })) },
      }),
    );
    await s3.send(new DeleteBucketCommand({ Bucket }));
  });

  test('bucket tagging: put, get, replace, delete; NoSuchTagSet; InvalidTag', async () => {
    const get = () => s3.send(new GetBucketTaggingCommand({ Bucket: bucket }));
    const put = (TagSet: Tag[]) =>
      s3.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet } }));
    assert.deepEqual(await failure(get()), { name: 'NoSuchTagSet', status: 404 });
    await put([
      { Key: 'team', Value: 'vision' },
      { Key: 'cost centre', Value: 'é 42' },
    ]);
    assert.deepEqual((await get()).TagSet, [
      { Key: 'team', Value: 'vision' },
      { Key: 'cost centre', Value: 'é 42' },
    ]);
    // 50 tags is a bucket's limit (an object's is 10); a PUT replaces the whole set.
    await put(tagSet(50));
    assert.equal((await get()).TagSet?.length, 50);
    assert.deepEqual(await failure(put(tagSet(51))), invalidTag);
    assert.deepEqual(
      await failure(
        put([
          { Key: 'same', Value: '1' },
          { Key: 'same', Value: '2' },
        ]),
      ),
      invalidTag,
    );
    assert.deepEqual(await failure(put([{ Key: 'aws:reserved', Value: 'x' }])), invalidTag);
    assert.deepEqual(await failure(put([{ Key: 'k'.repeat(129), Value: 'x' }])), invalidTag);
    assert.deepEqual(await failure(put([{ Key: 'k', Value: 'v'.repeat(257) }])), invalidTag);
    assert.equal((await get()).TagSet?.length, 50, 'refused sets changed nothing');
    await s3.send(new DeleteBucketTaggingCommand({ Bucket: bucket }));
    assert.deepEqual(await failure(get()), { name: 'NoSuchTagSet', status: 404 });
    assert.deepEqual(
      await failure(s3.send(new GetBucketTaggingCommand({ Bucket: 'no-such-bucket' }))),
      { name: 'NoSuchBucket', status: 404 },
    );
  });

  test('object tags: InvalidTag past 10 tags, on duplicates and on a long value', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'tagged', Body: 'x' }));
    const tag = (TagSet: Tag[]) =>
      s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: 'tagged', Tagging: { TagSet } }));
    await tag(tagSet(10));
    assert.deepEqual(await failure(tag(tagSet(11))), invalidTag);
    const header = await failure(
      s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: 'tagged-header',
          Body: 'x',
          Tagging: `a=${'v'.repeat(257)}`,
        }),
      ),
    );
    assert.deepEqual(header, invalidTag);
    assert.deepEqual(await failure(tag([{ Key: 'aws:x', Value: 'y' }])), invalidTag);
  });

  test('ListBuckets pages: max-buckets, continuation token, prefix', async () => {
    for (const name of ['page-a', 'page-b', 'page-c'])
      await s3.send(new CreateBucketCommand({ Bucket: name }));
    const first = await s3.send(new ListBucketsCommand({ MaxBuckets: 2, Prefix: 'page-' }));
    assert.deepEqual(
      first.Buckets?.map((entry) => entry.Name),
      ['page-a', 'page-b'],
    );
    assert.ok(first.ContinuationToken !== undefined, 'a truncated page has a token');
    assert.equal(first.Prefix, 'page-');
    const second = await s3.send(
      new ListBucketsCommand({
        MaxBuckets: 2,
        Prefix: 'page-',
        ContinuationToken: first.ContinuationToken,
      }),
    );
    assert.deepEqual(
      second.Buckets?.map((entry) => entry.Name),
      ['page-c'],
    );
    assert.equal(second.ContinuationToken, undefined);
    const all = await s3.send(new ListBucketsCommand({}));
    assert.deepEqual(
      all.Buckets?.map((entry) => entry.Name),
      ['page-a', 'page-b', 'page-c', bucket],
    );
    assert.equal(
      (await failure(s3.send(new ListBucketsCommand({ MaxBuckets: 0 })))).name,
      'InvalidArgument',
    );
  });

  test('InvalidArgument names the argument refused (ArgumentName, ArgumentValue)', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'argued', Body: 'x' }));
    const badVersion = await signedGet(`/${bucket}/argued?versionId=not-a-version`);
    assert.equal(badVersion.status, 400);
    assert.equal(element(badVersion.body, 'Code'), 'InvalidArgument');
    assert.equal(element(badVersion.body, 'ArgumentName'), 'versionId');
    assert.equal(element(badVersion.body, 'ArgumentValue'), 'not-a-version');
    const badMarker = await signedGet(`/${bucket}?versions&key-marker=a&version-id-marker=zz`);
    assert.equal(element(badMarker.body, 'ArgumentName'), 'version-id-marker');
    assert.equal(element(badMarker.body, 'ArgumentValue'), 'zz');
    // An error without an argument has neither element.
    const missing = await signedGet(`/${bucket}/no-such-key`);
    assert.equal(element(missing.body, 'ArgumentName'), undefined);
  });

  test('Content-Encoding and RFC 2047 metadata are kept as sent', async () => {
    const encoded = '=?UTF-8?B?w6l0w6kgMjAyNg==?=';
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'encoded',
        Body: 'zipped bytes',
        ContentEncoding: 'gzip',
        Metadata: { title: encoded },
      }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'encoded' }));
    assert.equal(got.ContentEncoding, 'gzip');
    assert.equal(got.Metadata?.title, encoded);
    assert.equal((await bodyBytes(got.Body)).toString(), 'zipped bytes');
  });

  test('a chunked PUT without Content-Length is stored whole', async () => {
    const base = cluster.primary.publicUrl;
    const headers = await signedHeaders(base, 'PUT', `/${bucket}/chunked`, {
      'transfer-encoding': 'chunked',
    });
    const pieces = ['first piece, ', 'second piece, ', 'last piece'];
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(`${base}/${bucket}/chunked`, { method: 'PUT', headers });
      request.on('error', reject);
      request.on('response', (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      });
      for (const piece of pieces) request.write(piece);
      request.end();
    });
    assert.equal(status, 200);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'chunked' }));
    assert.equal((await bodyBytes(got.Body)).toString(), pieces.join(''));
  });

  test('completing an upload twice: NoSuchUpload; a copy range past the source: refused', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'source', Body: '0123456789' }));
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'twice' }),
    );
    const upload = { Bucket: bucket, Key: 'twice', UploadId };
    const outside = await failure(
      s3.send(
        new UploadPartCopyCommand({
          ...upload,
          PartNumber: 1,
          CopySource: `${bucket}/source`,
          CopySourceRange: 'bytes=5-20',
        }),
      ),
    );
    assert.equal(outside.status, 400);
    assert.equal(outside.name, 'InvalidArgument');
    const part = await s3.send(new UploadPartCommand({ ...upload, PartNumber: 1, Body: 'part' }));
    const complete = () =>
      s3.send(
        new CompleteMultipartUploadCommand({
          ...upload,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
        }),
      );
    await complete();
    assert.deepEqual(await failure(complete()), { name: 'NoSuchUpload', status: 404 });
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'twice' }));
    assert.equal((await bodyBytes(got.Body)).toString(), 'part');
  });

  test('a Range S3 ignores serves the whole object; an unsatisfiable one is 416', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'ranged', Body: '0123456789' }));
    const read = async (Range: string) => {
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'ranged', Range }));
      return [got.$metadata.httpStatusCode, (await bodyBytes(got.Body)).toString()];
    };
    // AWS ignores a Range it cannot parse or whose last byte precedes its first (all were 416).
    for (const range of ['bytes=abc', 'bytes=3-0', 'bytes=-', 'items=0-1', 'invalid'])
      assert.deepEqual(await read(range), [200, '0123456789'], range);
    assert.deepEqual(await read('bytes=2-4'), [206, '234']);
    assert.deepEqual(await read('bytes=-20'), [206, '0123456789']);
    // HEAD answers a Range as GET does (it was ignored: 200 and the whole length).
    const head = async (Range: string) => {
      const got = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'ranged', Range }));
      return [got.$metadata.httpStatusCode, got.ContentLength, got.ContentRange];
    };
    assert.deepEqual(await head('bytes=2-4'), [206, 3, 'bytes 2-4/10']);
    assert.deepEqual(await head('bytes=3-0'), [200, 10, undefined]);
    assert.equal((await failure(head('bytes=10-'))).status, 416);
    const refused = await signedGet(`/${bucket}/ranged`, { range: 'bytes=10-' });
    assert.equal(element(refused.body, 'Message'), 'The requested range is not satisfiable');
    for (const range of ['bytes=10-', 'bytes=-0'])
      assert.deepEqual(
        await failure(
          s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'ranged', Range: range })),
        ),
        { name: 'InvalidRange', status: 416 },
        range,
      );
  });

  test('error documents name the bucket and key as sent, never internal names', async () => {
    const missingKey = await signedGet(`/${bucket}/no-such-key`);
    assert.equal(missingKey.status, 404);
    assert.equal(element(missingKey.body, 'Message'), 'The specified key does not exist.');
    // The target answers a forwarded request under /s3/: that path was the Resource.
    assert.equal(element(missingKey.body, 'Resource'), `/${bucket}/no-such-key`);
    const missingBucket = await signedGet('/no-such-bucket/key');
    assert.equal(element(missingBucket.body, 'Message'), 'The specified bucket does not exist');
    assert.doesNotMatch(missingKey.body + missingBucket.body, /ais:|t\[/);
    const emptyVersion = await signedGet(`/${bucket}/ranged?versionId=`);
    assert.equal(emptyVersion.status, 400);
    assert.equal(element(emptyVersion.body, 'Code'), 'InvalidArgument');
  });

  test("listing counts: S3's refusals of a negative and of a non-integer; leading zeros read", async () => {
    const refusal = async (path: string) => {
      const answer = await signedGet(path);
      return [answer.status, element(answer.body, 'Code'), element(answer.body, 'Message')];
    };
    const invalid = (message: string) => [400, 'InvalidArgument', message];
    assert.deepEqual(
      await refusal(`/${bucket}?list-type=2&max-keys=-1`),
      invalid('Argument maxKeys must be an integer between 0 and 2147483647'),
    );
    assert.deepEqual(
      await refusal(`/${bucket}?max-keys=abc`),
      invalid('Provided max-keys not an integer or within integer range'),
    );
    // Past int32: it was read as a page of 1000.
    assert.deepEqual(
      await refusal(`/${bucket}?list-type=2&max-keys=2147483648`),
      invalid('Provided max-keys not an integer or within integer range'),
    );
    assert.deepEqual(
      await refusal(`/${bucket}?versions&max-keys=-1`),
      invalid('max-keys cannot be negative'),
    );
    assert.deepEqual(
      await refusal(`/${bucket}?uploads&max-uploads=x`),
      invalid('Provided max-uploads not an integer or within integer range'),
    );
    const zeros = await signedGet(`/${bucket}?list-type=2&max-keys=001`);
    assert.equal(zeros.status, 200);
    assert.equal(element(zeros.body, 'MaxKeys'), '1');
  });

  test('partNumber: leading zeros read as decimal by every operation; anything else refused', async () => {
    const gateway = cluster.primary.publicUrl;
    const signed = async (method: string, path: string, body?: string) =>
      rawRequest(gateway, method, path, {
        headers: await signedHeaders(gateway, method, path, {}),
        ...(body === undefined ? {} : { body }),
      });
    const codeOf = (answer: { status: number; body: string }) => [
      answer.status,
      element(answer.body, 'Code'),
    ];
    const refused = [400, 'InvalidArgument'];
    const { UploadId = '' } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'numbered' }),
    );
    const partPath = (number: string) =>
      `/${bucket}/numbered?partNumber=${number}&uploadId=${encodeURIComponent(UploadId)}`;
    for (const number of ['', 'x', '0', '10001', '%2B1', '-1', '1.0', '1e1', '%201'])
      assert.deepEqual(codeOf(await signed('PUT', partPath(number), 'p')), refused, number);
    const uploaded = await signed('PUT', partPath('01'), 'part one');
    assert.equal(uploaded.status, 200);
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: 'numbered',
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: String(uploaded.headers.etag) }] },
      }),
    );
    // Six digits: GET and HEAD refused what UploadPart accepted.
    const read = await signed('GET', `/${bucket}/numbered?partNumber=000001`);
    assert.equal(read.status, 206);
    assert.equal(read.body, 'part one');
    assert.equal((await signed('HEAD', `/${bucket}/numbered?partNumber=01`)).status, 206);
    for (const number of ['', 'x', '0', '10001', '%2B1'])
      assert.deepEqual(
        codeOf(await signed('GET', `/${bucket}/numbered?partNumber=${number}`)),
        refused,
      );
    assert.equal((await signed('HEAD', `/${bucket}/numbered?partNumber=1.0`)).status, 400);
  });

  test('list-type: 2 is ListObjectsV2, absent is ListObjects, any other value refused', async () => {
    for (const listType of ['3', '1', '', 'two']) {
      const answer = await signedGet(`/${bucket}?list-type=${listType}`);
      assert.deepEqual([answer.status, element(answer.body, 'Code')], [400, 'InvalidArgument']);
    }
    const version2 = await signedGet(`/${bucket}?list-type=02&max-keys=1`);
    assert.equal(version2.status, 200);
    assert.notEqual(element(version2.body, 'KeyCount'), undefined, 'a V2 answer');
    const version1 = await signedGet(`/${bucket}?max-keys=1`);
    assert.equal(version1.status, 200);
    assert.equal(element(version1.body, 'KeyCount'), undefined, 'a V1 answer');
  });

  test('GetObjectTorrent: 501 naming torrent', async () => {
    try {
      await s3.send(new GetObjectTorrentCommand({ Bucket: bucket, Key: 'source' }));
      assert.fail('expected 501');
    } catch (error) {
      const typed = error as {
        name: string;
        message: string;
        $metadata?: { httpStatusCode?: number };
      };
      assert.equal(typed.$metadata?.httpStatusCode, 501);
      assert.equal(typed.name, 'NotImplemented');
      assert.match(typed.message, /torrent/);
    }
  });
});
