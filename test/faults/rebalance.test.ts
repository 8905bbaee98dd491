// Global rebalance on a real cluster (3 gateways, 4 targets): a target joins under a steady PUT/GET
// load (no failed GET, about 1/(N+1) of the objects move, all land where HRW says), and a target
// killed with SIGKILL in the middle of a rebalance resumes it after a restart.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client, JobSnapshotJson, JobSnapshotsByNodeJson } from '../../src/sdk/index.js';
import { putObjects, SteadyLoad, verifyObjects } from '../harness/load.js';
import { checkPlacement, fetchClusterMap } from '../harness/placement.js';
import { faultClusterOptions, TestCluster } from '../harness/test-cluster.js';
import { waitFor } from '../harness/wait.js';

const bucket = { name: 'elastic', provider: 'ais' };
const initialObjects = 2000;

function sum(snapshots: JobSnapshotsByNodeJson, key: 'out-objs' | 'in-objs'): number {
  return Object.values(snapshots)
    .flat()
    .reduce((total, snapshot) => total + Number(snapshot.stats[key]), 0);
}

describe('rebalance', () => {
  let cluster: TestCluster;
  let client: Client;
  const objects = new Map<string, Buffer>();

  before(async () => {
    ({ cluster, client } = await TestCluster.withBucket(faultClusterOptions, bucket));
    const shape = {
      name: (i: number) => `base/${String(i).padStart(5, '0')}`,
      sizeBytes: (i: number) => 256 + (i % 4096),
    };
    await putObjects(client, bucket, initialObjects, shape, objects);
  });
  after(() => cluster?.destroy());

  test('a target joins under load: rebalance completes, no failed GET, ~1/(N+1) moves', async () => {
    const load = new SteadyLoad(cluster.client(1), bucket, {
      prefix: 'load-a/',
      maxOperations: 20_000,
      maxDurationMs: 60_000,
      minBytes: 1,
      maxBytes: 64 * 1024,
      // Not the first 100: the test deletes those while objects move.
      readable: new Map([...objects].slice(100)),
    });
    load.start();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const joined = await cluster.addTarget();
    const rmd = await client.cluster.rebalanceMetadata();
    assert.ok(rmd !== undefined, 'a rebalance started');
    const jobId = `g${rmd.version}`;
    // Deletes while objects move must not be undone by the walk.
    const deleted = [...objects.keys()].slice(0, 100);
    await Promise.all(deleted.map((name) => client.deleteObject(bucket, name)));
    for (const name of deleted) objects.delete(name);
    const status = await client.jobs.wait(jobId, { timeoutMs: 120_000 });
    await load.stop();
    assert.equal(status.err, '', `rebalance ${jobId} failed`);
    assert.equal(status.aborted, false);
    assert.ok(load.gets > 0, 'GETs ran during the rebalance');
    assert.deepEqual(load.getFailures, [], 'no GET failed during the rebalance');
    assert.deepEqual(load.putFailures, [], 'no PUT failed during the rebalance');
    const snapshots = await client.jobs.snapshots({ id: jobId });
    const moved = sum(snapshots, 'out-objs');
    const received = Number(
      snapshots[joined.id]?.find((snapshot) => snapshot.id === jobId)?.stats['in-objs'] ?? 0,
    );
    for (const [name, data] of load.acknowledged) objects.set(name, data);
    assert.deepEqual(await verifyObjects(client, bucket, objects), []);
    const resurrected = await Promise.all(
      deleted.map((name) =>
        client.headObject(bucket, name).then(
          () => name,
          () => '',
        ),
      ),
    );
    assert.deepEqual(resurrected.filter(Boolean), [], 'deleted objects stay deleted');
    const map = await fetchClusterMap(cluster.primary.publicUrl);
    const placement = await checkPlacement(map, cluster.targets, bucket);
    assert.deepEqual(placement.misplaced, []);
    assert.deepEqual(placement.duplicates, []);
    assert.equal(placement.locations.size, objects.size);
    // Of the objects stored before the join, those now on the new target are exactly those moved.
    const baseMoved = [...placement.locations].filter(
      ([name, where]) => name.startsWith('base/') && where[0]?.startsWith(`${joined.id}:`),
    ).length;
    const fraction = baseMoved / (initialObjects - deleted.length);
    console.log(
      `rebalance moved fraction (4 -> 5 targets): ${baseMoved}/${initialObjects - deleted.length} = ${fraction.toFixed(3)} (ideal 1/5 = 0.200); job ${jobId} moved ${moved} objects in all (with the load's), the new target received ${received}; load: ${load.operations} operations, ${load.acknowledged.size} PUTs, 0 failed`,
    );
    assert.ok(fraction > 0.15 && fraction < 0.25, `moved fraction ${fraction} is about 1/5`);
  });

  test('SIGKILL a target in the middle of a rebalance, restart it: the rebalance finishes', async () => {
    await client.cluster.setConfig({ 'rebalance.concurrency': 1 });
    const victim = cluster.targets[0];
    assert.ok(victim !== undefined);
    await cluster.addTarget();
    const rmd = await client.cluster.rebalanceMetadata();
    assert.ok(rmd !== undefined);
    const jobId = `g${rmd.version}`;
    // Kill it once it has sent some of its objects, while its share is still running.
    let running: JobSnapshotJson | undefined;
    await waitFor('the victim to send objects', 20_000, async () => {
      const snapshots = await client.jobs.snapshots({ id: jobId });
      running = snapshots[victim.id]?.find((snapshot) => snapshot.id === jobId);
      return Number(running?.stats['out-objs'] ?? 0) >= 3;
    });
    await victim.stop('SIGKILL');
    assert.equal(running?.['end-time'], '0001-01-01T00:00:00Z', 'the victim was still rebalancing');
    const sentBeforeKill = Number(running?.stats['out-objs'] ?? 0);
    await victim.start();
    const status = await waitForJob(client, jobId, 120_000);
    assert.equal(status.err, '');
    assert.equal(status.aborted, false);
    const snapshots = await client.jobs.snapshots({ id: jobId });
    const victimSnapshot = snapshots[victim.id]?.find((snapshot) => snapshot.id === jobId);
    assert.ok(victimSnapshot !== undefined, 'the restarted target ran the rebalance again');
    console.log(
      `rebalance ${jobId}: victim sent ${sentBeforeKill} objects before SIGKILL, ${victimSnapshot.stats['out-objs']} after its restart; ${sum(snapshots, 'out-objs')} moved in all`,
    );
    await client.cluster.setConfig({ 'rebalance.concurrency': 8 });
    assert.deepEqual(await verifyObjects(client, bucket, objects), []);
    const map = await fetchClusterMap(cluster.primary.publicUrl);
    const placement = await checkPlacement(map, cluster.targets, bucket);
    assert.deepEqual(placement.misplaced, []);
    assert.deepEqual(placement.duplicates, []);
  });
});

/** Waits for a job, tolerating moments when a target does not answer (it may be restarting). */
async function waitForJob(
  client: Client,
  id: string,
  timeoutMs: number,
): Promise<Awaited<ReturnType<Client['jobs']['status']>>> {
  let final: Awaited<ReturnType<Client['jobs']['status']>> | undefined;
  await waitFor(`job ${id} to end`, timeoutMs, async () => {
    const status = await client.jobs.status(id);
    if (status.end_time === 0) return false;
    final = status;
    return true;
  });
  if (final === undefined) throw new Error('unreachable');
  return final;
}
