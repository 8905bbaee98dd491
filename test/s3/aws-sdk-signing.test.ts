// Signing through the AWS SDK for JavaScript v3 against a real cluster: presigned URLs (valid,
// expired, not yet valid, out of range, tampered), wrong credentials, and virtual-hosted style
// requests. The SDK's other operations: aws-sdk.test.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { TestCluster } from '../harness/test-cluster.js';
import { bodyBytes, failure, sdkClient } from '../harness/s3-setup.js';

describe('AWS SDK for JavaScript v3: signing', () => {
  let cluster: TestCluster;
  let s3: S3Client;
  const bucket = 'sdk-signing';

  before(async () => {
    cluster = await TestCluster.start({ proxies: 1, targets: 2, mountpaths: 1 });
    s3 = sdkClient(cluster.primary.publicUrl);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  after(async () => {
    s3?.destroy();
    await cluster?.destroy();
  });

  test('presigned URLs: GET and PUT work, expired and tampered ones are refused', async () => {
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'presigned.txt', Body: 'signed in the URL' }),
    );
    const getUrl = await getSignedUrl(
      s3,
      new GetObjectCommand({ Bucket: bucket, Key: 'presigned.txt' }),
      { expiresIn: 60 },
    );
    const got = await fetch(getUrl);
    assert.equal(got.status, 200);
    assert.equal(await got.text(), 'signed in the URL');
    const putUrl = await getSignedUrl(
      s3,
      new PutObjectCommand({ Bucket: bucket, Key: 'presigned-put.txt' }),
      { expiresIn: 60 },
    );
    assert.equal((await fetch(putUrl, { method: 'PUT', body: 'uploaded' })).status, 200);
    const check = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'presigned-put.txt' }));
    assert.equal((await bodyBytes(check.Body)).toString(), 'uploaded');
    const expired = await getSignedUrl(
      s3,
      new GetObjectCommand({ Bucket: bucket, Key: 'presigned.txt' }),
      {
        expiresIn: 1,
        signingDate: new Date(Date.now() - 60_000),
      },
    );
    const refused = await fetch(expired);
    assert.equal(refused.status, 403);
    assert.match(await refused.text(), /<Code>AccessDenied<\/Code><Message>Request has expired</);
    // X-Amz-Expires 0 is valid and already past.
    const zero = await getSignedUrl(
      s3,
      new GetObjectCommand({ Bucket: bucket, Key: 'presigned.txt' }),
      { expiresIn: 0, signingDate: new Date(Date.now() - 2_000) },
    );
    const atOnce = await fetch(zero);
    assert.equal(atOnce.status, 403);
    assert.match(await atOnce.text(), /<Code>AccessDenied<\/Code><Message>Request has expired</);
    // Signed more than the allowed clock skew ahead: not valid yet.
    const early = await getSignedUrl(
      s3,
      new GetObjectCommand({ Bucket: bucket, Key: 'presigned.txt' }),
      { expiresIn: 60, signingDate: new Date(Date.now() + 3_600_000) },
    );
    const notYet = await fetch(early);
    assert.equal(notYet.status, 403);
    assert.match(
      await notYet.text(),
      /<Code>AccessDenied<\/Code><Message>Request is not valid yet</,
    );
    // Out of range (checked before the signature, as S3 does): 400 with S3's messages.
    for (const [value, message] of [
      ['-1', 'X-Amz-Expires must be non-negative'],
      ['soon', 'X-Amz-Expires should be a number'],
      [
        '604801',
        'X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds',
      ],
    ] as const) {
      const bad = await fetch(getUrl.replace('X-Amz-Expires=60', `X-Amz-Expires=${value}`));
      assert.equal(bad.status, 400, value);
      const text = await bad.text();
      assert.match(text, /<Code>AuthorizationQueryParametersError<\/Code>/, value);
      assert.ok(text.includes(`<Message>${message}</Message>`), text);
    }
    // A week exactly is in range (then refused only as a changed signature).
    const week = await fetch(getUrl.replace('X-Amz-Expires=60', 'X-Amz-Expires=604800'));
    assert.equal(week.status, 403);
    assert.match(await week.text(), /SignatureDoesNotMatch/);
    const tampered = await fetch(getUrl.replace('presigned.txt', 'presigned-put.txt'));
    assert.equal(tampered.status, 403);
    assert.match(await tampered.text(), /SignatureDoesNotMatch/);
  });

  test('wrong secret and unknown key are refused with S3 codes', async () => {
    const wrong = sdkClient(cluster.primary.publicUrl, { secret: 'not-the-secret' });
    assert.deepEqual(await failure(wrong.send(new ListBucketsCommand({}))), {
      name: 'SignatureDoesNotMatch',
      status: 403,
    });
    wrong.destroy();
  });

  test('virtual-hosted style requests', async () => {
    const port = new URL(cluster.primary.publicUrl).port;
    // `<bucket>.localhost` needs no DNS: the handler connects to 127.0.0.1 and keeps the Host header.
    const inner = new NodeHttpHandler();
    const client = sdkClient(`http://localhost:${port}`, { virtualHosted: true });
    client.config.requestHandler = {
      handle: (request: { hostname: string }, options: unknown) => {
        request.hostname = '127.0.0.1';
        return inner.handle(request as never, options as never);
      },
      updateHttpClientConfig: () => undefined,
      httpHandlerConfigs: () => ({}),
    };
    await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'virtual/host.txt', Body: 'vhost' }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'virtual/host.txt' }));
    assert.equal((await bodyBytes(got.Body)).toString(), 'vhost');
    const listed = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: 'virtual/' }),
    );
    assert.deepEqual(
      listed.Contents?.map((entry) => entry.Key),
      ['virtual/host.txt'],
    );
    client.destroy();
  });
});
