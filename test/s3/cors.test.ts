// S3 CORS against a real cluster with AuthN on: each bucket's rules (set, read, deleted by its
// owner only) answer browsers' preflights and add their headers to actual requests, signed or
// anonymous. (The aws cli's CORS calls are in access-control.test.ts.)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  CreateBucketCommand,
  DeleteBucketCorsCommand,
  GetBucketCorsCommand,
  PutBucketCorsCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { refused } from '../harness/s3-setup.js';
import { S3UsersCluster } from '../harness/s3-users.js';

const users = ['alice', 'bob'] as const;
let setup: S3UsersCluster;
let clients: Record<(typeof users)[number] | 'admin', S3Client>;

before(async () => {
  setup = await S3UsersCluster.start(users);
  clients = setup.clients;
});

after(async () => {
  await setup?.destroy();
});

/** An unsigned request with headers: status and headers. */
async function browser(
  method: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Headers }> {
  const response = await fetch(`${setup.cluster.primary.publicUrl}${path}`, { method, headers });
  await response.arrayBuffer();
  return { status: response.status, headers: response.headers };
}

test('CORS: rules per bucket, preflights answered by them, headers on actual requests', async () => {
  await clients.alice.send(new CreateBucketCommand({ Bucket: 'alice-cors' }));
  await clients.alice.send(
    new PutObjectCommand({ Bucket: 'alice-cors', Key: 'page.txt', Body: 'hello' }),
  );
  await refused(
    clients.alice.send(new GetBucketCorsCommand({ Bucket: 'alice-cors' })),
    'NoSuchCORSConfiguration',
    404,
  );
  const preflight = (origin: string, method: string, headers?: string) =>
    browser('OPTIONS', '/alice-cors/page.txt', {
      origin,
      'access-control-request-method': method,
      ...(headers === undefined ? {} : { 'access-control-request-headers': headers }),
    });
  assert.equal((await preflight('https://app.example.com', 'GET')).status, 403);
  await clients.alice.send(
    new PutBucketCorsCommand({
      Bucket: 'alice-cors',
      CORSConfiguration: {
        CORSRules: [
          {
            AllowedOrigins: ['https://*.example.com'],
            AllowedMethods: ['GET', 'PUT'],
            AllowedHeaders: ['content-type', 'x-amz-*'],
            ExposeHeaders: ['ETag'],
            MaxAgeSeconds: 600,
          },
          { AllowedOrigins: ['*'], AllowedMethods: ['HEAD'] },
        ],
      },
    }),
  );
  const stored = await clients.alice.send(new GetBucketCorsCommand({ Bucket: 'alice-cors' }));
  assert.equal(stored.CORSRules?.length, 2);
  assert.deepEqual(stored.CORSRules?.[0]?.AllowedMethods, ['GET', 'PUT']);
  assert.equal(stored.CORSRules?.[0]?.MaxAgeSeconds, 600);

  const allowed = await preflight('https://app.example.com', 'PUT', 'Content-Type, X-Amz-Date');
  assert.equal(allowed.status, 200);
  assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://app.example.com');
  assert.equal(allowed.headers.get('access-control-allow-methods'), 'GET, PUT');
  assert.equal(allowed.headers.get('access-control-allow-headers'), 'content-type, x-amz-date');
  assert.equal(allowed.headers.get('access-control-max-age'), '600');
  assert.equal(allowed.headers.get('access-control-expose-headers'), 'ETag');
  assert.equal((await preflight('https://evil.test', 'GET')).status, 403);
  assert.equal((await preflight('https://app.example.com', 'DELETE')).status, 403);
  assert.equal((await preflight('https://app.example.com', 'GET', 'x-custom')).status, 403);
  const anyOrigin = await preflight('https://other.test', 'HEAD');
  assert.equal(anyOrigin.headers.get('access-control-allow-origin'), '*');
  assert.equal(
    (await browser('OPTIONS', '/alice-cors/page.txt', { origin: 'https://app.example.com' }))
      .status,
    400,
  );
  // Actual requests: the headers come with the answer (here a refusal: anonymous, private bucket).
  const actual = await browser('GET', '/alice-cors/page.txt', {
    origin: 'https://app.example.com',
  });
  assert.equal(actual.status, 403);
  assert.equal(actual.headers.get('access-control-allow-origin'), 'https://app.example.com');
  // A read the gateway forwards to the target storing the object carries them too.
  await clients.alice.send(
    new PutBucketPolicyCommand({
      Bucket: 'alice-cors',
      Policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: '*',
            Action: 's3:GetObject',
            Resource: 'arn:aws:s3:::alice-cors/*',
          },
        ],
      }),
    }),
  );
  const served = await browser('GET', '/alice-cors/page.txt', {
    origin: 'https://app.example.com',
  });
  assert.equal(served.status, 200);
  assert.equal(served.headers.get('access-control-allow-origin'), 'https://app.example.com');
  assert.equal(served.headers.get('access-control-expose-headers'), 'ETag');
  const otherOrigin = await browser('GET', '/alice-cors/page.txt', { origin: 'https://evil.test' });
  assert.equal(otherOrigin.status, 200);
  assert.equal(otherOrigin.headers.get('access-control-allow-origin'), null);
  await refused(
    clients.alice.send(
      new PutBucketCorsCommand({
        Bucket: 'alice-cors',
        CORSConfiguration: { CORSRules: [{ AllowedOrigins: ['*'], AllowedMethods: ['PATCH'] }] },
      }),
    ),
    'InvalidRequest',
    400,
  );
  await refused(
    clients.bob.send(
      new PutBucketCorsCommand({
        Bucket: 'alice-cors',
        CORSConfiguration: { CORSRules: [{ AllowedOrigins: ['*'], AllowedMethods: ['GET'] }] },
      }),
    ),
    'AccessDenied',
    403,
  );
  await clients.alice.send(new DeleteBucketCorsCommand({ Bucket: 'alice-cors' }));
  assert.equal((await preflight('https://app.example.com', 'GET')).status, 403);
});
