// A lifecycle expiry that fails while a target is away takes its tombstone back
// (docs/elastic-cluster.md, Deletes while a target is away): a tombstone left for a delete that did
// not happen would make the returning target drop a live object. The stand-in is an in-process
// target with a clock of the test's (moved 3 days ahead for the lifecycle run) and a disk that
// refuses the removals (EACCES); afterwards it owes the away target no tombstone and still serves
// every object. Every due object is tried (one that cannot be removed does not stop the run), and
// the job reports the failures.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PutBucketLifecycleConfigurationCommand } from '@aws-sdk/client-s3';
import { PlacementMap, type BucketJson, type Client } from '../../src/sdk/index.js';
import { FaultyDisk } from '../harness/faulty-disk.js';
import { JoinedTargets, type InProcessTarget } from '../harness/in-process-target.js';
import { fetchClusterMap } from '../harness/placement.js';
import { sdkClient } from '../harness/s3-setup.js';
import { TestCluster } from '../harness/test-cluster.js';
import { waitForRebalanceAfter } from './protection-helpers.js';

const bucket: BucketJson = { name: 'expiring', provider: 'ais' };
const names = Array.from({ length: 24 }, (_, index) => `k-${index}`);
const dayMs = 24 * 60 * 60 * 1000;

describe('a lifecycle expiry that fails while a target is away', () => {
  let cluster: TestCluster;
  let client: Client;
  let joined: JoinedTargets | undefined;
  let standIn: InProcessTarget;
  const disk = new FaultyDisk();
  let offsetMs = 0;
  const clock = { nowMs: () => Date.now() + offsetMs };

  before(async () => {
    cluster = await TestCluster.start({
      proxies: 1,
      targets: 2,
      mountpaths: 1,
      config: { 'keepalive.interval_ms': 500, 'keepalive.timeout_ms': 4_000 },
    });
    joined = await JoinedTargets.start(
      cluster.primary.publicUrl,
      'lifecycle-away',
      [disk],
      () => cluster.waitForTargetCount(3, 30_000),
      clock,
    );
    standIn = joined.targets[0] as InProcessTarget;
    client = cluster.client(0);
    await client.createBucket(bucket);
  });
  after(async () => {
    await joined?.stop();
    await cluster?.destroy();
  });

  /** The tombstones the stand-in owes `targetId`, by object uname. */
  async function owedTo(targetId: string): Promise<string[]> {
    const map = await fetchClusterMap(cluster.primary.publicUrl);
    const url = map.tmap[standIn.id]?.intra_control_net.direct_url;
    assert.ok(url !== undefined);
    const response = await fetch(`${url}/v1/rebalance/tombstones?target=${targetId}`);
    assert.equal(response.status, 200);
    const { tombstones } = (await response.json()) as { tombstones: Array<{ uname: string }> };
    return tombstones.map((tombstone) => tombstone.uname);
  }

  test('no tombstone is left, and the objects stay; a later expiry that works leaves them', async () => {
    const away = cluster.targets[0];
    assert.ok(away !== undefined);
    const rmdBefore = (await client.cluster.rebalanceMetadata())?.version ?? 0;
    await away.stop('SIGKILL');
    await cluster.waitForTargetCount(2, 30_000);
    await waitForRebalanceAfter(client, rmdBefore);
    for (const name of names) await client.putObject(bucket, name, Buffer.from(`live ${name}`));
    const s3 = sdkClient(cluster.primary.publicUrl);
    await s3.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: bucket.name,
        LifecycleConfiguration: {
          Rules: [
            { ID: 'all', Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { Days: 1 } },
          ],
        },
      }),
    );
    s3.destroy();

    // The stand-in is 3 days ahead (its objects expired) and cannot remove a file.
    offsetMs = 3 * dayMs;
    const refused = disk.inject({
      operations: ['unlink', 'rename'],
      path: join(standIn.mountpaths[0] ?? '', '@ais', bucket.name, '%ob'),
      fault: { error: 'EACCES' },
    });
    const failedJob = await client.jobs.start('lifecycle').catch((error: unknown) => {
      refused.remove();
      throw error;
    });
    try {
      await client.jobs.wait(failedJob, { timeoutMs: 60_000 }).catch(() => undefined);
    } finally {
      refused.remove();
      offsetMs = 0;
    }
    assert.ok(refused.fired > 0, 'the stand-in tried to expire its objects');
    const placement = new PlacementMap(await fetchClusterMap(cluster.primary.publicUrl));
    const owned = names.filter((name) => placement.owner(bucket, name)?.daemon_id === standIn.id);
    assert.ok(owned.length > 1, `the stand-in owns ${owned.length} of the objects`);
    const snapshot = (await client.jobs.snapshots({ id: failedJob }))[standIn.id]?.[0];
    assert.equal(snapshot?.stats['lifecycle-errors'], String(owned.length), 'each object tried');
    assert.match(snapshot?.err ?? '', new RegExp(`${owned.length} lifecycle action\\(s\\) failed`));
    assert.deepEqual(await owedTo(away.id), [], 'tombstones of deletes that failed');
    for (const name of names)
      assert.equal((await client.getObjectBytes(bucket, name)).toString(), `live ${name}`);

    // The same run with a working disk deletes, and leaves the tombstones the away target is owed.
    offsetMs = 3 * dayMs;
    try {
      const job = await client.jobs.start('lifecycle');
      await client.jobs.wait(job, { timeoutMs: 60_000 });
    } finally {
      offsetMs = 0;
    }
    assert.notDeepEqual(await owedTo(away.id), [], 'tombstones of the expiries that happened');
  });
});
