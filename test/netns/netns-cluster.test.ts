// A cluster spread over network namespaces (3 gateways listening on 0.0.0.0, 3 targets, each on its
// own simulated host with its own address): PUT/GET through every gateway; a target whose link is cut (the process
// keeps running) leaves the map, the cluster rebalances, and takes it back when the link returns,
// every object readable throughout; a partitioned primary is replaced and steps down when healed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '../../src/sdk/index.js';
import { putObjects, verifyObjects } from '../harness/load.js';
import { NetnsCluster, netnsUnavailable } from '../harness/netns-cluster.js';
import { fetchClusterMap } from '../harness/placement.js';
import { waitFor } from '../harness/wait.js';

const unavailable = await netnsUnavailable();
// Replication-style EC (1 data + 1 parity): an object stays readable while one target is away.
const bucket = { name: 'netns', provider: 'ais' };

describe('a cluster over network namespaces', { skip: unavailable }, () => {
  let netns: NetnsCluster;
  let client: Client;
  const objects = new Map<string, Buffer>();

  before(async () => {
    netns = await NetnsCluster.start({
      proxies: 3,
      targets: 3,
      mountpaths: 1,
      config: {
        'keepalive.interval_ms': 500,
        'keepalive.timeout_ms': 3000,
        'keepalive.primary_timeout_ms': 3000,
      },
    });
    client = netns.cluster.client(0);
    await client.createBucket(bucket, {
      ec: { enabled: true, data_slices: 1, parity_slices: 1, objsize_limit: 0 },
    });
  });
  after(() => netns?.destroy());

  test('every node advertises its own host address, never loopback', async () => {
    const map = await fetchClusterMap(netns.cluster.primary.publicUrl);
    const nodes = [...Object.values(map.pmap), ...Object.values(map.tmap)];
    assert.equal(nodes.length, 6);
    const addresses = new Set<string>();
    for (const node of nodes) {
      const process = netns.cluster.nodes.find((item) => item.id === node.daemon_id);
      assert.ok(process !== undefined, `${node.daemon_id} is one of ours`);
      const own = netns.hostOf(process).addresses.public;
      for (const net of [node.public_net, node.intra_control_net, node.intra_data_net]) {
        assert.equal(net.node_ip_addr, own, `${node.daemon_id} advertises its host's address`);
      }
      addresses.add(node.public_net.node_ip_addr);
    }
    assert.equal(addresses.size, 6, 'six hosts, six addresses');
  });

  test('PUT and GET through every gateway', async () => {
    for (const [index] of netns.cluster.proxies.entries()) {
      const gateway = netns.cluster.client(index);
      const shape = {
        name: (i: number) => `gw${index}/${i}`,
        sizeBytes: (i: number) => 1 + i * 97,
      };
      const mine = new Map<string, Buffer>();
      await putObjects(gateway, bucket, 40, shape, mine);
      for (const [name, data] of mine) objects.set(name, data);
    }
    for (const [index] of netns.cluster.proxies.entries()) {
      assert.deepEqual(await verifyObjects(netns.cluster.client(index), bucket, objects), []);
    }
  });

  test("a target's link cut and restored: offline, rebalance, back, every object readable", async () => {
    const victim = netns.cluster.targets[2];
    assert.ok(victim !== undefined);
    const host = netns.hostOf(victim);
    const before = await client.cluster.rebalanceMetadata();
    await netns.lab.setLink(host, 'public', false);
    try {
      await netns.cluster.waitForTargetCount(2, 30_000);
      assert.ok(victim.running, 'the target process was not killed');
      const cut = await client.cluster.rebalanceMetadata();
      assert.ok(cut !== undefined && cut.version > (before?.version ?? 0), 'a rebalance started');
      const status = await client.jobs.wait(`g${cut.version}`, { timeoutMs: 120_000 });
      assert.equal(status.err, '', 'the rebalance after the cut succeeded');
      assert.deepEqual(await verifyObjects(client, bucket, objects), [], 'readable while cut');
    } finally {
      await netns.lab.setLink(host, 'public', true);
    }
    await netns.cluster.waitForTargetCount(3, 60_000);
    await netns.cluster.waitForMembers(60_000);
    const back = await client.cluster.rebalanceMetadata();
    assert.ok(back !== undefined);
    const status = await client.jobs.wait(`g${back.version}`, { timeoutMs: 120_000 });
    assert.equal(status.err, '', 'the rebalance after the return succeeded');
    assert.deepEqual(await verifyObjects(client, bucket, objects), [], 'readable after return');
  });

  test('a partitioned primary is replaced, and rejoins as a non-primary when healed', async () => {
    const old = netns.cluster.primary;
    const oldId = old.id;
    const host = netns.hostOf(old);
    const survivor = netns.cluster.proxies[1];
    assert.ok(survivor !== undefined);
    let newId = '';
    await netns.lab.setLink(host, 'public', false);
    try {
      await waitFor('a new primary among the others', 60_000, async () => {
        const map = await fetchClusterMap(survivor.publicUrl);
        newId = map.proxy_si?.daemon_id ?? '';
        return newId !== '' && newId !== oldId && map.pmap[oldId] === undefined;
      });
      assert.ok(old.running, 'the old primary was not killed');
    } finally {
      await netns.lab.setLink(host, 'public', true);
    }
    await waitFor('the old primary to step down and rejoin', 60_000, async () => {
      const own = await fetchClusterMap(old.publicUrl);
      const seen = await fetchClusterMap(survivor.publicUrl);
      return own.proxy_si?.daemon_id === newId && seen.pmap[oldId] !== undefined;
    });
    await netns.cluster.waitForMembers(60_000);
    for (const proxy of netns.cluster.proxies) {
      const map = await fetchClusterMap(proxy.publicUrl);
      assert.equal(map.proxy_si?.daemon_id, newId, `${proxy.id} agrees on the primary`);
    }
    const healed = netns.cluster.client(0);
    await healed.putObject(bucket, 'after-heal', Buffer.from('healed'));
    assert.equal((await healed.getObjectBytes(bucket, 'after-heal')).toString(), 'healed');
    assert.deepEqual(await verifyObjects(healed, bucket, objects), []);
  });
});

if (unavailable !== undefined) {
  test('network namespace cluster tests', (t) => {
    t.skip(`skipped: ${unavailable}`);
  });
}
