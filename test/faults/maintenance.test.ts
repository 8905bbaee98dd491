// Maintenance and decommission on a real cluster (3 gateways, 4 targets): a target in maintenance
// stays in the map but its objects move away and back when it returns; a decommissioned target's
// objects move away, then it leaves the map and stops. Every object stays readable and in place.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { NodeFlag, type Client } from '../../src/sdk/index.js';
import { putObjects, SteadyLoad, verifyObjects } from '../harness/load.js';
import { checkPlacement, fetchClusterMap } from '../harness/placement.js';
import { faultClusterOptions, TestCluster } from '../harness/test-cluster.js';
import { waitFor } from '../harness/wait.js';

const bucket = { name: 'lifecycle', provider: 'ais' };

describe('maintenance and decommission', () => {
  let cluster: TestCluster;
  let client: Client;
  const objects = new Map<string, Buffer>();

  before(async () => {
    ({ cluster, client } = await TestCluster.withBucket(faultClusterOptions, bucket));
    const shape = { name: (i: number) => `object-${i}`, sizeBytes: (i: number) => 64 + i * 7 };
    await putObjects(client, bucket, 600, shape, objects);
  });
  after(() => cluster?.destroy());

  async function expectPlaced(): Promise<void> {
    const map = await fetchClusterMap(await cluster.primaryUrl());
    const placement = await checkPlacement(map, cluster.targets, bucket);
    assert.deepEqual(placement.misplaced, []);
    assert.deepEqual(placement.duplicates, []);
    assert.equal(placement.locations.size, objects.size);
  }

  test('maintenance start and stop: objects move away and come back, reads never fail', async () => {
    const target = cluster.targets[2];
    assert.ok(target !== undefined);
    const load = new SteadyLoad(cluster.client(1), bucket, {
      prefix: 'maintenance-load/',
      maxOperations: 20_000,
      maxDurationMs: 60_000,
      minBytes: 1,
      maxBytes: 8 * 1024,
      readable: new Map(objects),
    });
    load.start();
    const away = await client.cluster.startMaintenance(target.id);
    assert.match(away, /^g\d+$/);
    assert.equal((await client.jobs.wait(away, { timeoutMs: 60_000 })).err, '');
    const map = await fetchClusterMap(await cluster.primaryUrl());
    assert.ok(((map.tmap[target.id]?.flags ?? 0) & NodeFlag.maintenance) !== 0, 'still in the map');
    const during = await checkPlacement(map, [target], bucket);
    assert.equal(during.locations.size, 0, 'a target in maintenance holds no objects');
    const back = await client.cluster.stopMaintenance(target.id);
    assert.match(back, /^g\d+$/);
    assert.equal((await client.jobs.wait(back, { timeoutMs: 60_000 })).err, '');
    await load.stop();
    assert.ok(load.gets > 0, 'GETs ran while objects moved');
    assert.deepEqual(load.getFailures, []);
    assert.deepEqual(load.putFailures, []);
    for (const [name, data] of load.acknowledged) objects.set(name, data);
    assert.deepEqual(await verifyObjects(client, bucket, objects), []);
    await expectPlaced();
  });

  test('decommission: objects move away, the target leaves the map and stops', async () => {
    const target = cluster.targets[3];
    assert.ok(target !== undefined);
    const jobId = await cluster.client(2).cluster.decommission(target.id);
    assert.match(jobId, /^g\d+$/);
    assert.equal((await client.jobs.wait(jobId, { timeoutMs: 60_000 })).err, '');
    await waitFor('the decommissioned target to leave and stop', 20_000, async () => {
      const map = await fetchClusterMap(await cluster.primaryUrl());
      return map.tmap[target.id] === undefined && !target.running;
    });
    await cluster.waitForMembers(10_000, cluster.nodes.length - 1);
    assert.deepEqual(await verifyObjects(client, bucket, objects), []);
    await expectPlaced();
  });
});
