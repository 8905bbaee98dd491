// Hostile input against the S3 API: forged or missing signatures, tampered aws-chunked bodies,
// path traversal and over-long keys, oversized headers and metadata, malformed XML, multipart
// completions with missing or reordered parts. Each gets S3's error, and nothing is stored.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { crc32 } from '@node-rs/crc32';
import { TestCluster } from '../harness/test-cluster.js';
import { findFiles } from '../harness/disk.js';
import { rawRequest, type RawResponse } from '../harness/raw-http.js';
import { sdkClient } from '../harness/s3-setup.js';
import { signedChunkedBody, signedHeaders } from '../harness/s3-signer.js';

const bucket = 'hostile';

function s3Code(response: RawResponse): string {
  return /<Code>([^<]*)<\/Code>/.exec(response.body)?.[1] ?? `(no code, status ${response.status})`;
}

describe('hostile S3 input', () => {
  let cluster: TestCluster;
  let gateway: string;
  let s3: S3Client;

  const storedFiles = async (): Promise<string[]> =>
    (await findFiles(cluster.dir, '%ob')).filter((path) => path.includes(`/@ais/${bucket}/`));
  const keys = async (): Promise<string[]> =>
    ((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map(
      (entry) => entry.Key ?? '',
    );
  const signedRequest = async (
    method: string,
    path: string,
    options: {
      headers?: Record<string, string>;
      body?: string | Buffer;
      payloadHash?: string;
    } = {},
  ): Promise<RawResponse> => {
    const headers = await signedHeaders(
      gateway,
      method,
      path,
      options.headers ?? {},
      options.payloadHash,
    );
    return rawRequest(gateway, method, path, {
      headers,
      ...(options.body === undefined ? {} : { body: options.body }),
    });
  };

  before(async () => {
    cluster = await TestCluster.start({ proxies: 1, targets: 2, mountpaths: 2 });
    gateway = cluster.primary.publicUrl;
    s3 = sdkClient(gateway);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  after(async () => {
    s3?.destroy();
    await cluster?.destroy();
  });

  test('unsigned, forged and unknown-key requests are refused; nothing stored', async () => {
    const unsigned = await rawRequest(gateway, 'PUT', `/${bucket}/unsigned`, { body: 'x' });
    assert.equal(unsigned.status, 403);
    assert.equal(s3Code(unsigned), 'AccessDenied');
    assert.ok(unsigned.headers['x-amz-request-id']);
    const headers = await signedHeaders(gateway, 'PUT', `/${bucket}/forged`, {});
    const forged = await rawRequest(gateway, 'PUT', `/${bucket}/forged`, {
      headers: {
        ...headers,
        authorization: (headers.authorization ?? '').replace(
          /Signature=\w{8}/,
          'Signature=00000000',
        ),
      },
      body: 'x',
    });
    assert.equal(s3Code(forged), 'SignatureDoesNotMatch');
    const otherPath = await rawRequest(gateway, 'PUT', `/${bucket}/elsewhere`, {
      headers,
      body: 'x',
    });
    assert.equal(s3Code(otherPath), 'SignatureDoesNotMatch');
    const unknown = await rawRequest(gateway, 'PUT', `/${bucket}/unknown`, {
      headers: {
        ...headers,
        authorization: (headers.authorization ?? '').replace('cairnadmin/', 'stranger/'),
      },
      body: 'x',
    });
    assert.equal(unknown.status, 403);
    assert.equal(s3Code(unknown), 'InvalidAccessKeyId');
    const old = await rawRequest(gateway, 'GET', `/${bucket}`, {
      headers: { ...headers, 'x-amz-date': '20200101T000000Z' },
    });
    assert.equal(old.status, 403);
    assert.equal(s3Code(old), 'RequestTimeTooSkewed');
    assert.deepEqual(await storedFiles(), []);
  });

  test('a tampered aws-chunked body fails its chunk signature and is not stored', async () => {
    const chunks = [randomBytes(65536), randomBytes(1000)];
    const decodedLength = String(chunks[0]!.length + chunks[1]!.length);
    const headers = await signedHeaders(
      gateway,
      'PUT',
      `/${bucket}/chunked`,
      { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': decodedLength },
      'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
    );
    const seed = /Signature=(\w+)/.exec(headers.authorization ?? '')?.[1] ?? '';
    const body = signedChunkedBody(seed, headers['x-amz-date'] ?? '', chunks);
    const good = await rawRequest(gateway, 'PUT', `/${bucket}/chunked`, { headers, body });
    assert.equal(good.status, 200, good.body);
    assert.deepEqual(await keys(), ['chunked']);
    // Large (streamed to a work file) and small (received whole, written in one job) bodies.
    for (const tampered of [chunks, [randomBytes(3000), randomBytes(1000)]]) {
      const length = String(tampered[0]!.length + tampered[1]!.length);
      const headers2 = await signedHeaders(
        gateway,
        'PUT',
        `/${bucket}/tampered`,
        { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': length },
        'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
      );
      const seed2 = /Signature=(\w+)/.exec(headers2.authorization ?? '')?.[1] ?? '';
      const body2 = signedChunkedBody(seed2, headers2['x-amz-date'] ?? '', tampered);
      body2[200] = (body2[200] ?? 0) ^ 0xff;
      const refused = await rawRequest(gateway, 'PUT', `/${bucket}/tampered`, {
        headers: headers2,
        body: body2,
      });
      assert.equal(refused.status, 403, length);
      assert.equal(s3Code(refused), 'SignatureDoesNotMatch', length);
      assert.deepEqual(await keys(), ['chunked']);
    }
  });

  test('an announced trailing checksum that is not sent (or is another one) stores nothing', async () => {
    const data = randomBytes(5000);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(data));
    const put = async (key: string, trailer: string): Promise<RawResponse> => {
      const path = `/${bucket}/${key}`;
      const headers = await signedHeaders(
        gateway,
        'PUT',
        path,
        {
          'content-encoding': 'aws-chunked',
          'x-amz-decoded-content-length': String(data.length),
          'x-amz-trailer': 'x-amz-checksum-crc32',
        },
        'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      );
      const body = Buffer.concat([
        Buffer.from(`${data.length.toString(16)}\r\n`),
        data,
        Buffer.from(`\r\n0\r\n${trailer}\r\n`),
      ]);
      return rawRequest(gateway, 'PUT', path, { headers, body });
    };
    const good = await put('trailed', `x-amz-checksum-crc32:${crc.toString('base64')}\r\n`);
    assert.equal(good.status, 200, good.body);
    for (const trailer of ['', `x-amz-checksum-sha256:${'A'.repeat(43)}=\r\n`]) {
      const refused = await put('untrailed', trailer);
      assert.equal(refused.status, 400, refused.body);
      assert.equal(s3Code(refused), 'InvalidRequest');
    }
    assert.deepEqual(await keys(), ['chunked', 'trailed']);
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'trailed' }));
  });

  test('path traversal and over-long keys are refused', async () => {
    for (const path of [`/${bucket}/a/../b`, `/${bucket}/..`, `/${bucket}/nul%00name`]) {
      const response = await signedRequest('PUT', path, { body: 'x' });
      assert.equal(response.status, 400, path);
      assert.equal(s3Code(response), 'InvalidArgument', path);
    }
    const long = await signedRequest('PUT', `/${bucket}/${'k'.repeat(1025)}`, { body: 'x' });
    assert.equal(s3Code(long), 'KeyTooLongError');
    assert.deepEqual(await keys(), ['chunked']);
  });

  test('oversized headers and user metadata are refused', async () => {
    const huge = await rawRequest(gateway, 'GET', `/${bucket}`, {
      headers: { 'x-filler': 'z'.repeat(40_000) },
    });
    assert.equal(huge.status, 431);
    const metadata = await signedRequest('PUT', `/${bucket}/meta`, {
      headers: { 'x-amz-meta-big': 'm'.repeat(3000) },
      body: 'x',
    });
    assert.equal(metadata.status, 400);
    assert.equal(s3Code(metadata), 'MetadataTooLarge');
    assert.deepEqual(await keys(), ['chunked']);
  });

  test('malformed XML documents are refused with MalformedXML', async () => {
    const documents = [
      '<Delete><Object><Key>chunked</Key></Object>',
      'not xml at all',
      '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "boom">]><Delete><Object><Key>&x;</Key></Object></Delete>',
      '<Delete></Delete>',
    ];
    for (const body of documents) {
      const response = await signedRequest('POST', `/${bucket}?delete`, { body });
      assert.equal(response.status, 400, body);
      assert.equal(s3Code(response), 'MalformedXML', body);
    }
    assert.deepEqual(await keys(), ['chunked']);
  });

  test('multipart completion with missing or reordered parts changes nothing', async () => {
    const key = 'mp/hostile';
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }),
    );
    const one = await s3.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId,
        PartNumber: 1,
        Body: randomBytes(5 * 1024 * 1024),
      }),
    );
    const two = await s3.send(
      new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 2, Body: 'end' }),
    );
    const complete = (parts: Array<{ PartNumber: number; ETag: string | undefined }>) =>
      s3
        .send(
          new CompleteMultipartUploadCommand({
            Bucket: bucket,
            Key: key,
            UploadId,
            MultipartUpload: { Parts: parts },
          }),
        )
        .then(
          () => 'completed',
          (error: Error) => error.name,
        );
    assert.equal(
      await complete([
        { PartNumber: 2, ETag: two.ETag },
        { PartNumber: 1, ETag: one.ETag },
      ]),
      'InvalidPartOrder',
    );
    assert.equal(
      await complete([
        { PartNumber: 1, ETag: one.ETag },
        { PartNumber: 3, ETag: two.ETag },
      ]),
      'InvalidPart',
    );
    assert.equal(await complete([{ PartNumber: 1, ETag: two.ETag }]), 'InvalidPart');
    const malformed = await signedRequest('POST', `/${bucket}/${key}?uploadId=${UploadId ?? ''}`, {
      body: '<CompleteMultipartUpload><Part>',
    });
    assert.equal(s3Code(malformed), 'MalformedXML');
    await assert.rejects(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })));
    assert.equal(
      await complete([
        { PartNumber: 1, ETag: one.ETag },
        { PartNumber: 2, ETag: two.ETag },
      ]),
      'completed',
    );
    assert.deepEqual(await keys(), ['chunked', key]);
  });

  test('an unknown upload ID, an unimplemented sub-resource and GetObjectTorrent get S3 errors', async () => {
    const response = await s3
      .send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: 'x',
          UploadId: 'nonexistent',
          PartNumber: 1,
          Body: 'x',
        }),
      )
      .then(
        () => 'ok',
        (error: Error) => error.name,
      );
    assert.equal(response, 'NoSuchUpload');
    const website = await signedRequest('GET', `/${bucket}?website`);
    assert.equal(website.status, 501);
    assert.equal(s3Code(website), 'NotImplemented');
    const torrent = await signedRequest('GET', `/${bucket}/fine?torrent`);
    assert.equal(torrent.status, 501);
    assert.equal(s3Code(torrent), 'NotImplemented');
    assert.match(torrent.body, /GetObjectTorrent .*BitTorrent/);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'fine', Body: 'ok' }));
  });
});
