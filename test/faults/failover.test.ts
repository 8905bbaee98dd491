// Primary failover and node restarts on a real cluster (3 gateways, 4 targets): SIGKILL the
// primary under load (a new primary within 15 s, no acknowledged write lost, clients of surviving
// gateways keep working), the restarted old primary rejoins as a non-primary, and a target
// restarted after a crash catches up on the metadata it missed and serves its data again.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '../../src/sdk/index.js';
import { putObjects, SteadyLoad, verifyObjects } from '../harness/load.js';
import { checkPlacement, fetchClusterMap } from '../harness/placement.js';
import { TestCluster } from '../harness/test-cluster.js';
import { waitFor } from '../harness/wait.js';

const bucket = { name: 'failover', provider: 'ais' };

describe('primary failover and restarts', () => {
  let cluster: TestCluster;
  let client: Client;
  const objects = new Map<string, Buffer>();
  let oldPrimaryId = '';
  let newPrimaryId = '';

  before(async () => {
    // Default keepalive and election timing: the 15 s bound must hold out of the box.
    ({ cluster, client } = await TestCluster.withBucket(
      { proxies: 3, targets: 4, mountpaths: 1 },
      bucket,
    ));
    const shape = { name: (i: number) => `base-${i}`, sizeBytes: (i: number) => 100 + i * 10 };
    await putObjects(client, bucket, 200, shape, objects);
  });
  after(() => cluster?.destroy());

  test('SIGKILL the primary under load: a new primary within 15 s, nothing acknowledged lost', async () => {
    const survivor = cluster.client(1);
    const load = new SteadyLoad(survivor, bucket, {
      prefix: 'load/',
      maxOperations: 50_000,
      maxDurationMs: 60_000,
      minBytes: 1,
      maxBytes: 16 * 1024,
      readable: new Map(objects),
    });
    load.start();
    await new Promise((resolve) => setTimeout(resolve, 500));
    oldPrimaryId = cluster.primary.id;
    const killedAt = Date.now();
    await cluster.primary.stop('SIGKILL');
    await waitFor('a new primary', 20_000, async () => {
      const map = await fetchClusterMap(cluster.proxies[1]?.publicUrl ?? '');
      newPrimaryId = map.proxy_si?.daemon_id ?? '';
      return newPrimaryId !== '' && newPrimaryId !== oldPrimaryId;
    });
    const failoverMs = Date.now() - killedAt;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await load.stop();
    console.log(
      `failover: new primary ${newPrimaryId} ${failoverMs} ms after SIGKILL of ${oldPrimaryId}; load: ${load.operations} operations, ${load.acknowledged.size} acknowledged PUTs, ${load.putFailures.length} failed PUTs, ${load.getFailures.length} failed GETs`,
    );
    assert.ok(failoverMs < 15_000, `new primary after ${failoverMs} ms`);
    assert.ok(load.gets > 0, 'GETs ran through the failover');
    assert.deepEqual(load.getFailures, []);
    for (const [name, data] of load.acknowledged) objects.set(name, data);
    // Every gateway that survived agrees, and serves data and control requests.
    for (const index of [1, 2]) {
      const map = await fetchClusterMap(cluster.proxies[index]?.publicUrl ?? '');
      assert.equal(map.proxy_si?.daemon_id, newPrimaryId);
      assert.equal(map.pmap[oldPrimaryId], undefined, 'the failed primary left the map');
    }
    assert.deepEqual(await verifyObjects(cluster.client(2), bucket, objects), []);
    await cluster.client(2).createBucket({ name: 'after-failover', provider: 'ais' });
    assert.ok(
      (await cluster.client(1).listBuckets()).some((entry) => entry.name === 'after-failover'),
    );
  });

  test('the restarted old primary rejoins as a non-primary', async () => {
    await cluster.primary.start();
    const map = await fetchClusterMap(cluster.primary.publicUrl);
    assert.equal(map.proxy_si?.daemon_id, newPrimaryId);
    await waitFor('the old primary back in every map', 10_000, async () => {
      for (const proxy of cluster.proxies) {
        const current = await fetchClusterMap(proxy.publicUrl);
        if (current.pmap[oldPrimaryId] === undefined) return false;
        if (current.proxy_si?.daemon_id !== newPrimaryId) return false;
      }
      return true;
    });
    // It serves clients again, through the new primary for control requests.
    const again = cluster.client(0);
    assert.deepEqual(await verifyObjects(again, bucket, new Map([...objects].slice(0, 50))), []);
    await again.createBucket({ name: 'via-old-primary', provider: 'ais' });
  });

  test('a target restarted after a crash catches up and serves its data again', async () => {
    const victim = cluster.targets[1];
    assert.ok(victim !== undefined);
    await victim.stop('SIGKILL');
    // Metadata changes it misses while down.
    await client.createBucket({ name: 'while-down', provider: 'ais' });
    await cluster.client(1).cluster.setConfig({ 'list_objects.max_page_size': 5000 });
    await victim.start();
    const primaryMap = await fetchClusterMap(await cluster.primaryUrl());
    const bmdOf = async (url: string): Promise<string> => {
      const response = await fetch(`${url}/v1/daemon?what=bmd`);
      return ((await response.json()) as { version: string }).version;
    };
    const primaryUrl = await cluster.primaryUrl();
    await waitFor('the restarted target to catch up', 10_000, async () => {
      const map = await fetchClusterMap(victim.publicUrl);
      return (
        map.version === primaryMap.version &&
        (await bmdOf(victim.publicUrl)) === (await bmdOf(primaryUrl))
      );
    });
    const config = (await (await fetch(`${victim.publicUrl}/v1/daemon?what=config`)).json()) as {
      list_objects: { max_page_size: number };
    };
    assert.equal(config.list_objects.max_page_size, 5000);
    assert.deepEqual(await verifyObjects(client, bucket, objects), []);
    const placement = await checkPlacement(primaryMap, cluster.targets, bucket);
    assert.deepEqual(placement.misplaced, []);
    assert.ok([...placement.locations.values()].some((where) => where[0]?.startsWith(victim.id)));
    await client.putObject({ name: 'while-down', provider: 'ais' }, 'after', 'restart');
  });
});
