// copy-bck of 2,000 objects across 3 targets with a target killed (SIGKILL) mid-copy (issue 15):
// the job ends (it fails, or completes), and the destination never holds a corrupt object: after
// the killed target is back, every object the destination lists has the source's bytes and
// checksum, or the job failed and the bucket it created went again.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client, JobSnapshotsByNodeJson, JobStatusJson } from '../../src/sdk/index.js';
import type { BucketJson, ListEntryJson } from '../../src/wire/index.js';
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
        // The dead target leaves the map (and the job ends) 3 s after it stops answering; no
        // fsync, so the 2,000 PUTs and copies cost what the test needs and no more.
        config: {
          'keepalive.interval_ms': 500,
          'keepalive.timeout_ms': 3000,
          'storage.fsync_objects': false,
        },
      },
      source,
    ));
    await client.setBucketProps(source, { checksum: { type: 'sha256' } });
    const shape = { name: (i: number) => `k/${i}`, sizeBytes: (i: number) => 256 + (i % 1024) };
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
    // Checksums from the listings (one per bucket) rather than two HEADs per object.
    assert.equal((await client.bucketProps(destination)).checksum.type, 'sha256');
    const sourceChecksums = new Map<string, string | undefined>();
    const withChecksums = { props: 'name,checksum' };
    for await (const entry of client.listObjects(source, withChecksums))
      sourceChecksums.set(entry.name, entry.checksum);
    const listed: ListEntryJson[] = [];
    for await (const entry of client.listObjects(destination, withChecksums)) listed.push(entry);
    for (let i = 0; i < listed.length; i += 100) {
      await Promise.all(
        listed.slice(i, i + 100).map(async ({ name, checksum }) => {
          const expected = objects.get(name);
          assert.ok(expected !== undefined, `${name} is not a source object`);
          assert.ok(checksum !== undefined && checksum !== '', `${name}: no checksum listed`);
          assert.equal(checksum, sourceChecksums.get(name), `${name}: checksum`);
          const bytes = await client.getObjectBytes(destination, name);
          assert.ok(bytes.equals(expected), `${name}: bytes differ`);
        }),
      );
    }
    const checked = listed.length;
    if (status.err === '' && !status.aborted) assert.equal(checked, objectCount);
  });
});
