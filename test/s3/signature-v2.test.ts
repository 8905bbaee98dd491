// AWS Signature V2 against a real cluster with AuthN on and two users: curl with headers and
// presigned URLs computed here with node:crypto, s3cmd with `--signature-v2` (a multipart upload,
// `signurl`), and the aws cli v1's `s3 presign` where `aws` is one (Debian's is 2.x, V4 only). A V2-signed request carries its
// user's identity into ACLs and bucket policies as a V4 one does, and is refused with S3's errors
// for a wrong secret, an unknown key, a skewed clock and an expired URL.
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketPolicyCommand,
  PutObjectAclCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { command, type CommandAnswer } from '../harness/command.js';
import { mib, writeClientConfigs } from '../harness/s3-setup.js';
import { S3UsersCluster } from '../harness/s3-users.js';

const users = ['alice', 'bob'] as const;
type User = (typeof users)[number];
const bucket = 'alice-v2';

let setup: S3UsersCluster;
const keys = {} as Record<User, { accessKeyId: string; secretAccessKey: string }>;

before(async () => {
  setup = await S3UsersCluster.start(users);
  for (const user of users) keys[user] = await setup.clients[user]!.config.credentials();
  await setup.clients.alice!.send(new CreateBucketCommand({ Bucket: bucket }));
  for (const [key, body] of [
    ['doc.txt', 'written by alice'],
    ['private.txt', 'for alice only'],
  ] as const)
    await setup.clients.alice!.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
});

after(async () => {
  await setup?.destroy();
});

/** `AWS <key>:<base64 HMAC-SHA1>` of the string to sign, as AWS documents it. */
function v2Signature(secret: string, stringToSign: string): string {
  return createHmac('sha1', secret).update(stringToSign).digest('base64');
}

interface CurlAnswer {
  status: number;
  body: string;
}

/** curl with `headers`; the body (and a file to upload) as text. */
async function curl(
  method: string,
  url: string,
  headers: Record<string, string>,
  upload?: string,
): Promise<CurlAnswer> {
  const args = ['-s', '-X', method, '-w', '\n%{http_code}'];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
  if (upload !== undefined) args.push('--data-binary', `@${upload}`);
  const { stdout } = await command('curl', [...args, url]);
  const newline = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(newline + 1)), body: stdout.slice(0, newline) };
}

/** A GET or PUT signed with a V2 Authorization header computed here. */
async function signedCurl(
  user: User,
  method: 'GET' | 'PUT',
  path: string,
  options: {
    secret?: string;
    date?: Date;
    useAmzDate?: boolean;
    headers?: Record<string, string>;
    upload?: string;
    host?: string;
    resource?: string;
  } = {},
): Promise<CurlAnswer> {
  const date = (options.date ?? new Date()).toUTCString();
  const headers = { ...options.headers };
  if (options.useAmzDate === true) headers['X-Amz-Date'] = date;
  else headers.Date = date;
  const amz = Object.entries(headers)
    .filter(([name]) => name.toLowerCase().startsWith('x-amz-'))
    .map(([name, value]) => `${name.toLowerCase()}:${value}\n`)
    .sort()
    .join('');
  const stringToSign = [
    method,
    headers['Content-MD5'] ?? '',
    headers['Content-Type'] ?? '',
    options.useAmzDate === true ? '' : date,
    `${amz}${options.resource ?? path}`,
  ].join('\n');
  const secret = options.secret ?? keys[user].secretAccessKey;
  headers.Authorization = `AWS ${keys[user].accessKeyId}:${v2Signature(secret, stringToSign)}`;
  if (options.host !== undefined) headers.Host = options.host;
  return await curl(method, `${setup.cluster.primary.publicUrl}${path}`, headers, options.upload);
}

/** A presigned V2 URL of a GET, valid until `expires` (Unix seconds). */
function presignedUrl(user: User, path: string, expires: number, secret?: string): string {
  const signature = v2Signature(
    secret ?? keys[user].secretAccessKey,
    `GET\n\n\n${expires}\n${path}`,
  );
  const query = new URLSearchParams({
    AWSAccessKeyId: keys[user].accessKeyId,
    Expires: String(expires),
    Signature: signature,
  });
  return `${setup.cluster.primary.publicUrl}${path}?${query.toString()}`;
}

function s3Error(answer: CurlAnswer, status: number, code: string, message?: RegExp): void {
  assert.equal(answer.status, status, answer.body);
  assert.match(answer.body, new RegExp(`<Code>${code}</Code>`));
  if (message !== undefined) assert.match(answer.body, message);
}

test('curl with V2 headers: identity, ACL grants and policy conditions, time and key errors', async () => {
  const path = `/${bucket}/doc.txt`;
  assert.deepEqual(await signedCurl('alice', 'GET', path), {
    status: 200,
    body: 'written by alice',
  });
  // Dated by x-amz-date: the Date line is signed empty.
  assert.equal(
    (await signedCurl('alice', 'GET', path, { useAmzDate: true })).body,
    'written by alice',
  );
  // Virtual-hosted: the bucket from the Host is signed as the path's first segment.
  const port = new URL(setup.cluster.primary.publicUrl).port;
  const hosted = await signedCurl('alice', 'GET', '/doc.txt', {
    host: `${bucket}.localhost:${port}`,
    resource: path,
  });
  assert.equal(hosted.body, 'written by alice');

  // Bob is bob: refused, until alice's ACL grants him the object.
  s3Error(await signedCurl('bob', 'GET', path), 403, 'AccessDenied');
  await setup.clients.alice!.send(
    new PutObjectAclCommand({ Bucket: bucket, Key: 'doc.txt', GrantRead: 'id=bob' }),
  );
  assert.equal((await signedCurl('bob', 'GET', path)).status, 200);

  // A PUT signs Content-MD5, Content-Type and the x-amz headers.
  const file = join(setup.cluster.dir, 'v2-upload.bin');
  const data = randomBytes(100_000);
  await writeFile(file, data);
  const put = await signedCurl('alice', 'PUT', `/${bucket}/up.bin`, {
    upload: file,
    headers: {
      'Content-MD5': createHash('md5').update(data).digest('base64'),
      'Content-Type': 'application/x-test',
      'x-amz-meta-origin': 'curl v2',
    },
  });
  assert.equal(put.status, 200, put.body);
  const head = await setup.clients.alice!.send(
    new HeadObjectCommand({ Bucket: bucket, Key: 'up.bin' }),
  );
  assert.equal(head.ContentType, 'application/x-test');
  assert.equal(head.Metadata?.origin, 'curl v2');
  assert.equal(head.ContentLength, data.length);

  // A bucket policy's s3:signatureversion sees V2 as "AWS".
  const policy = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:GetObject',
        Resource: `arn:aws:s3:::${bucket}/up.bin`,
        Condition: { StringEquals: { 's3:signatureversion': 'AWS' } },
      },
    ],
  };
  await setup.clients.alice!.send(
    new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }),
  );
  s3Error(await signedCurl('alice', 'GET', `/${bucket}/up.bin`), 403, 'AccessDenied');
  const viaV4 = await setup.clients.alice!.send(
    new GetObjectCommand({ Bucket: bucket, Key: 'up.bin' }),
  );
  assert.equal(Buffer.from(await viaV4.Body!.transformToByteArray()).equals(data), true);

  // Sub-resources: `?acl` is signed by every client; `?encryption` by MinIO, not by botocore.
  const acl = await signedCurl('alice', 'GET', `/${bucket}?acl`);
  assert.equal(acl.status, 200, acl.body);
  assert.match(acl.body, /<AccessControlPolicy/);
  for (const resource of [`/${bucket}?encryption`, `/${bucket}`]) {
    s3Error(
      await signedCurl('alice', 'GET', `/${bucket}?encryption`, { resource }),
      404,
      'ServerSideEncryptionConfigurationNotFoundError',
    );
  }

  s3Error(
    await signedCurl('alice', 'GET', path, { secret: 'wrong' }),
    403,
    'SignatureDoesNotMatch',
  );
  s3Error(
    await signedCurl('alice', 'GET', path, { date: new Date(Date.now() - 20 * 60_000) }),
    403,
    'RequestTimeTooSkewed',
  );
  const unknown = await curl('GET', `${setup.cluster.primary.publicUrl}${path}`, {
    Date: new Date().toUTCString(),
    Authorization: 'AWS nobody:AAAAAAAAAAAAAAAAAAAAAAAAAAA=',
  });
  s3Error(unknown, 403, 'InvalidAccessKeyId');
  const undated = await curl('GET', `${setup.cluster.primary.publicUrl}${path}`, {
    Authorization: `AWS ${keys.alice.accessKeyId}:AAAAAAAAAAAAAAAAAAAAAAAAAAA=`,
  });
  s3Error(undated, 403, 'AccessDenied', /valid Date or x-amz-date/);
});

test('curl with presigned V2 URLs: identity, expiry, wrong secret, missing parameters', async () => {
  const path = `/${bucket}/doc.txt`;
  const now = Math.floor(Date.now() / 1000);
  assert.deepEqual(await curl('GET', presignedUrl('alice', path, now + 60), {}), {
    status: 200,
    body: 'written by alice',
  });
  s3Error(
    await curl('GET', presignedUrl('alice', path, now - 60), {}),
    403,
    'AccessDenied',
    /Request has expired/,
  );
  s3Error(
    await curl('GET', presignedUrl('alice', path, now + 60, 'wrong'), {}),
    403,
    'SignatureDoesNotMatch',
  );
  s3Error(
    await curl('GET', presignedUrl('bob', `/${bucket}/private.txt`, now + 60), {}),
    403,
    'AccessDenied',
  );
  const partial = `${setup.cluster.primary.publicUrl}${path}?AWSAccessKeyId=${keys.alice.accessKeyId}&Signature=x`;
  s3Error(await curl('GET', partial, {}), 403, 'AccessDenied', /Expires/);
});

test('s3cmd with signature_v2: a multipart upload read back, errors, signurl', async () => {
  const { s3cmd } = await writeClientConfigs(setup.cluster.dir, setup.cluster.primary.publicUrl);
  const run = (user: User, args: string[], secret?: string): Promise<CommandAnswer> =>
    command('s3cmd', [
      ...s3cmd,
      '--signature-v2',
      `--access_key=${keys[user].accessKeyId}`,
      `--secret_key=${secret ?? keys[user].secretAccessKey}`,
      ...args,
    ]);
  const source = join(setup.cluster.dir, 's3cmd-v2.bin');
  const back = join(setup.cluster.dir, 's3cmd-v2-back.bin');
  const data = randomBytes(6 * mib + 123);
  await writeFile(source, data);
  // Two parts: uploads, partNumber and uploadId are signed sub-resources.
  const target = `s3://${bucket}/s3cmd.bin`;
  const upload = await run('alice', [
    '--debug',
    '--multipart-chunk-size-mb=5',
    'put',
    source,
    target,
  ]);
  assert.equal(upload.code, 0, upload.stderr.slice(-2000));
  assert.match(upload.stderr, /SignHeaders: 'POST\\n/);
  assert.doesNotMatch(upload.stderr, /Canonical Request/i);

  const [download, denied, wrongSecret, signed] = await Promise.all([
    run('alice', ['--force', 'get', target, back]),
    run('bob', ['--force', 'get', `s3://${bucket}/private.txt`, `${back}.bob`]),
    run('alice', ['ls', `s3://${bucket}`], 'not-the-secret'),
    run('alice', ['signurl', `s3://${bucket}/doc.txt`, '+300']),
  ]);
  assert.equal(download.code, 0, download.stderr);
  assert.equal((await readFile(back)).equals(data), true);
  assert.notEqual(denied.code, 0);
  assert.match(denied.stderr, /403/);
  assert.notEqual(wrongSecret.code, 0);
  assert.match(wrongSecret.stderr, /SignatureDoesNotMatch/);
  assert.equal(signed.code, 0, signed.stderr);
  const url = signed.stdout.trim();
  assert.match(url, /[?&]AWSAccessKeyId=.*&Expires=\d+&Signature=/);
  assert.deepEqual(await curl('GET', url, {}), { status: 200, body: 'written by alice' });
});

test('aws s3 presign (aws cli v1) makes V2 URLs: read, and a wrong secret refused', async (t) => {
  const { awsEnv } = await writeClientConfigs(setup.cluster.dir, setup.cluster.primary.publicUrl);
  const presign = async (secret: string): Promise<string> => {
    const args = ['--endpoint-url', setup.cluster.primary.publicUrl, 's3', 'presign'];
    const answer = await command(
      'aws',
      [...args, `s3://${bucket}/doc.txt`, '--expires-in', '300'],
      {
        ...awsEnv,
        AWS_ACCESS_KEY_ID: keys.alice.accessKeyId,
        AWS_SECRET_ACCESS_KEY: secret,
      },
    );
    assert.equal(answer.code, 0, answer.stderr);
    return answer.stdout.trim();
  };
  const [url, wrong] = await Promise.all([
    presign(keys.alice.secretAccessKey),
    presign('not-the-secret'),
  ]);
  // The aws cli v1 presigns V2 by default; 2.x (Debian's) presigns V4.
  if (url.includes('X-Amz-Algorithm=')) {
    t.skip('the aws cli on PATH is 2.x, which presigns V4 only');
    return;
  }
  assert.match(url, /[?&]AWSAccessKeyId=[^&]+/);
  assert.match(url, /[?&]Expires=\d+/);
  assert.match(url, /[?&]Signature=[^&]+/);
  assert.deepEqual(await curl('GET', url, {}), { status: 200, body: 'written by alice' });
  s3Error(await curl('GET', wrong, {}), 403, 'SignatureDoesNotMatch');
});
