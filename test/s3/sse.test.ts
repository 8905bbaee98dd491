// S3 server-side encryption against a real cluster (1 gateway, 2 targets, a shared master key
// file) through the AWS SDK v3 and the aws cli: SSE-S3 and SSE-C round trips with ranges across
// 64 KiB package boundaries, SSE-C refusals (no key 400, wrong key 403), SSE-KMS with the key IDs
// of the cluster config (PUT/GET/HEAD/copy/multipart/bucket default, unknown keys, a key removed),
// bucket default encryption, copies between the kinds, a multipart SSE-C upload read across its parts, the
// native API decrypting SSE-S3 and refusing SSE-C, and the bytes on disk not being the plaintext.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketEncryptionCommand,
  GetBucketEncryptionCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutBucketEncryptionCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { TestCluster } from '../harness/test-cluster.js';
import { bodyBytes, failure, md5, sdkClient, writeClientConfigs } from '../harness/s3-setup.js';

const run = promisify(execFile);
const awsProgram = existsSync('/usr/bin/aws') ? '/usr/bin/aws' : 'aws';
const bucket = 'sse';
const kib = 1024;
const packageBytes = 64 * kib;
/** The cluster's SSE-KMS key store (cluster config `s3.kms.keys`; `beta` is the default key). */
const kmsKeys = ['alpha', 'beta'];

// 32 ASCII characters: the SDK sends their bytes as the key (base64) with its MD5.
const customerKeyText = randomBytes(16).toString('hex');
const customerKey = Buffer.from(customerKeyText);
const ssec = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: customerKeyText };
const otherKey = {
  SSECustomerAlgorithm: 'AES256',
  SSECustomerKey: randomBytes(16).toString('hex'),
};

/** A body that says where it is: a marker the disk scan looks for, then random bytes. */
function plaintext(marker: string, bytes: number): Buffer {
  return Buffer.concat([Buffer.from(marker), randomBytes(bytes - marker.length)]);
}

/** Every file under the targets' mountpaths, read whole (the test's objects are small). */
async function storedFiles(cluster: TestCluster): Promise<Buffer[]> {
  const files: Buffer[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) files.push(await readFile(path));
    }
  };
  for (const target of cluster.targets) for (const path of target.spec.mountpaths) await walk(path);
  return files;
}

describe('S3 server-side encryption', () => {
  let cluster: TestCluster;
  let s3: S3Client;
  let keyDir = '';

  before(async () => {
    keyDir = await mkdtemp(join(tmpdir(), 'cairn-sse-'));
    const keyFile = join(keyDir, 'sse-master.key');
    await writeFile(keyFile, randomBytes(32).toString('hex'));
    cluster = await TestCluster.start({
      proxies: 1,
      targets: 2,
      mountpaths: 1,
      config: {
        'keepalive.interval_ms': 500,
        's3.multipart_min_part_bytes': 0,
        's3.kms.keys': JSON.stringify(kmsKeys),
        's3.kms.default_key': 'beta',
      },
      nodeArgs: ['--sse-master-key', keyFile],
    });
    s3 = sdkClient(cluster.primary.publicUrl);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  after(async () => {
    s3?.destroy();
    await cluster?.destroy();
    if (keyDir !== '') await rm(keyDir, { recursive: true, force: true });
  });

  const get = async (key: string, extra: Record<string, string> = {}) =>
    bodyBytes((await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...extra }))).Body);

  /** Ranges across package (and, for multipart, part) boundaries, each compared with `plain`. */
  async function checkRanges(key: string, plain: Buffer, extra: Record<string, string> = {}) {
    const ranges: Array<[number, number]> = [
      [0, 0],
      [packageBytes - 5, packageBytes + 5],
      [packageBytes, 2 * packageBytes - 1],
      [plain.length - 70_000, plain.length - 1],
      [100, plain.length - 1],
    ];
    for (const [start, end] of ranges) {
      const answer = await s3.send(
        new GetObjectCommand({
          Bucket: bucket,
          Key: key,
          Range: `bytes=${start}-${end}`,
          ...extra,
        }),
      );
      assert.equal(answer.ContentRange, `bytes ${start}-${end}/${plain.length}`);
      assert.deepEqual(
        await bodyBytes(answer.Body),
        plain.subarray(start, end + 1),
        `${start}-${end}`,
      );
    }
    const suffix = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: key, Range: 'bytes=-100', ...extra }),
    );
    assert.deepEqual(await bodyBytes(suffix.Body), plain.subarray(plain.length - 100));
  }

  test('SSE-S3: round trip, ranges, sizes and headers', async () => {
    const plain = plaintext('SSE-S3-PLAINTEXT-MARKER', 3 * packageBytes + 17);
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 's3',
        Body: plain,
        ServerSideEncryption: 'AES256',
      }),
    );
    assert.equal(put.ServerSideEncryption, 'AES256');
    assert.equal(put.ETag, `"${md5(plain)}"`, 'SSE-S3 keeps the plaintext MD5 as ETag');
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 's3' }));
    assert.equal(head.ContentLength, plain.length);
    assert.equal(head.ServerSideEncryption, 'AES256');
    assert.deepEqual(await get('s3'), plain);
    await checkRanges('s3', plain);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 's3' }));
    assert.equal(listed.Contents?.[0]?.Size, plain.length);
  });

  test('SSE-C: round trip with the key; without it 400, with another 403', async () => {
    const plain = plaintext('SSE-C-PLAINTEXT-MARKER', 2 * packageBytes + 1000);
    const put = await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'c', Body: plain, ...ssec }),
    );
    assert.equal(put.SSECustomerAlgorithm, 'AES256');
    assert.equal(put.SSECustomerKeyMD5, createHash('md5').update(customerKey).digest('base64'));
    assert.notEqual(put.ETag, `"${md5(plain)}"`, 'an SSE-C ETag is not the MD5 of the data');
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'c', ...ssec }));
    assert.equal(head.ContentLength, plain.length);
    assert.equal(head.SSECustomerKeyMD5, put.SSECustomerKeyMD5);
    assert.deepEqual(await get('c', ssec), plain);
    await checkRanges('c', plain, ssec);
    const noKey = await failure(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'c' })));
    assert.equal(noKey.status, 400);
    assert.deepEqual(await failure(get('c', otherKey)), { name: 'AccessDenied', status: 403 });
    assert.equal(
      (await failure(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'c', ...otherKey }))))
        .status,
      403,
    );
    // A key for an object stored without one is refused too.
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'plain', Body: 'plain' }));
    assert.equal((await failure(get('plain', ssec))).status, 400);
  });

  test('bucket default encryption: Put/Get/Delete, applied to writes asking for none', async () => {
    const none = await failure(s3.send(new GetBucketEncryptionCommand({ Bucket: bucket })));
    assert.deepEqual(none, { name: 'ServerSideEncryptionConfigurationNotFoundError', status: 404 });
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: bucket,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
      }),
    );
    const got = await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    const rule = got.ServerSideEncryptionConfiguration?.Rules?.[0];
    assert.equal(rule?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm, 'AES256');
    const put = await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'default', Body: 'by default' }),
    );
    assert.equal(put.ServerSideEncryption, 'AES256');
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'default' }));
    assert.equal(head.ServerSideEncryption, 'AES256');
    assert.equal((await get('default')).toString(), 'by default');
    await s3.send(new DeleteBucketEncryptionCommand({ Bucket: bucket }));
    const after = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'after', Body: 'x' }));
    assert.equal(after.ServerSideEncryption, undefined);
  });

  test('SSE-KMS: key IDs echoed on PUT/GET/HEAD, default key, unknown key 400, context 501', async () => {
    const plain = plaintext('SSE-KMS-PLAINTEXT-MARKER', 2 * packageBytes + 5);
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'kms',
        Body: plain,
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: 'alpha',
      }),
    );
    assert.equal(put.ServerSideEncryption, 'aws:kms');
    assert.equal(put.SSEKMSKeyId, 'alpha');
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'kms' }));
    assert.equal(head.ContentLength, plain.length);
    assert.equal(head.ServerSideEncryption, 'aws:kms');
    assert.equal(head.SSEKMSKeyId, 'alpha');
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'kms' }));
    assert.equal(got.SSEKMSKeyId, 'alpha');
    assert.deepEqual(await bodyBytes(got.Body), plain);
    await checkRanges('kms', plain);
    const byDefault = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'kms-default',
        Body: 'd',
        ServerSideEncryption: 'aws:kms',
      }),
    );
    assert.equal(byDefault.SSEKMSKeyId, 'beta');
    assert.equal((await get('kms-default')).toString(), 'd');
    const unknown = (extra: Record<string, string>) =>
      failure(
        s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: 'kms-x',
            Body: 'x',
            ServerSideEncryption: 'aws:kms',
            ...extra,
          }),
        ),
      );
    assert.deepEqual(await unknown({ SSEKMSKeyId: 'gamma' }), {
      name: 'KMS.NotFoundException',
      status: 400,
    });
    assert.deepEqual(await unknown({ SSEKMSEncryptionContext: 'e30=' }), {
      name: 'NotImplemented',
      status: 501,
    });
    const keyWithoutKms = await failure(
      s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: 'kms-x', Body: 'x', SSEKMSKeyId: 'alpha' }),
      ),
    );
    assert.deepEqual(keyWithoutKms, { name: 'InvalidArgument', status: 400 });
    // The key is the cluster config's: a key ID removed from it no longer opens its objects.
    await cluster.setConfig({ 's3.kms.keys': '["beta"]' });
    try {
      assert.deepEqual(await failure(get('kms')), { name: 'KMS.NotFoundException', status: 400 });
    } finally {
      await cluster.setConfig({ 's3.kms.keys': JSON.stringify(kmsKeys) });
    }
    assert.deepEqual(await get('kms'), plain);
  });

  test('SSE-KMS: copy, multipart and bucket default with a key ID', async () => {
    const plain = plaintext('KMS-COPY', packageBytes + 9);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'kms-src', Body: plain }));
    const copied = await s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: 'kms-copy',
        CopySource: `${bucket}/kms-src`,
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: 'alpha',
      }),
    );
    assert.equal(copied.SSEKMSKeyId, 'alpha');
    assert.deepEqual(await get('kms-copy'), plain);
    const created = await s3.send(
      new CreateMultipartUploadCommand({
        Bucket: bucket,
        Key: 'kms-multi',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: 'alpha',
      }),
    );
    assert.equal(created.SSEKMSKeyId, 'alpha');
    const upload = { Bucket: bucket, Key: 'kms-multi', UploadId: created.UploadId };
    const parts = [randomBytes(70 * kib), randomBytes(packageBytes), randomBytes(10 * kib)];
    const completed = [];
    for (const [index, body] of parts.entries()) {
      const part = await s3.send(
        new UploadPartCommand({ ...upload, PartNumber: index + 1, Body: body }),
      );
      assert.equal(part.SSEKMSKeyId, 'alpha');
      completed.push({ PartNumber: index + 1, ETag: part.ETag });
    }
    const done = await s3.send(
      new CompleteMultipartUploadCommand({ ...upload, MultipartUpload: { Parts: completed } }),
    );
    assert.equal(done.SSEKMSKeyId, 'alpha');
    assert.deepEqual(await get('kms-multi'), Buffer.concat(parts));
    await checkRanges('kms-multi', Buffer.concat(parts));
    const kmsDefault = (KMSMasterKeyID?: string) =>
      s3.send(
        new PutBucketEncryptionCommand({
          Bucket: bucket,
          ServerSideEncryptionConfiguration: {
            Rules: [
              { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID } },
            ],
          },
        }),
      );
    assert.deepEqual(await failure(kmsDefault('gamma')), {
      name: 'KMS.NotFoundException',
      status: 400,
    });
    await kmsDefault('alpha');
    try {
      const rule = (await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket })))
        .ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault;
      assert.deepEqual(rule, { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'alpha' });
      const put = await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: 'kms-bd', Body: 'bd' }),
      );
      assert.equal(put.SSEKMSKeyId, 'alpha');
      await kmsDefault();
      const put2 = await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: 'kms-bd2', Body: 'b' }),
      );
      assert.equal(put2.SSEKMSKeyId, 'beta');
      assert.equal((await get('kms-bd')).toString(), 'bd');
    } finally {
      await s3.send(new DeleteBucketEncryptionCommand({ Bucket: bucket }));
    }
  });

  test('copies: SSE-C source to SSE-S3 and back, the source key required', async () => {
    const plain = plaintext('COPY-MARKER', packageBytes + 3);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'copy-src', Body: plain, ...ssec }));
    const copySourceKey = {
      CopySourceSSECustomerAlgorithm: 'AES256',
      CopySourceSSECustomerKey: ssec.SSECustomerKey,
    };
    const missing = await failure(
      s3.send(
        new CopyObjectCommand({ Bucket: bucket, Key: 'copy-s3', CopySource: `${bucket}/copy-src` }),
      ),
    );
    assert.equal(missing.status, 400);
    const toS3 = await s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: 'copy-s3',
        CopySource: `${bucket}/copy-src`,
        ServerSideEncryption: 'AES256',
        ...copySourceKey,
      }),
    );
    assert.equal(toS3.ServerSideEncryption, 'AES256');
    assert.deepEqual(await get('copy-s3'), plain);
    const toC = await s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: 'copy-c',
        CopySource: `${bucket}/copy-s3`,
        ...otherKey,
      }),
    );
    assert.equal(toC.SSECustomerAlgorithm, 'AES256');
    assert.deepEqual(await get('copy-c', otherKey), plain);
    assert.equal((await failure(get('copy-c', ssec))).status, 403);
  });

  test('multipart SSE-C: parts need the key; ranges across parts; partNumber', async () => {
    const first = randomBytes(70 * kib);
    const second = randomBytes(packageBytes);
    const parts = [first, second, randomBytes(10 * kib)];
    const plain = Buffer.concat(parts);
    const created = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'multi', ...ssec }),
    );
    assert.equal(created.SSECustomerAlgorithm, 'AES256');
    const upload = { Bucket: bucket, Key: 'multi', UploadId: created.UploadId };
    const withoutKey = await failure(
      s3.send(new UploadPartCommand({ ...upload, PartNumber: 1, Body: first })),
    );
    assert.equal(withoutKey.status, 400);
    const completed = [];
    for (const [index, body] of parts.entries()) {
      const part = await s3.send(
        new UploadPartCommand({ ...upload, PartNumber: index + 1, Body: body, ...ssec }),
      );
      completed.push({ PartNumber: index + 1, ETag: part.ETag });
    }
    await s3.send(
      new CompleteMultipartUploadCommand({ ...upload, MultipartUpload: { Parts: completed } }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'multi', ...ssec }));
    assert.equal(head.ContentLength, plain.length);
    assert.deepEqual(await get('multi', ssec), plain);
    await checkRanges('multi', plain, ssec);
    const partTwo = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'multi', PartNumber: 2, ...ssec }),
    );
    assert.deepEqual(await bodyBytes(partTwo.Body), second);
  });

  test('native API: SSE-S3 decrypted, SSE-C refused; no plaintext on disk', async () => {
    const plain = plaintext('NATIVE-SSE-MARKER', packageBytes * 2);
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'native',
        Body: plain,
        ServerSideEncryption: 'AES256',
      }),
    );
    const url = `${cluster.primary.publicUrl}/v1/objects/${bucket}`;
    const native = await fetch(`${url}/native`);
    assert.equal(native.status, 200);
    assert.deepEqual(Buffer.from(await native.arrayBuffer()), plain);
    const ranged = await fetch(`${url}/native`, { headers: { range: 'bytes=65530-65600' } });
    assert.deepEqual(Buffer.from(await ranged.arrayBuffer()), plain.subarray(65_530, 65_601));
    const refused = await fetch(`${url}/c`);
    await refused.arrayBuffer();
    assert.equal(refused.status, 400);
    // The control: an unencrypted object's marker is found, so the scan would find the others.
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'control', Body: 'CONTROL-MARKER-IN-CLEAR' }),
    );
    const files = await storedFiles(cluster);
    const found = (marker: string) => files.some((file) => file.includes(marker));
    assert.ok(found('CONTROL-MARKER-IN-CLEAR'));
    for (const marker of [
      'SSE-S3-PLAINTEXT-MARKER',
      'SSE-C-PLAINTEXT-MARKER',
      'COPY-MARKER',
      'NATIVE-SSE-MARKER',
      'SSE-KMS-PLAINTEXT-MARKER',
    ])
      assert.ok(!found(marker), marker);
  });

  test('aws cli: cp with --sse AES256, --sse aws:kms and --sse-c', async () => {
    const configs = await writeClientConfigs(cluster.dir, cluster.primary.publicUrl);
    const source = join(cluster.dir, 'cli-plain.bin');
    const back = join(cluster.dir, 'cli-back.bin');
    const keyFile = join(cluster.dir, 'cli-key.bin');
    const plain = randomBytes(100 * kib);
    await writeFile(source, plain);
    await writeFile(keyFile, customerKey);
    const aws = (...args: string[]) =>
      run(awsProgram, ['--endpoint-url', cluster.primary.publicUrl, 's3', ...args], {
        env: configs.awsEnv,
        timeout: 120_000,
      });
    await aws('cp', source, `s3://${bucket}/cli-s3`, '--sse', 'AES256');
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'cli-s3' }));
    assert.equal(head.ServerSideEncryption, 'AES256');
    const ssecFlags = ['--sse-c', 'AES256', '--sse-c-key', `fileb://${keyFile}`];
    await aws('cp', source, `s3://${bucket}/cli-c`, ...ssecFlags);
    await aws('cp', `s3://${bucket}/cli-c`, back, ...ssecFlags);
    assert.deepEqual(await readFile(back), plain);
    await assert.rejects(aws('cp', `s3://${bucket}/cli-c`, back));
    await aws(
      'cp',
      source,
      `s3://${bucket}/cli-kms`,
      '--sse',
      'aws:kms',
      '--sse-kms-key-id',
      'alpha',
    );
    const kms = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'cli-kms' }));
    assert.equal(kms.SSEKMSKeyId, 'alpha');
    await aws('cp', `s3://${bucket}/cli-kms`, back);
    assert.deepEqual(await readFile(back), plain);
  });
});
