// S3 POST Object (browser form uploads) against a real cluster: forms made by the AWS SDK's
// createPresignedPost posted with fetch's FormData and with `curl -F`, the objects read back byte
// for byte; policy conditions, signatures and anonymous forms refused as S3 refuses them, with
// nothing stored.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import {
  CreateBucketCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  PutBucketAclCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { TestCluster } from '../harness/test-cluster.js';
import {
  accessKey,
  bodyBytes,
  failure,
  region,
  sdkClient,
  secretKey,
} from '../harness/s3-setup.js';

const run = promisify(execFile);
const bucket = 'forms';

interface Answer {
  status: number;
  text: string;
  headers: Headers;
}

const md5 = (data: Buffer): string => createHash('md5').update(data).digest('hex');

/** A SigV4-signed form for any policy document (what createPresignedPost makes, by hand). */
function signedFields(
  policy: { expiration: string; conditions: unknown[] },
  secret = secretKey,
): Record<string, string> {
  const date = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = date.slice(0, 8);
  const credential = `${accessKey}/${day}/${region}/s3/aws4_request`;
  const conditions = [
    ...policy.conditions,
    { 'x-amz-algorithm': 'AWS4-HMAC-SHA256' },
    { 'x-amz-credential': credential },
    { 'x-amz-date': date },
  ];
  const encoded = Buffer.from(JSON.stringify({ ...policy, conditions })).toString('base64');
  const hmac = (key: Buffer | string, text: string): Buffer =>
    createHmac('sha256', key).update(text).digest();
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), region), 's3'), 'aws4_request');
  return {
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': credential,
    'X-Amz-Date': date,
    Policy: encoded,
    'X-Amz-Signature': createHmac('sha256', signingKey).update(encoded).digest('hex'),
  };
}

describe('S3 POST Object', () => {
  let cluster: TestCluster;
  let s3: S3Client;
  let dir = '';
  let bucketUrl = '';

  /** Posts `fields` then the file as a browser does (fetch's FormData). */
  const post = async (
    fields: Record<string, string>,
    file: Buffer | undefined,
    filename = 'file.bin',
  ): Promise<Answer> => {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    if (file !== undefined) form.append('file', new Blob([file]), filename);
    const response = await fetch(bucketUrl, { method: 'POST', body: form, redirect: 'manual' });
    // XML escapes quotes (of ETags, of messages).
    const text = (await response.text()).replaceAll('&quot;', '"').replaceAll('&apos;', "'");
    return { status: response.status, text, headers: response.headers };
  };

  const stored = async (key: string): Promise<Buffer> =>
    bodyBytes((await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body);

  const absent = async (key: string): Promise<void> => {
    const missing = await failure(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })));
    assert.equal(missing.status, 404, `${key} must not be stored`);
  };

  /** Refused with `status`, S3 error `code` and a message matching `message`. */
  const refused = (answer: Answer, status: number, code: string, message?: RegExp): void => {
    assert.equal(answer.status, status, answer.text);
    assert.match(answer.text, new RegExp(`<Code>${code}</Code>`));
    if (message !== undefined) assert.match(answer.text, message);
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cairn-s3-post-'));
    cluster = await TestCluster.start({ proxies: 1, targets: 2, mountpaths: 1 });
    s3 = sdkClient(cluster.primary.publicUrl);
    bucketUrl = `${cluster.primary.publicUrl}/${bucket}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });

  after(async () => {
    s3?.destroy();
    await cluster?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  test('an AWS SDK presigned form uploads with FormData and with curl -F', async () => {
    const tagging =
      '<Tagging><TagSet><Tag><Key>from</Key><Value>form</Value></Tag></TagSet></Tagging>';
    const { url, fields } = await createPresignedPost(s3, {
      Bucket: bucket,
      Key: 'uploads/${filename}',
      Conditions: [['content-length-range', 1, 8 * 1024 * 1024]],
      Fields: {
        success_action_status: '201',
        'Content-Type': 'text/plain',
        'x-amz-meta-origin': 'browser',
        tagging,
      },
      Expires: 600,
    });
    assert.equal(url, bucketUrl);
    const data = Buffer.from('hello from a browser form\n');
    const answer = await post(fields, data, 'hello.txt');
    assert.equal(answer.status, 201, answer.text);
    assert.match(answer.text, /<Key>uploads\/hello.txt<\/Key>/);
    assert.match(answer.text, new RegExp(`<ETag>"${md5(data)}"</ETag>`));
    assert.equal(answer.headers.get('etag'), `"${md5(data)}"`);
    assert.equal(answer.headers.get('location'), `${bucketUrl}/uploads/hello.txt`);
    assert.deepEqual(await stored('uploads/hello.txt'), data);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'uploads/hello.txt' }));
    assert.equal(head.ContentType, 'text/plain');
    assert.deepEqual(head.Metadata, { origin: 'browser' });
    const tags = await s3.send(
      new GetObjectTaggingCommand({ Bucket: bucket, Key: 'uploads/hello.txt' }),
    );
    assert.deepEqual(tags.TagSet, [{ Key: 'from', Value: 'form' }]);

    // curl -F, a few MiB (curl asks for 100-continue), default answer 204.
    const big = randomBytes(3 * 1024 * 1024 + 17);
    const path = join(dir, 'big.bin');
    await writeFile(path, big);
    const curlForm = await createPresignedPost(s3, {
      Bucket: bucket,
      Key: 'curl/${filename}',
      Conditions: [['content-length-range', 0, 8 * 1024 * 1024]],
      Expires: 600,
    });
    const args = ['-sS', '-o', '/dev/null', '-w', '%{http_code} %header{location}'];
    for (const [name, value] of Object.entries(curlForm.fields))
      args.push('--form-string', `${name}=${value}`);
    args.push('-F', `file=@${path}`, curlForm.url);
    const { stdout } = await run('curl', args, { timeout: 60_000 });
    assert.equal(stdout, `204 ${bucketUrl}/curl/big.bin`);
    assert.equal(md5(await stored('curl/big.bin')), md5(big));

    // Over the policy's range mid-stream: the write to the target is cut, nothing is stored.
    const smallForm = await createPresignedPost(s3, {
      Bucket: bucket,
      Key: 'curl/too-big',
      Conditions: [['content-length-range', 0, 1024 * 1024]],
      Expires: 600,
    });
    const tooBig = ['-sS', '-w', '\n%{http_code}'];
    for (const [name, value] of Object.entries(smallForm.fields))
      tooBig.push('--form-string', `${name}=${value}`);
    tooBig.push('-F', `file=@${path}`, smallForm.url);
    const refusal = await run('curl', tooBig, { timeout: 60_000 }).catch(
      (error: { stdout: string }) => error,
    );
    assert.match(refusal.stdout, /<Code>EntityTooLarge<\/Code>[^]*\n400$/);
    await absent('curl/too-big');
  });

  test('checksum fields are verified against the file and stored (curl -F)', async () => {
    const data = randomBytes(64 * 1024 + 3);
    const path = join(dir, 'summed.bin');
    await writeFile(path, data);
    const sha256 = createHash('sha256').update(data).digest('base64');
    const policy = {
      expiration: new Date(Date.now() + 600_000).toISOString(),
      conditions: [
        { bucket },
        ['starts-with', '$key', 'sum/'],
        ['starts-with', '$x-amz-checksum-sha256', ''],
        ['starts-with', '$x-amz-checksum-algorithm', ''],
      ],
    };
    const fields = signedFields(policy);
    /** `curl -F` with the fields then the file: status and body. */
    const curl = async (extra: Record<string, string>): Promise<[number, string]> => {
      const args = ['-sS', '-D', '-', '-w', '\n%{http_code}'];
      for (const [name, value] of Object.entries({ ...fields, ...extra }))
        args.push('--form-string', `${name}=${value}`);
      args.push('-F', `file=@${path}`, bucketUrl);
      const { stdout } = await run('curl', args, { timeout: 60_000 });
      const end = stdout.lastIndexOf('\n');
      return [Number(stdout.slice(end + 1)), stdout.slice(0, end)];
    };
    const headObject = (key: string): Promise<HeadObjectCommandOutput> =>
      s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));

    const [status, answer] = await curl({ key: 'sum/right', 'x-amz-checksum-sha256': sha256 });
    assert.equal(status, 204, answer);
    assert.match(
      answer,
      new RegExp(`x-amz-checksum-sha256: ${sha256.replace(/[+/]/g, '\\$&')}`, 'i'),
    );
    assert.equal((await headObject('sum/right')).ChecksumSHA256, sha256);
    assert.deepEqual(await stored('sum/right'), data);

    // A well-formed checksum of other bytes: BadDigest, nothing stored.
    const other = createHash('sha256').update('other bytes').digest('base64');
    const [wrongStatus, wrong] = await curl({ key: 'sum/wrong', 'x-amz-checksum-sha256': other });
    assert.equal(wrongStatus, 400, wrong);
    assert.match(wrong, /<Code>BadDigest<\/Code>/);
    assert.match(wrong, /The SHA256 you specified did not match the calculated checksum/);
    await absent('sum/wrong');
    // Not a SHA-256 value at all; or a value of another algorithm than the one named.
    const [badStatus, bad] = await curl({ key: 'sum/bad', 'x-amz-checksum-sha256': 'AAAA' });
    assert.equal(badStatus, 400, bad);
    assert.match(bad, /<Code>InvalidRequest<\/Code>/);
    assert.match(bad, /Value for x-amz-checksum-sha256 header is invalid/);
    await absent('sum/bad');
    const [mixedStatus, mixed] = await curl({
      key: 'sum/mixed',
      'x-amz-checksum-algorithm': 'CRC32',
      'x-amz-checksum-sha256': sha256,
    });
    assert.equal(mixedStatus, 400, mixed);
    assert.match(mixed, /<Code>InvalidRequest<\/Code>/);
    await absent('sum/mixed');

    // Only the algorithm: the checksum is computed, stored and answered.
    const [computedStatus, computed] = await curl({
      key: 'sum/computed',
      'x-amz-checksum-algorithm': 'CRC32',
    });
    assert.equal(computedStatus, 204, computed);
    const crc = (await headObject('sum/computed')).ChecksumCRC32;
    assert.ok(
      crc !== undefined &&
        computed.toLowerCase().includes(`x-amz-checksum-crc32: ${crc.toLowerCase()}`),
      computed,
    );
    assert.deepEqual(await stored('sum/computed'), data);
  });

  test('policy conditions, signatures and anonymous forms are refused; nothing is stored', async () => {
    const expiration = new Date(Date.now() + 600_000).toISOString();
    const policy = {
      expiration,
      conditions: [{ bucket }, ['starts-with', '$key', 'in/'], ['content-length-range', 2, 10]],
    };
    const fields = signedFields(policy);
    const small = Buffer.from('12345');
    assert.equal((await post({ ...fields, key: 'in/ok' }, small)).status, 204);
    assert.deepEqual(await stored('in/ok'), small);

    refused(await post({ ...fields, key: 'in/large' }, Buffer.alloc(11)), 400, 'EntityTooLarge');
    await absent('in/large');
    refused(await post({ ...fields, key: 'in/tiny' }, Buffer.alloc(1)), 400, 'EntityTooSmall');
    await absent('in/tiny');
    refused(
      await post({ ...fields, key: 'out/x' }, small),
      403,
      'AccessDenied',
      /Policy Condition failed: \["starts-with", "\$key", "in\/"\]/,
    );
    await absent('out/x');
    refused(
      await post({ ...fields, key: 'in/meta', 'x-amz-meta-extra': '1' }, small),
      403,
      'AccessDenied',
      /Extra input fields: x-amz-meta-extra/,
    );
    const expired = signedFields({
      ...policy,
      expiration: new Date(Date.now() - 1000).toISOString(),
    });
    refused(await post({ ...expired, key: 'in/late' }, small), 403, 'AccessDenied', /expired/);
    refused(
      await post({ ...signedFields(policy, 'wrong-secret'), key: 'in/forged' }, small),
      403,
      'SignatureDoesNotMatch',
    );
    await absent('in/forged');
    refused(
      await post(
        {
          ...fields,
          'X-Amz-Credential': fields['X-Amz-Credential']?.replace(accessKey, 'nobody') ?? '',
          key: 'in/who',
        },
        small,
      ),
      403,
      'InvalidAccessKeyId',
    );
    refused(await post(fields, small), 400, 'InvalidArgument', /field named 'key'/);
    refused(
      await post({ ...fields, key: 'in/nofile' }, undefined),
      400,
      'IncorrectNumberOfFilesInPostRequest',
    );
    refused(
      await post({ AWSAccessKeyId: accessKey, signature: 'x', key: 'k' }, small),
      501,
      'NotImplemented',
    );
    const plain = await fetch(bucketUrl, { method: 'POST', body: 'key=x' });
    refused(
      { status: plain.status, text: await plain.text(), headers: plain.headers },
      412,
      'PreconditionFailed',
    );

    // Unsigned forms: only into a bucket whose ACL lets everyone write.
    refused(await post({ key: 'anon.txt' }, small), 403, 'AccessDenied');
    await absent('anon.txt');
    await s3.send(new PutBucketAclCommand({ Bucket: bucket, ACL: 'public-read-write' }));
    const redirected = await post(
      { key: 'anon.txt', success_action_redirect: 'https://app.example.com/done?x=1' },
      small,
    );
    assert.equal(redirected.status, 303, redirected.text);
    const location = new URL(redirected.headers.get('location') ?? '');
    assert.equal(location.origin + location.pathname, 'https://app.example.com/done');
    assert.equal(location.searchParams.get('x'), '1');
    assert.equal(location.searchParams.get('bucket'), bucket);
    assert.equal(location.searchParams.get('key'), 'anon.txt');
    assert.equal(location.searchParams.get('etag'), `"${md5(small)}"`);
    assert.deepEqual(await stored('anon.txt'), small);
    await s3.send(new PutBucketAclCommand({ Bucket: bucket, ACL: 'private' }));
  });
});
