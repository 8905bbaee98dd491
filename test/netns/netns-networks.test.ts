// A cluster whose nodes have separate public and intra networks (two veths on two subnets per
// host): clients are sent only to public addresses, object bytes between targets cross the intra
// network, and a target whose intra link is cut (public link up) leaves the map: keepalives go
// over intra-control.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Client } from '../../src/sdk/index.js';
import { verifyObjects } from '../harness/load.js';
import { NetnsCluster, netnsUnavailable } from '../harness/netns-cluster.js';
import type { NetworkName } from '../harness/netns.js';
import { fetchClusterMap } from '../harness/placement.js';

const unavailable = await netnsUnavailable();
const bucket = { name: 'split-nets', provider: 'ais' };
const objectBytes = 256 * 1024;
const objectCount = 16;

describe('separate public and intra networks', { skip: unavailable }, () => {
  let netns: NetnsCluster;
  let client: Client;
  const objects = new Map<string, Buffer>();

  before(async () => {
    netns = await NetnsCluster.start({
      proxies: 1,
      targets: 3,
      mountpaths: 1,
      separateIntra: true,
      config: { 'keepalive.interval_ms': 500, 'keepalive.timeout_ms': 3000 },
    });
    client = netns.cluster.client(0);
    // One replica of every object on another target: bytes that must cross intra-data.
    await client.createBucket(bucket, {
      ec: { enabled: true, data_slices: 1, parity_slices: 1, objsize_limit: 0 },
    });
  });
  after(() => netns?.destroy());

  const bytesToTargets = async (network: NetworkName): Promise<number> => {
    let sum = 0;
    for (const target of netns.cluster.targets)
      sum += await netns.lab.bytesToHost(netns.hostOf(target), network);
    return sum;
  };

  test('the map advertises public addresses on the public subnet, intra ones on the intra subnet', async () => {
    const map = await fetchClusterMap(netns.cluster.primary.publicUrl);
    for (const node of [...Object.values(map.pmap), ...Object.values(map.tmap)]) {
      const process = netns.cluster.nodes.find((item) => item.id === node.daemon_id);
      assert.ok(process !== undefined);
      const host = netns.hostOf(process);
      assert.equal(node.public_net.node_ip_addr, host.addresses.public);
      assert.equal(node.intra_control_net.node_ip_addr, host.addresses.intra);
      assert.equal(node.intra_data_net.node_ip_addr, host.addresses.intra);
      assert.notEqual(
        node.intra_data_net.daemon_port,
        node.intra_control_net.daemon_port,
        'intra-data has its own server',
      );
    }
  });

  test('clients are redirected to public addresses only; replicas cross the intra network', async () => {
    const publicAddresses = new Set(
      netns.cluster.targets.map((target) => netns.hostOf(target).addresses.public),
    );
    const intraBefore = await bytesToTargets('intra');
    const publicBefore = await bytesToTargets('public');
    for (let i = 0; i < objectCount; i += 1) {
      const name = `obj-${i}`;
      const probe = await fetch(
        `${netns.cluster.primary.publicUrl}/v1/objects/${bucket.name}/${name}`,
        {
          method: 'PUT',
          redirect: 'manual',
        },
      );
      await probe.body?.cancel();
      const location = new URL(String(probe.headers.get('location')));
      assert.ok(publicAddresses.has(location.hostname), `redirect to ${location.host}`);
      const data = randomBytes(objectBytes);
      await client.putObject(bucket, name, data);
      objects.set(name, data);
    }
    const total = objectBytes * objectCount;
    const intra = (await bytesToTargets('intra')) - intraBefore;
    const overPublic = (await bytesToTargets('public')) - publicBefore;
    console.log(
      `${total} bytes PUT: ${intra} bytes reached targets over intra, ${overPublic} over public`,
    );
    assert.ok(intra >= total, `the replicas (${total} bytes) crossed intra: ${intra}`);
    assert.ok(overPublic < total * 1.5, `only the clients' bytes crossed public: ${overPublic}`);
    assert.deepEqual(await verifyObjects(client, bucket, objects), []);
  });

  test('a target whose intra link is cut leaves the map though its public link is up', async () => {
    const victim = netns.cluster.targets[0];
    assert.ok(victim !== undefined);
    const host = netns.hostOf(victim);
    await netns.lab.setLink(host, 'intra', false);
    try {
      await netns.cluster.waitForTargetCount(2, 30_000);
      const live = await fetch(`${victim.publicUrl}/v1/health`);
      assert.equal(live.status, 200, 'its public network still answers');
      await live.body?.cancel();
    } finally {
      await netns.lab.setLink(host, 'intra', true);
    }
    await netns.cluster.waitForTargetCount(3, 60_000);
    assert.deepEqual(await verifyObjects(client, bucket, objects), []);
  });
});

if (unavailable !== undefined) {
  test('separate-network namespace tests', (t) => {
    t.skip(`skipped: ${unavailable}`);
  });
}
