// S3 bucket lifecycle against a real cluster (1 gateway, 2 targets) through the AWS SDK v3: the
// configuration (Put/Get/Delete) and AWS's validation errors, x-amz-expiration on PUT/HEAD/GET, and
// a lifecycle run under the test clock: the targets are restarted 3 days ahead
// (CAIRN_TEST_CLOCK_OFFSET_MS) and the on-demand `lifecycle` job expires current versions (a delete
// marker where versions are kept), noncurrent versions beyond NewerNoncurrentVersions, a delete
// marker left alone, and an abandoned upload, by prefix, tag and size; object lock keeps what it
// holds. A run at the real time first shows nothing is removed early.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketLifecycleCommand,
  DeleteObjectCommand,
  GetBucketLifecycleConfigurationCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectRetentionCommand,
  type LifecycleRule,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Client } from '../../src/sdk/index.js';
import { TestCluster } from '../harness/test-cluster.js';
import { failure, sdkClient } from '../harness/s3-setup.js';

const dayMs = 24 * 60 * 60 * 1000;
const plain = 'lc-plain';
const versioned = 'lc-versioned';
const locked = 'lc-locked';

/** S3's expiry: `days` after `fromMs`, at the next midnight UTC. */
function expiryOf(fromMs: number, days: number): number {
  return (Math.floor(fromMs / dayMs) + days + 1) * dayMs;
}

describe('S3 lifecycle', () => {
  let cluster: TestCluster;
  let client: Client;
  let s3: S3Client;

  const setRules = (bucket: string, rules: LifecycleRule[]) =>
    s3.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: bucket,
        LifecycleConfiguration: { Rules: rules },
      }),
    );
  const put = async (bucket: string, key: string, body: string, extra = {}) =>
    s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ...extra }));
  const versionsOf = async (bucket: string) => {
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    const versions = (listed.Versions ?? []).map((v) => `${v.Key}:${v.VersionId}`);
    const markers = (listed.DeleteMarkers ?? []).map((m) => `${m.Key}:${m.VersionId}:marker`);
    return [...versions, ...markers].sort();
  };
  const runLifecycle = async () => {
    const id = await client.jobs.start('lifecycle');
    const status = await client.jobs.wait(id, { timeoutMs: 120_000 });
    assert.equal(status.err, '', 'the lifecycle job succeeded');
    return id;
  };

  before(async () => {
    cluster = await TestCluster.start({
      proxies: 1,
      targets: 2,
      mountpaths: 1,
      config: { 'keepalive.interval_ms': 500 },
    });
    client = cluster.client(0);
    s3 = sdkClient(cluster.primary.publicUrl);
    await s3.send(new CreateBucketCommand({ Bucket: plain }));
    await s3.send(new CreateBucketCommand({ Bucket: versioned }));
    await s3.send(
      new PutBucketVersioningCommand({
        Bucket: versioned,
        VersioningConfiguration: { Status: 'Enabled' },
      }),
    );
    await s3.send(new CreateBucketCommand({ Bucket: locked, ObjectLockEnabledForBucket: true }));
  });
  after(async () => {
    delete process.env.CAIRN_TEST_CLOCK_OFFSET_MS;
    s3?.destroy();
    await cluster?.destroy();
  });

  test('the configuration round-trips; Delete removes it', async () => {
    const rules: LifecycleRule[] = [
      {
        ID: 'tmp',
        Status: 'Enabled',
        Filter: { Prefix: 'tmp/' },
        Expiration: { Days: 7 },
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 2 },
      },
      {
        ID: 'tagged-large',
        Status: 'Disabled',
        Filter: {
          And: {
            Prefix: 'logs/',
            Tags: [{ Key: 'class', Value: 'scratch' }],
            ObjectSizeGreaterThan: 100,
            ObjectSizeLessThan: 1000,
          },
        },
        Expiration: { Date: new Date('2030-01-01T00:00:00Z') },
      },
      {
        ID: 'history',
        Status: 'Enabled',
        Filter: {},
        NoncurrentVersionExpiration: { NoncurrentDays: 30, NewerNoncurrentVersions: 2 },
      },
      {
        ID: 'markers',
        Status: 'Enabled',
        Filter: { Prefix: '' },
        Expiration: { ExpiredObjectDeleteMarker: true },
      },
    ];
    await setRules(versioned, rules);
    const got = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: versioned }));
    assert.deepEqual(got.Rules, [
      rules[0],
      rules[1],
      { ...rules[2], Filter: { Prefix: '' } },
      rules[3],
    ]);
    // A native props reset (AIStore's reset-bprops) resets the native props and keeps the rules.
    await client.setBucketProps(
      { name: versioned, provider: 'ais' },
      { checksum: { type: 'md5' } },
    );
    const reset = await fetch(`${cluster.primary.publicUrl}/v1/buckets/${versioned}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'reset-bprops' }),
    });
    assert.equal(reset.status, 200, await reset.text());
    const props = await client.bucketProps({ name: versioned, provider: 'ais' });
    assert.equal(props.checksum.type, 'xxhash');
    const kept = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: versioned }));
    assert.deepEqual(kept.Rules, got.Rules);
    // A gateway other than the primary would answer the same: the rules are bucket metadata.
    await s3.send(new DeleteBucketLifecycleCommand({ Bucket: versioned }));
    assert.deepEqual(
      await failure(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: versioned }))),
      { name: 'NoSuchLifecycleConfiguration', status: 404 },
    );
    assert.deepEqual(
      await failure(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'absent' }))),
      { name: 'NoSuchBucket', status: 404 },
    );
  });

  test('AWS validation errors; Transition answers 501 naming it; nothing is stored', async () => {
    const expire = { Status: 'Enabled' as const, Filter: { Prefix: '' }, Expiration: { Days: 1 } };
    const cases: Array<[LifecycleRule[], string, number]> = [
      [
        [
          { ...expire, ID: 'a' },
          { ...expire, ID: 'a' },
        ],
        'InvalidArgument',
        400,
      ],
      [[{ ...expire, ID: 'x'.repeat(256) }], 'InvalidArgument', 400],
      [[{ ...expire, ID: 'zero', Expiration: { Days: 0 } }], 'InvalidArgument', 400],
      [
        [{ ...expire, ID: 'noon', Expiration: { Date: new Date('2030-01-01T12:00:00Z') } }],
        'InvalidArgument',
        400,
      ],
      [
        [{ ...expire, ID: 'both', Expiration: { Days: 1, ExpiredObjectDeleteMarker: true } }],
        'InvalidArgument',
        400,
      ],
      [
        [{ ...expire, ID: 'two', Filter: { Prefix: 'a', Tag: { Key: 'k', Value: 'v' } } }],
        'MalformedXML',
        400,
      ],
      [[{ ID: 'none', Status: 'Enabled', Filter: { Prefix: '' } }], 'MalformedXML', 400],
      [
        [{ ...expire, ID: 'nc', NoncurrentVersionExpiration: { NoncurrentDays: 0 } }],
        'InvalidArgument',
        400,
      ],
      [
        [
          {
            ID: 'abort-tag',
            Status: 'Enabled',
            Filter: { Tag: { Key: 'k', Value: 'v' } },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          },
        ],
        'InvalidRequest',
        400,
      ],
      [
        [{ ...expire, ID: 'cold', Transitions: [{ Days: 30, StorageClass: 'GLACIER' }] }],
        'NotImplemented',
        501,
      ],
    ];
    for (const [rules, name, status] of cases) {
      assert.deepEqual(await failure(setRules(plain, rules)), { name, status }, rules[0]?.ID);
    }
    assert.deepEqual(
      await failure(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: plain }))),
      { name: 'NoSuchLifecycleConfiguration', status: 404 },
    );
  });

  test('x-amz-expiration on PUT, HEAD and GET of what a rule expires', async () => {
    await setRules(plain, [
      { ID: 'tmp-rule', Status: 'Enabled', Filter: { Prefix: 'tmp/' }, Expiration: { Days: 1 } },
      {
        ID: 'small',
        Status: 'Enabled',
        Filter: { And: { Prefix: 'size/', ObjectSizeLessThan: 10 } },
        Expiration: { Days: 1 },
      },
      {
        ID: 'stale-uploads',
        Status: 'Enabled',
        Filter: { Prefix: 'up/' },
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
      },
    ]);
    const written = await put(plain, 'tmp/a', 'a');
    const head = await s3.send(new HeadObjectCommand({ Bucket: plain, Key: 'tmp/a' }));
    const modifiedMs = head.LastModified?.getTime() ?? 0;
    const expected = `expiry-date="${new Date(expiryOf(modifiedMs, 1)).toUTCString()}", rule-id="tmp-rule"`;
    assert.equal(written.Expiration, expected);
    assert.equal(head.Expiration, expected);
    const got = await s3.send(new GetObjectCommand({ Bucket: plain, Key: 'tmp/a' }));
    await got.Body?.transformToString();
    assert.equal(got.Expiration, expected);
    assert.equal((await put(plain, 'keep/b', 'b')).Expiration, undefined);
    assert.match((await put(plain, 'size/small', 'tiny')).Expiration ?? '', /rule-id="small"/);
    assert.equal((await put(plain, 'size/large', 'x'.repeat(100))).Expiration, undefined);
  });

  test('a run under the test clock expires what the rules say, through the delete path', async () => {
    // plain (no versions kept): tmp/a, size/small expire; keep/b, size/large stay; the upload goes.
    await s3.send(new CreateMultipartUploadCommand({ Bucket: plain, Key: 'up/stale' }));
    // versioned: doc keeps its newest noncurrent version; gone loses its version, then its marker;
    // tagged/x (tag match) gets a delete marker, tagged/y stays.
    await setRules(versioned, [
      {
        ID: 'doc-history',
        Status: 'Enabled',
        Filter: { Prefix: 'doc' },
        NoncurrentVersionExpiration: { NoncurrentDays: 1, NewerNoncurrentVersions: 1 },
      },
      {
        ID: 'gone-history',
        Status: 'Enabled',
        Filter: { Prefix: 'gone' },
        NoncurrentVersionExpiration: { NoncurrentDays: 1 },
      },
      {
        ID: 'markers',
        Status: 'Enabled',
        Filter: { Prefix: 'gone' },
        Expiration: { ExpiredObjectDeleteMarker: true },
      },
      {
        ID: 'scratch',
        Status: 'Enabled',
        Filter: { And: { Prefix: 'tagged/', Tags: [{ Key: 'class', Value: 'scratch' }] } },
        Expiration: { Days: 1 },
      },
    ]);
    const doc = [];
    for (const body of ['1', '2', '3']) doc.push((await put(versioned, 'doc', body)).VersionId);
    const gone = (await put(versioned, 'gone', 'g')).VersionId;
    await s3.send(new DeleteObjectCommand({ Bucket: versioned, Key: 'gone' }));
    await put(versioned, 'tagged/x', 'x', { Tagging: 'class=scratch' });
    await put(versioned, 'tagged/y', 'y', { Tagging: 'class=keep' });
    // locked: the old version is under GOVERNANCE retention for 30 days, so it stays.
    await setRules(locked, [
      {
        ID: 'locked-history',
        Status: 'Enabled',
        Filter: {},
        NoncurrentVersionExpiration: { NoncurrentDays: 1 },
      },
    ]);
    const held = (
      await put(locked, 'held', 'v1', {
        ObjectLockMode: 'GOVERNANCE',
        ObjectLockRetainUntilDate: new Date(Date.now() + 30 * dayMs),
      })
    ).VersionId;
    const free = (await put(locked, 'held', 'v2')).VersionId;
    await put(locked, 'held', 'v3');

    const before = {
      plain: await versionsOf(plain),
      versioned: await versionsOf(versioned),
      locked: await versionsOf(locked),
    };
    // At the real time nothing is due.
    await runLifecycle();
    assert.deepEqual(await versionsOf(plain), before.plain);
    assert.deepEqual(await versionsOf(versioned), before.versioned);
    assert.deepEqual(await versionsOf(locked), before.locked);

    process.env.CAIRN_TEST_CLOCK_OFFSET_MS = String(3 * dayMs);
    for (const target of cluster.targets) await target.restart();
    await cluster.waitForMembers(60_000);
    const id = await runLifecycle();

    const plainNow = await versionsOf(plain);
    assert.deepEqual(plainNow, ['keep/b:null', 'size/large:null']);
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: plain }));
    assert.deepEqual(uploads.Uploads ?? [], []);

    const versionedNow = await versionsOf(versioned);
    assert.ok(versionedNow.includes(`doc:${doc[2]}`) && versionedNow.includes(`doc:${doc[1]}`));
    assert.ok(!versionedNow.includes(`doc:${doc[0]}`), 'the oldest doc version expired');
    assert.ok(!versionedNow.some((entry) => entry.startsWith('gone:')), `gone: ${gone}`);
    assert.equal(
      versionedNow.filter((e) => e.startsWith('tagged/x:') && e.endsWith(':marker')).length,
      1,
    );
    assert.equal(versionedNow.filter((e) => e.startsWith('tagged/y:')).length, 1);
    assert.deepEqual(
      await failure(s3.send(new HeadObjectCommand({ Bucket: versioned, Key: 'tagged/x' }))),
      { name: 'NotFound', status: 404 },
    );

    const lockedNow = await versionsOf(locked);
    assert.ok(lockedNow.includes(`held:${held}`), 'the version under retention stays');
    assert.ok(!lockedNow.includes(`held:${free}`), 'the unlocked noncurrent version expired');
    const snapshots = Object.values(await client.jobs.snapshots({ id })).flat();
    const stat = (name: string) =>
      snapshots.reduce((sum, snapshot) => sum + Number(snapshot.stats[name] ?? 0), 0);
    assert.equal(stat('lifecycle-locked-kept'), 1);
    assert.equal(stat('lifecycle-uploads-aborted'), 1);
    assert.equal(stat('lifecycle-delete-markers-removed'), 1);
  });

  test("a retain-until date is checked against the targets' clock, which runs 3 days ahead", async () => {
    const ahead = String(3 * dayMs);
    if (process.env.CAIRN_TEST_CLOCK_OFFSET_MS !== ahead) {
      process.env.CAIRN_TEST_CLOCK_OFFSET_MS = ahead;
      for (const target of cluster.targets) await target.restart();
      await cluster.waitForMembers(60_000);
    }
    // Tomorrow by the system clock is two days ago on the targets that store and enforce it.
    const tomorrow = new Date(Date.now() + dayMs);
    assert.deepEqual(
      await failure(
        put(locked, 'dated', 'v1', {
          ObjectLockMode: 'GOVERNANCE',
          ObjectLockRetainUntilDate: tomorrow,
        }),
      ),
      { name: 'InvalidArgument', status: 400 },
    );
    const stored = await put(locked, 'dated', 'v1', {
      ObjectLockMode: 'GOVERNANCE',
      ObjectLockRetainUntilDate: new Date(Date.now() + 5 * dayMs),
    });
    assert.deepEqual(
      await failure(
        s3.send(
          new PutObjectRetentionCommand({
            Bucket: locked,
            Key: 'dated',
            VersionId: stored.VersionId,
            BypassGovernanceRetention: true,
            Retention: { Mode: 'GOVERNANCE', RetainUntilDate: tomorrow },
          }),
        ),
      ),
      { name: 'InvalidArgument', status: 400 },
    );
  });
});
