// copy-bck of 2,000 objects across 3 targets with a target killed (SIGKILL) mid-copy (issue 15):
// the job ends (it fails, or completes), and the destination never holds a corrupt object: after
// the killed target is back, every object the destination lists has the source's bytes and
// checksum, or the job failed and the bucket it created went again.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client, JobSnapshotsByNodeJson, JobStatusJson } from '../../src/sdk/index.js';
import type { BucketJson } from '../../src/wire/index.js';
import { putObjects } from '../harness/load.js';
import { TestCluster } from '../harness/test-cluster.js';
import { waitFor } from '../harness/wait.js';

const source: BucketJson = { name: 'kill-src', provider: 'ais' };
const destination: BucketJson = { name: 'kill-dst', provider: 'ais' };
const objectCount = 2000;

/** Objects the job's targets have written into the destination so far. */
function copied(snapshots: JobSnapshotsByNodeJson): number {
  return Object.values(snapshots)
    .flat()
    .reduce(
      (sum, snap) => sum + Number(snap.stats['loc-objs'] ?? 0) + Number(snap.stats['in-objs'] ?? 0),
      0,
    );
}

describe('copy-bck with a target killed mid-copy', () => {
  let cluster: TestCluster;
  let client: Client;
  const objects = new Map<string, Buffer>();

  before(async () => {
    ({ cluster, client } = await TestCluster.withBucket(
      {
        proxies: 1,
        targets: 3,
        mountpaths: 1,
        config: { 'keepalive.interval_ms': 500, 'keepalive.timeout_ms': 5000 },
      },
      source,
    ));
    await client.setBucketProps(source, { checksum: { type: 'sha256' } });
    const shape = { name: (i: number) => `k/${i}`, sizeBytes: (i: number) => 512 + (i % 3000) };
    await putObjects(client, source, objectCount, shape, objects);
  });
  after(() => cluster?.destroy());

  test('the job ends; the destination holds no corrupt object', async () => {
    // One object at a time on each target, so that the copy is still under way when one dies.
    const id = await client.jobs.copyBucket(source, destination, { 'num-workers': -1 });
    const victim = cluster.targets[2];
    assert.ok(victim !== undefined);
    await waitFor('the copy to be under way', 30_000, async () => {
      const snapshots = await client.jobs.snapshots({ id });
      return copied(snapshots) > 0;
    });
    await victim.stop('SIGKILL');
    // While the dead target is in the cluster map, asking for the job's status may fail (502).
    let status: JobStatusJson | undefined;
    await waitFor('the copy to end', 60_000, async () => {
      status = await client.jobs.status(id).catch(() => undefined);
      return status !== undefined && status.end_time !== 0;
    });
    assert.ok(status !== undefined);

    await victim.start();
    await cluster.waitForMembers();
    const buckets = (await client.listBuckets()).map((bucket) => bucket.name);
    if (status.err === '' && !status.aborted) {
      assert.ok(buckets.includes(destination.name), 'a completed copy keeps its bucket');
    }
    if (!buckets.includes(destination.name)) return;
    const listed: string[] = [];
    for await (const entry of client.listObjects(destination)) listed.push(entry.name);
    for (let i = 0; i < listed.length; i += 50) {
      await Promise.all(
        listed.slice(i, i + 50).map(async (name) => {
          const expected = objects.get(name);
          assert.ok(expected !== undefined, `${name} is not a source object`);
          const bytes = await client.getObjectBytes(destination, name);
          assert.ok(bytes.equals(expected), `${name}: bytes differ`);
          const [copy, original] = await Promise.all([
            client.headObject(destination, name),
            client.headObject(source, name),
          ]);
          assert.deepEqual(copy.checksum, original.checksum, `${name}: checksum`);
        }),
      );
    }
    const checked = listed.length;
    if (status.err === '' && !status.aborted) assert.equal(checked, objectCount);
  });
});
