// S3 object lock against a real cluster (1 gateway, 3 targets) through the AWS SDK v3 and the aws
// cli: lock-enabled buckets (versioned, cannot be suspended), the bucket configuration and its
// validation, per-version retention (GOVERNANCE, COMPLIANCE) and legal hold from headers, defaults
// and the retention/legal-hold calls, deletes of locked versions refused (single and batch) unless
// the governance bypass applies, multipart uploads, and a locked version that stays locked after a
// rebalance and after an EC restore.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectLegalHoldCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  HeadObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectLockConfigurationCommand,
  PutObjectRetentionCommand,
  UploadPartCommand,
  type ObjectLockRetentionMode,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Client } from '../../src/sdk/index.js';
import { findFiles } from '../harness/disk.js';
import { TestCluster } from '../harness/test-cluster.js';
import { failure, sdkClient, writeClientConfigs } from '../harness/s3-setup.js';

const run = promisify(execFile);
const awsProgram = existsSync('/usr/bin/aws') ? '/usr/bin/aws' : 'aws';
const dayMs = 24 * 60 * 60 * 1000;
const locked = 'locked';
const plain = 'plain';

describe('S3 object lock', () => {
  let cluster: TestCluster;
  let client: Client;
  let s3: S3Client;

  const put = async (bucket: string, key: string, extra: Record<string, unknown> = {}) =>
    (await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key, ...extra })))
      .VersionId ?? '';
  const deleteVersion = (key: string, versionId: string, bypass = false) =>
    s3.send(
      new DeleteObjectCommand({
        Bucket: locked,
        Key: key,
        VersionId: versionId,
        ...(bypass ? { BypassGovernanceRetention: true } : {}),
      }),
    );
  const retain = (
    key: string,
    versionId: string,
    mode: ObjectLockRetentionMode,
    untilMs: number,
    bypass = false,
  ) =>
    s3.send(
      new PutObjectRetentionCommand({
        Bucket: locked,
        Key: key,
        VersionId: versionId,
        Retention: { Mode: mode, RetainUntilDate: new Date(untilMs) },
        ...(bypass ? { BypassGovernanceRetention: true } : {}),
      }),
    );
  const denied = { name: 'AccessDenied', status: 403 };

  before(async () => {
    cluster = await TestCluster.start({
      proxies: 1,
      targets: 3,
      mountpaths: 1,
      config: { 'keepalive.interval_ms': 500 },
    });
    client = cluster.client(0);
    s3 = sdkClient(cluster.primary.publicUrl);
    await s3.send(new CreateBucketCommand({ Bucket: locked, ObjectLockEnabledForBucket: true }));
    await s3.send(new CreateBucketCommand({ Bucket: plain }));
  });
  after(async () => {
    s3?.destroy();
    await cluster?.destroy();
  });

  test('a lock-enabled bucket is versioned for good; the configuration and its errors', async () => {
    const versioning = await s3.send(new GetBucketVersioningCommand({ Bucket: locked }));
    assert.equal(versioning.Status, 'Enabled');
    const config = await s3.send(new GetObjectLockConfigurationCommand({ Bucket: locked }));
    assert.deepEqual(config.ObjectLockConfiguration, { ObjectLockEnabled: 'Enabled' });
    assert.deepEqual(
      await failure(
        s3.send(
          new PutBucketVersioningCommand({
            Bucket: locked,
            VersioningConfiguration: { Status: 'Suspended' },
          }),
        ),
      ),
      { name: 'InvalidBucketState', status: 409 },
    );
    assert.deepEqual(
      await failure(s3.send(new GetObjectLockConfigurationCommand({ Bucket: plain }))),
      { name: 'ObjectLockConfigurationNotFoundError', status: 404 },
    );
    const configure = (bucket: string, rule: Record<string, unknown> | undefined) =>
      s3.send(
        new PutObjectLockConfigurationCommand({
          Bucket: bucket,
          ObjectLockConfiguration: {
            ObjectLockEnabled: 'Enabled',
            ...(rule === undefined ? {} : { Rule: { DefaultRetention: rule } }),
          },
        }),
      );
    // Object lock on an existing bucket needs versioning Enabled.
    assert.deepEqual(await failure(configure(plain, undefined)), {
      name: 'InvalidBucketState',
      status: 409,
    });
    assert.deepEqual(await failure(configure(locked, { Mode: 'GOVERNANCE', Days: 0 })), {
      name: 'InvalidArgument',
      status: 400,
    });
    assert.deepEqual(await failure(configure(locked, { Mode: 'GOVERNANCE', Days: 1, Years: 1 })), {
      name: 'MalformedXML',
      status: 400,
    });
    assert.deepEqual(await failure(configure(locked, { Mode: 'FOREVER', Days: 1 })), {
      name: 'MalformedXML',
      status: 400,
    });
    // Lock headers and calls on a bucket without object lock.
    assert.deepEqual(await failure(put(plain, 'x', { ObjectLockLegalHoldStatus: 'ON' })), {
      name: 'InvalidRequest',
      status: 400,
    });
    await put(plain, 'x');
    assert.deepEqual(
      await failure(
        s3.send(
          new PutObjectLegalHoldCommand({ Bucket: plain, Key: 'x', LegalHold: { Status: 'ON' } }),
        ),
      ),
      { name: 'InvalidRequest', status: 400 },
    );
    // Header validation: mode and date together, the date in the future.
    assert.deepEqual(await failure(put(locked, 'x', { ObjectLockMode: 'GOVERNANCE' })), {
      name: 'InvalidArgument',
      status: 400,
    });
    assert.deepEqual(
      await failure(
        put(locked, 'x', {
          ObjectLockMode: 'GOVERNANCE',
          ObjectLockRetainUntilDate: new Date(Date.now() - dayMs),
        }),
      ),
      { name: 'InvalidArgument', status: 400 },
    );
    // The default retention applies to new versions, and reads back.
    await configure(locked, { Mode: 'GOVERNANCE', Days: 1 });
    const withDefault = await s3.send(new GetObjectLockConfigurationCommand({ Bucket: locked }));
    assert.deepEqual(withDefault.ObjectLockConfiguration?.Rule?.DefaultRetention, {
      Mode: 'GOVERNANCE',
      Days: 1,
    });
  });

  test('GOVERNANCE: deletes by version refused unless bypassed; delete markers allowed', async () => {
    const versionId = await put(locked, 'governed');
    const head = await s3.send(new HeadObjectCommand({ Bucket: locked, Key: 'governed' }));
    assert.equal(head.ObjectLockMode, 'GOVERNANCE');
    const until = head.ObjectLockRetainUntilDate?.getTime() ?? 0;
    assert.ok(Math.abs(until - (Date.now() + dayMs)) < 10 * 60_000, `retain until ${until}`);
    assert.deepEqual(await failure(deleteVersion('governed', versionId)), denied);
    // Shortening GOVERNANCE needs the bypass too; extending does not.
    assert.deepEqual(
      await failure(retain('governed', versionId, 'GOVERNANCE', until - 1000)),
      denied,
    );
    await retain('governed', versionId, 'GOVERNANCE', until + dayMs);
    const retention = await s3.send(
      new GetObjectRetentionCommand({ Bucket: locked, Key: 'governed', VersionId: versionId }),
    );
    assert.equal(retention.Retention?.Mode, 'GOVERNANCE');
    assert.equal(retention.Retention?.RetainUntilDate?.getTime(), until + dayMs);
    // A delete without a version ID adds a delete marker: nothing is destroyed.
    const marker = await s3.send(new DeleteObjectCommand({ Bucket: locked, Key: 'governed' }));
    assert.equal(marker.DeleteMarker, true);
    const batch = await s3.send(
      new DeleteObjectsCommand({
        Bucket: locked,
        Delete: { Objects: [{ Key: 'governed', VersionId: versionId }] },
      }),
    );
    assert.equal(batch.Errors?.[0]?.Code, 'AccessDenied');
    const bypassed = await s3.send(
      new DeleteObjectsCommand({
        Bucket: locked,
        Delete: { Objects: [{ Key: 'governed', VersionId: versionId }] },
        BypassGovernanceRetention: true,
      }),
    );
    assert.deepEqual(bypassed.Errors ?? [], []);
    assert.deepEqual(
      await failure(
        s3.send(new GetObjectCommand({ Bucket: locked, Key: 'governed', VersionId: versionId })),
      ),
      { name: 'NoSuchVersion', status: 404 },
    );
  });

  test('COMPLIANCE and legal hold: nobody deletes, the retention only grows', async () => {
    const untilMs = Date.now() + 2 * dayMs;
    const versionId = await put(locked, 'compliant', {
      ObjectLockMode: 'COMPLIANCE',
      ObjectLockRetainUntilDate: new Date(untilMs),
    });
    assert.deepEqual(await failure(deleteVersion('compliant', versionId, true)), denied);
    assert.deepEqual(
      await failure(retain('compliant', versionId, 'GOVERNANCE', untilMs + dayMs, true)),
      denied,
    );
    assert.deepEqual(
      await failure(retain('compliant', versionId, 'COMPLIANCE', untilMs - dayMs, true)),
      denied,
    );
    await retain('compliant', versionId, 'COMPLIANCE', untilMs + dayMs);

    // Legal hold: on a version without retention (GOVERNANCE removed with the bypass).
    const held = await put(locked, 'held', { ObjectLockLegalHoldStatus: 'ON' });
    const hold = () =>
      s3.send(new GetObjectLegalHoldCommand({ Bucket: locked, Key: 'held', VersionId: held }));
    assert.equal((await hold()).LegalHold?.Status, 'ON');
    await s3.send(
      new PutObjectRetentionCommand({
        Bucket: locked,
        Key: 'held',
        VersionId: held,
        Retention: {},
        BypassGovernanceRetention: true,
      }),
    );
    assert.deepEqual(
      await failure(
        s3.send(new GetObjectRetentionCommand({ Bucket: locked, Key: 'held', VersionId: held })),
      ),
      { name: 'NoSuchObjectLockConfiguration', status: 404 },
    );
    assert.deepEqual(await failure(deleteVersion('held', held, true)), denied);
    await s3.send(
      new PutObjectLegalHoldCommand({
        Bucket: locked,
        Key: 'held',
        VersionId: held,
        LegalHold: { Status: 'OFF' },
      }),
    );
    assert.equal((await hold()).LegalHold?.Status, 'OFF');
    await deleteVersion('held', held);

    // A copy gets what it asks for (or the default), never the source's lock.
    await s3.send(
      new CopyObjectCommand({
        Bucket: locked,
        Key: 'copied',
        CopySource: `${locked}/compliant`,
        ObjectLockLegalHoldStatus: 'ON',
      }),
    );
    const copied = await s3.send(new HeadObjectCommand({ Bucket: locked, Key: 'copied' }));
    assert.equal(copied.ObjectLockLegalHoldStatus, 'ON');
    assert.equal(copied.ObjectLockMode, 'GOVERNANCE');
  });

  test('the native API cannot undo object lock: props stay, a bucket with versions stays', async () => {
    const bucket = { name: locked, provider: 'ais' };
    await assert.rejects(
      client.setBucketProps(bucket, { versioning: { history: 'suspended' } }),
      (error: Error & { status?: number }) => error.status === 400,
    );
    await assert.rejects(
      client.setBucketProps(bucket, {
        object_lock: { enabled: false, mode: '', days: 0, years: 0 },
      }),
      (error: Error & { status?: number }) => error.status === 400,
    );
    await assert.rejects(
      client.destroyBucket(bucket),
      (error: Error & { status?: number }) => error.status === 409,
    );
    const props = await client.bucketProps(bucket);
    assert.equal(props.object_lock?.enabled, true);
    assert.equal(props.versioning.history, 'enabled');
  });

  test('multipart uploads: the lock asked for at creation, else the default at completion', async () => {
    const upload = async (key: string, extra: Record<string, unknown>) => {
      const { UploadId } = await s3.send(
        new CreateMultipartUploadCommand({ Bucket: locked, Key: key, ...extra }),
      );
      const part = await s3.send(
        new UploadPartCommand({
          Bucket: locked,
          Key: key,
          UploadId,
          PartNumber: 1,
          Body: Buffer.alloc(1000, 7),
        }),
      );
      const done = await s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: locked,
          Key: key,
          UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag ?? '' }] },
        }),
      );
      return s3.send(
        new HeadObjectCommand({ Bucket: locked, Key: key, VersionId: done.VersionId ?? '' }),
      );
    };
    const untilMs = Date.now() + 5 * dayMs;
    const asked = await upload('mpu-asked', {
      ObjectLockMode: 'COMPLIANCE',
      ObjectLockRetainUntilDate: new Date(untilMs),
      ObjectLockLegalHoldStatus: 'ON',
    });
    assert.equal(asked.ObjectLockMode, 'COMPLIANCE');
    assert.equal(asked.ObjectLockRetainUntilDate?.getTime(), untilMs);
    assert.equal(asked.ObjectLockLegalHoldStatus, 'ON');
    assert.deepEqual(
      await failure(deleteVersion('mpu-asked', asked.VersionId ?? '', true)),
      denied,
    );
    const defaulted = await upload('mpu-default', {});
    assert.equal(defaulted.ObjectLockMode, 'GOVERNANCE');
    assert.equal(defaulted.ObjectLockLegalHoldStatus, undefined);
    assert.deepEqual(
      await failure(
        s3.send(
          new CreateMultipartUploadCommand({
            Bucket: plain,
            Key: 'x',
            ObjectLockLegalHoldStatus: 'ON',
          }),
        ),
      ),
      { name: 'InvalidRequest', status: 400 },
    );
  });

  test('aws cli: get-object-lock-configuration, get-object-retention, put-object-legal-hold', async () => {
    const configs = await writeClientConfigs(cluster.dir, cluster.primary.publicUrl);
    const aws = async (...args: string[]) =>
      JSON.parse(
        (
          await run(awsProgram, ['--endpoint-url', cluster.primary.publicUrl, 's3api', ...args], {
            env: configs.awsEnv,
            timeout: 120_000,
          })
        ).stdout || '{}',
      ) as Record<string, Record<string, unknown>>;
    const config = await aws('get-object-lock-configuration', '--bucket', locked);
    assert.equal(config.ObjectLockConfiguration?.ObjectLockEnabled, 'Enabled');
    const retention = await aws('get-object-retention', '--bucket', locked, '--key', 'compliant');
    assert.equal(retention.Retention?.Mode, 'COMPLIANCE');
    await aws(
      'put-object-legal-hold',
      '--bucket',
      locked,
      '--key',
      'compliant',
      '--legal-hold',
      'Status=ON',
    );
    const hold = await aws('get-object-legal-hold', '--bucket', locked, '--key', 'compliant');
    assert.equal(hold.LegalHold?.Status, 'ON');
  });

  test('a locked version stays locked after a rebalance (a target joins)', async () => {
    // 3 targets become 4: each key moves with chance 1/4, so with 40 keys none moving is ~1e-5
    // (with 12 it was 3%, and the test failed once that way).
    const keys = Array.from({ length: 40 }, (_, index) => `moved-${index}`);
    const versions = new Map<string, string>();
    for (const key of keys) {
      versions.set(
        key,
        await put(locked, key, {
          ObjectLockMode: 'COMPLIANCE',
          ObjectLockRetainUntilDate: new Date(Date.now() + 3 * dayMs),
          ObjectLockLegalHoldStatus: 'ON',
        }),
      );
    }
    const before = new Map<string, number>();
    for (const key of keys) {
      const head = await s3.send(new HeadObjectCommand({ Bucket: locked, Key: key }));
      before.set(key, head.ObjectLockRetainUntilDate?.getTime() ?? 0);
    }
    const previous = (await client.cluster.rebalanceMetadata())?.version ?? 0;
    const joined = await cluster.addTarget();
    await cluster.waitForMembers(60_000);
    // The join's own rebalance, not an earlier one that already ended.
    let rmd = await client.cluster.rebalanceMetadata();
    for (let attempt = 0; attempt < 300 && (rmd?.version ?? 0) <= previous; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      rmd = await client.cluster.rebalanceMetadata();
    }
    assert.ok(rmd !== undefined && rmd.version > previous, 'a rebalance started');
    assert.equal((await client.jobs.wait(`g${rmd.version}`, { timeoutMs: 120_000 })).err, '');
    const moved = (
      await Promise.all(joined.spec.mountpaths.map((mountpath) => findFiles(mountpath, '%ob')))
    )
      .flat()
      .filter((path) => path.includes(`/${locked}/`) && path.includes('moved-'));
    assert.ok(moved.length > 0, 'some locked objects moved to the new target');
    for (const key of keys) {
      const versionId = versions.get(key) ?? '';
      const head = await s3.send(
        new HeadObjectCommand({ Bucket: locked, Key: key, VersionId: versionId }),
      );
      assert.equal(head.ObjectLockMode, 'COMPLIANCE', key);
      assert.equal(head.ObjectLockRetainUntilDate?.getTime(), before.get(key), key);
      assert.equal(head.ObjectLockLegalHoldStatus, 'ON', key);
      assert.deepEqual(await failure(deleteVersion(key, versionId, true)), denied, key);
    }
  });

  test('a locked version restored from its EC slices keeps its lock', async () => {
    const bucket = 'locked-ec';
    await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
    await client.setBucketProps(
      { name: bucket, provider: 'ais' },
      { ec: { enabled: true, data_slices: 1, parity_slices: 1, objsize_limit: 1024 } },
    );
    const untilMs = Date.now() + 4 * dayMs;
    const { VersionId } = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'encoded',
        Body: Buffer.alloc(40_000, 3),
        ObjectLockMode: 'COMPLIANCE',
        ObjectLockRetainUntilDate: new Date(untilMs),
      }),
    );
    const replicas = (
      await Promise.all(
        cluster.targets.flatMap((node) =>
          node.spec.mountpaths.map((mountpath) => findFiles(mountpath, '%ob')),
        ),
      )
    )
      .flat()
      .filter((path) => path.includes(`/${bucket}/`) && path.endsWith('/encoded'));
    assert.ok(replicas.length > 0, 'the object is stored');
    for (const path of replicas) await rm(path);
    const restored = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'encoded' }));
    assert.equal((await restored.Body?.transformToByteArray())?.length, 40_000);
    assert.equal(restored.ObjectLockMode, 'COMPLIANCE');
    assert.equal(restored.ObjectLockRetainUntilDate?.getTime(), untilMs);
    assert.deepEqual(
      await failure(
        s3.send(
          new DeleteObjectCommand({
            Bucket: bucket,
            Key: 'encoded',
            VersionId,
            BypassGovernanceRetention: true,
          }),
        ),
      ),
      denied,
    );
  });
});
