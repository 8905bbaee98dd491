// An EC object's owner SIGKILLed while it stores an overwrite's slices, after some holders stored
// theirs and before the others did (their disks hold the slice write: a FaultyDisk delay on two
// in-process targets). The overwrite was never acknowledged; the read through a stand-in must
// answer the last acknowledged write (generation 1), never a 404 and never a mix: the restore takes
// the newest encoding that can rebuild the object, not the newest one (`newestUsableEncoding`,
// src/protect/ec/restore-object.ts). EC 2+1 over four targets: the owner and three slice holders,
// two of which are held, so generation 2 has one slice where two are needed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { BucketJson, Client } from '../../src/sdk/index.js';
import { FaultyDisk } from '../harness/faulty-disk.js';
import { JoinedTargets, type InProcessTarget } from '../harness/in-process-target.js';
import { fetchClusterMap } from '../harness/placement.js';
import { TestCluster } from '../harness/test-cluster.js';
import { waitFor } from '../harness/wait.js';

const bucket: BucketJson = { name: 'ec-killed', provider: 'ais' };
/** Above `objsize_limit`: sliced, one stripe. */
const size = 200_000;
const bytesOf = (generation: number): Buffer => Buffer.alloc(size, generation);

describe('an EC owner SIGKILLed between slice stores', () => {
  let cluster: TestCluster;
  let client: Client;
  let joined: JoinedTargets | undefined;
  const held: Array<{ target: InProcessTarget; disk: FaultyDisk }> = [];

  before(async () => {
    cluster = await TestCluster.start({
      proxies: 1,
      targets: 2,
      mountpaths: 1,
      config: { 'keepalive.interval_ms': 500, 'keepalive.timeout_ms': 60_000 },
    });
    const disks = [new FaultyDisk(), new FaultyDisk()];
    joined = await JoinedTargets.start(cluster.primary.publicUrl, 'ec-killed', disks, () =>
      cluster.waitForTargetCount(4, 30_000),
    );
    for (const [index, target] of joined.targets.entries())
      held.push({ target, disk: disks[index] as FaultyDisk });
    client = cluster.client(0);
    await client.createBucket(bucket, {
      ec: { enabled: true, data_slices: 2, parity_slices: 1, objsize_limit: 16 * 1024 },
    });
  });
  after(async () => {
    await joined?.stop();
    await cluster?.destroy();
  });

  /** The generation of the EC piece `nodeId` holds of `name` (undefined: none). */
  async function pieceGeneration(nodeId: string, name: string): Promise<number | undefined> {
    const map = await fetchClusterMap(cluster.primary.publicUrl);
    const node = map.tmap[nodeId];
    assert.ok(node !== undefined);
    const url = `${node.intra_data_net.direct_url}/v1/ec/${bucket.name}/${name}?provider=ais&what=ec-meta`;
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    if (response.status === 404) return undefined;
    assert.equal(response.status, 200, `ec-meta from ${nodeId}`);
    return ((await response.json()) as { generation: number }).generation;
  }

  test('the read through a stand-in answers generation 1', async () => {
    // A name owned by a child-process target (the one to SIGKILL); the others hold its slices.
    const children = new Map(cluster.targets.map((node) => [node.id, node]));
    let name = '';
    let owner: (typeof cluster.targets)[number] | undefined;
    for (let index = 0; owner === undefined; index += 1) {
      assert.ok(index < 64, 'no name owned by a child-process target');
      name = `obj-${index}`;
      await client.putObject(bucket, name, bytesOf(1));
      const location = (await client.headObject(bucket, name)).location ?? '';
      owner = children.get(location.slice(2, location.indexOf(']')));
    }
    const holder = cluster.targets.find((node) => node !== owner);
    assert.ok(holder !== undefined);
    const first = await pieceGeneration(holder.id, name);
    assert.ok(first !== undefined, 'the free holder has a slice of generation 1');

    // The held targets' next slice store waits (its work file's open) until after the kill, then
    // fails: a store that went on would commit generation 2 (its bytes had all arrived), and the
    // read would wait for it (the piece is locked meanwhile).
    const rules = held.map(({ target, disk }) => {
      const path = join(target.mountpaths[0] ?? '', '@ais', bucket.name, '%wk');
      return {
        delay: disk.inject({ operations: ['open'], path, fault: { delayMs: 10_000 }, times: 1 }),
        failure: disk.inject({ operations: ['open'], path, fault: { error: 'EACCES' }, times: 1 }),
      };
    });
    const overwrite = client.putObject(bucket, name, bytesOf(2)).then(
      () => 'acknowledged',
      () => 'failed',
    );
    await waitFor(
      'both held slice stores, and the free holder storing generation 2',
      20_000,
      async () =>
        rules.every(({ delay }) => delay.fired === 1) &&
        ((await pieceGeneration(holder.id, name)) ?? 0) > first,
    );
    await owner.stop('SIGKILL');
    assert.equal(await overwrite, 'failed', 'the overwrite was not acknowledged');

    const read = await client.getObjectBytes(bucket, name);
    assert.ok(read.equals(bytesOf(1)), `generation 1 read back (first byte ${read[0]})`);
    assert.ok(
      rules.every(({ failure }) => failure.fired === 1),
      'the held slice stores failed',
    );
    for (const { delay, failure } of rules) {
      delay.remove();
      failure.remove();
    }
  });
});
