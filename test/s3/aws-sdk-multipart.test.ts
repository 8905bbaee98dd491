// Multipart uploads with the AWS SDK for JavaScript v3 against a real cluster: lib-storage's
// automatic multipart (chunks, multipart ETag, GET streaming the chunks in order) and the
// operations by hand (parts, copy part, listing parts and uploads, order and size rules, abort),
// through either of two gateways, and ListMultipartUploads paged (markers inside a key's uploads and
// after a common prefix).
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
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { TestCluster } from '../harness/test-cluster.js';
import { bodyBytes, failure, md5, mib, sdkClient } from '../harness/s3-setup.js';

describe('AWS SDK v3 multipart uploads', () => {
  let cluster: TestCluster;
  let s3: S3Client;
  let viaOther: S3Client;
  const bucket = 'sdk-multipart';
  const other = 'sdk-multipart-other';

  before(async () => {
    cluster = await TestCluster.start({ proxies: 2, targets: 3, mountpaths: 2 });
    s3 = sdkClient(cluster.primary.publicUrl);
    viaOther = sdkClient(`${cluster.proxies[1]?.publicUrl ?? ''}/s3`);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new CreateBucketCommand({ Bucket: other }));
  });
  after(async () => {
    s3?.destroy();
    viaOther?.destroy();
    await cluster?.destroy();
  });

  test('lib-storage multipart upload: chunks, multipart ETag, GET streams them in order', async () => {
    const data = randomBytes(17 * mib + 5);
    const upload = new Upload({
      client: s3,
      params: { Bucket: bucket, Key: 'mp/lib', Body: data, ContentType: 'application/x-big' },
      partSize: 5 * mib,
      queueSize: 3,
    });
    const done = await upload.done();
    const partMd5s = [0, 1, 2, 3].map((i) =>
      createHash('md5')
        .update(data.subarray(i * 5 * mib, (i + 1) * 5 * mib))
        .digest(),
    );
    const expected = `${createHash('md5').update(Buffer.concat(partMd5s)).digest('hex')}-4`;
    assert.equal(done.ETag, `"${expected}"`);
    const got = await viaOther.send(new GetObjectCommand({ Bucket: bucket, Key: 'mp/lib' }));
    assert.equal(got.ETag, `"${expected}"`);
    assert.equal(got.ContentType, 'application/x-big');
    assert.equal(md5(await bodyBytes(got.Body)), md5(data));
    const ranged = await s3.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: 'mp/lib',
        Range: `bytes=${5 * mib - 10}-${5 * mib + 9}`,
      }),
    );
    assert.deepEqual(await bodyBytes(ranged.Body), data.subarray(5 * mib - 10, 5 * mib + 10));
    const native = await fetch(`${cluster.primary.publicUrl}/v1/objects/${bucket}/mp/lib`);
    assert.equal(md5(Buffer.from(await native.arrayBuffer())), md5(data));
  });

  test('multipart by hand: parts, copy part, list parts and uploads, order and size rules, abort', async () => {
    const part1 = randomBytes(5 * mib);
    const part2 = Buffer.from('tail');
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'mp/hand', Metadata: { m: '1' } }),
    );
    const first = await s3.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: 'mp/hand',
        UploadId,
        PartNumber: 1,
        Body: part1,
      }),
    );
    await s3.send(
      new PutObjectCommand({
        Bucket: other,
        Key: 'mp/source',
        Body: Buffer.concat([Buffer.from('xx'), part2]),
      }),
    );
    const copied = await s3.send(
      new UploadPartCopyCommand({
        Bucket: bucket,
        Key: 'mp/hand',
        UploadId,
        PartNumber: 2,
        CopySource: `${other}/mp/source`,
        CopySourceRange: 'bytes=2-5',
      }),
    );
    const parts = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: 'mp/hand', UploadId }));
    assert.deepEqual(
      parts.Parts?.map((part) => [part.PartNumber, part.Size]),
      [
        [1, 5 * mib],
        [2, 4],
      ],
    );
    const uploads = await viaOther.send(
      new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: 'mp/' }),
    );
    assert.deepEqual(
      uploads.Uploads?.map((upload) => [upload.Key, upload.UploadId]),
      [['mp/hand', UploadId]],
    );
    const list = [
      { PartNumber: 1, ETag: first.ETag },
      { PartNumber: 2, ETag: copied.CopyPartResult?.ETag },
    ];
    assert.equal(
      (
        await failure(
          s3.send(
            new CompleteMultipartUploadCommand({
              Bucket: bucket,
              Key: 'mp/hand',
              UploadId,
              MultipartUpload: { Parts: [...list].reverse() },
            }),
          ),
        )
      ).name,
      'InvalidPartOrder',
    );
    assert.equal(
      (
        await failure(
          s3.send(
            new CompleteMultipartUploadCommand({
              Bucket: bucket,
              Key: 'mp/hand',
              UploadId,
              MultipartUpload: { Parts: [{ PartNumber: 3, ETag: first.ETag }] },
            }),
          ),
        )
      ).name,
      'InvalidPart',
    );
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: 'mp/hand',
        UploadId,
        MultipartUpload: { Parts: list },
      }),
    );
    assert.match(done.ETag ?? '', /-2"$/);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'mp/hand' }));
    assert.deepEqual(await bodyBytes(got.Body), Buffer.concat([part1, part2]));
    assert.deepEqual(got.Metadata, { m: '1' });
    assert.equal(
      (await failure(s3.send(new ListPartsCommand({ Bucket: bucket, Key: 'mp/hand', UploadId }))))
        .name,
      'NoSuchUpload',
    );

    const small = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'mp/small' }),
    );
    const a = await s3.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: 'mp/small',
        UploadId: small.UploadId,
        PartNumber: 1,
        Body: 'tiny',
      }),
    );
    const b = await s3.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: 'mp/small',
        UploadId: small.UploadId,
        PartNumber: 2,
        Body: 'tiny',
      }),
    );
    assert.equal(
      (
        await failure(
          s3.send(
            new CompleteMultipartUploadCommand({
              Bucket: bucket,
              Key: 'mp/small',
              UploadId: small.UploadId,
              MultipartUpload: {
                Parts: [
                  { PartNumber: 1, ETag: a.ETag },
                  { PartNumber: 2, ETag: b.ETag },
                ],
              },
            }),
          ),
        )
      ).name,
      'EntityTooSmall',
    );
    await s3.send(
      new AbortMultipartUploadCommand({
        Bucket: bucket,
        Key: 'mp/small',
        UploadId: small.UploadId,
      }),
    );
    assert.equal(
      (await failure(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'mp/small' })))).status,
      404,
    );
    assert.equal(
      (
        await failure(
          s3.send(
            new AbortMultipartUploadCommand({
              Bucket: bucket,
              Key: 'mp/small',
              UploadId: small.UploadId,
            }),
          ),
        )
      ).name,
      'NoSuchUpload',
    );
  });

  test('ListParts: a max-parts or part-number-marker that is no count is 400 InvalidArgument', async () => {
    const upload = { Bucket: bucket, Key: 'mp/paging' };
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand(upload));
    await s3.send(new UploadPartCommand({ ...upload, UploadId, PartNumber: 1, Body: 'one' }));
    await s3.send(new UploadPartCommand({ ...upload, UploadId, PartNumber: 2, Body: 'two' }));
    // Both were read as 0 (an empty page, or every part) instead of refused.
    for (const paging of [
      { MaxParts: -1 },
      { PartNumberMarker: 'abc' },
      { PartNumberMarker: '-2' },
    ])
      assert.deepEqual(
        await failure(s3.send(new ListPartsCommand({ ...upload, UploadId, ...paging }))),
        { name: 'InvalidArgument', status: 400 },
        JSON.stringify(paging),
      );
    const page = await s3.send(
      new ListPartsCommand({ ...upload, UploadId, MaxParts: 1, PartNumberMarker: '1' }),
    );
    assert.deepEqual(
      (page.Parts ?? []).map((part) => part.PartNumber),
      [2],
    );
    await s3.send(new AbortMultipartUploadCommand({ ...upload, UploadId }));
  });

  test('ListMultipartUploads pages: every upload once, with or without a delimiter', async () => {
    const Bucket = 'upload-pages';
    await s3.send(new CreateBucketCommand({ Bucket }));
    const created: string[] = [];
    for (const Key of ['a', 'a', 'a', 'b/x', 'b/y', 'c', 'c']) {
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
      created.push(`${Key} ${UploadId}`);
    }
    for (const Delimiter of [undefined, '/']) {
      const expected = created.filter(
        (entry) => Delimiter === undefined || !entry.startsWith('b/'),
      );
      for (const MaxUploads of [1, 2, 3]) {
        const listed: string[] = [];
        const prefixes: string[] = [];
        let KeyMarker: string | undefined;
        let UploadIdMarker: string | undefined;
        for (let pages = 0; ; pages += 1) {
          assert.ok(pages <= created.length, `page ${pages}: paging does not end`);
          const page = await s3.send(
            new ListMultipartUploadsCommand({
              Bucket,
              Delimiter,
              MaxUploads,
              KeyMarker,
              UploadIdMarker,
            }),
          );
          for (const upload of page.Uploads ?? []) {
            listed.push(`${upload.Key ?? ''} ${upload.UploadId ?? ''}`);
          }
          for (const prefix of page.CommonPrefixes ?? []) prefixes.push(prefix.Prefix ?? '');
          if (page.IsTruncated !== true) break;
          KeyMarker = page.NextKeyMarker;
          UploadIdMarker = page.NextUploadIdMarker;
        }
        const what = `delimiter ${String(Delimiter)}, max-uploads ${MaxUploads}`;
        assert.deepEqual(listed, expected, what);
        assert.deepEqual(prefixes, Delimiter === undefined ? [] : ['b/'], what);
      }
    }
  });
});
