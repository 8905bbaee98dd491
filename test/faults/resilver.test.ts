// Resilver on a real cluster (3 gateways, 4 targets, 2 mountpaths each): detaching a mountpath that
// holds objects moves them to the target's other mountpath while reads keep working; attaching it
// back, disabling and enabling move objects to their HRW mountpath again; a restart keeps the
// mountpath changes (volume record). Nothing is lost and nothing is left misplaced.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '../../src/sdk/index.js';
import { findFiles } from '../harness/disk.js';
import { putObjects, SteadyLoad, verifyObjects } from '../harness/load.js';
import { checkPlacement, fetchClusterMap } from '../harness/placement.js';
import { faultClusterOptions, TestCluster } from '../harness/test-cluster.js';

const bucket = { name: 'resilver', provider: 'ais' };

interface MountpathList {
  available: string[];
  waiting_dd: string[];
  disabled: string[];
}

describe('resilver', () => {
  let cluster: TestCluster;
  let client: Client;
  const objects = new Map<string, Buffer>();

  before(async () => {
    ({ cluster, client } = await TestCluster.withBucket(faultClusterOptions, bucket));
    const name = (index: number): string => `dir-${index % 7}/object-${index}`;
    await putObjects(client, bucket, 800, { name, sizeBytes: (i) => 32 + (i % 50) * 300 }, objects);
  });
  after(() => cluster?.destroy());

  function target(): NonNullable<TestCluster['targets'][number]> {
    const node = cluster.targets[0];
    assert.ok(node !== undefined);
    return node;
  }

  async function mountpaths(): Promise<MountpathList> {
    const response = await fetch(`${target().publicUrl}/v1/daemon?what=mountpaths`);
    return (await response.json()) as MountpathList;
  }

  async function change(action: 'attach' | 'detach' | 'enable' | 'disable', path: string) {
    const jobId = await client.cluster.mountpath(target().id, action, path);
    assert.match(jobId, /^\w{8,}$/, `${action} started a resilver`);
    const status = await client.jobs.wait(jobId, { timeoutMs: 60_000 });
    assert.equal(status.kind, 'resilver');
    assert.equal(status.err, '');
  }

  async function expectPlaced(): Promise<void> {
    const map = await fetchClusterMap(cluster.primary.publicUrl);
    // Configured mountpaths are scanned even when detached: nothing may be left on them.
    const placement = await checkPlacement(map, cluster.targets, bucket);
    assert.deepEqual(placement.misplaced, []);
    assert.deepEqual(placement.duplicates, []);
    assert.equal(placement.locations.size, objects.size);
  }

  const objectFilesOn = (path: string): Promise<string[]> =>
    findFiles(`${path}/@ais/${bucket.name}`, '%ob');

  test('detach a mountpath holding objects: resilver moves them, reads keep working', async () => {
    const [, second = ''] = target().spec.mountpaths;
    assert.ok((await objectFilesOn(second)).length > 0, 'the mountpath holds objects');
    const load = new SteadyLoad(cluster.client(1), bucket, {
      prefix: 'resilver-load/',
      maxOperations: 20_000,
      maxDurationMs: 60_000,
      minBytes: 1,
      maxBytes: 4096,
      readable: new Map(objects),
    });
    load.start();
    await change('detach', second);
    await load.stop();
    assert.ok(load.gets > 0, 'GETs ran during the resilver');
    assert.deepEqual(load.getFailures, []);
    assert.deepEqual(load.putFailures, []);
    for (const [name, data] of load.acknowledged) objects.set(name, data);
    const list = await mountpaths();
    assert.ok(!list.available.includes(second) && !list.waiting_dd.includes(second));
    assert.deepEqual(await objectFilesOn(second), [], 'nothing left on the detached mountpath');
    assert.deepEqual(await verifyObjects(client, bucket, objects), []);
    await expectPlaced();
  });

  test('a restart keeps the detach; attaching it back moves objects to it again', async () => {
    const [, second = ''] = target().spec.mountpaths;
    await target().stop('SIGKILL');
    await target().start();
    assert.ok(!(await mountpaths()).available.includes(second), 'still detached after a restart');
    await expectPlaced();
    await change('attach', second);
    assert.ok((await mountpaths()).available.includes(second));
    assert.ok((await objectFilesOn(second)).length > 0, 'objects moved back to it');
    assert.deepEqual(await verifyObjects(client, bucket, objects), []);
    await expectPlaced();
  });

  test('disable and enable a mountpath: objects move off and back', async () => {
    const [first = ''] = target().spec.mountpaths;
    await change('disable', first);
    const list = await mountpaths();
    assert.ok(list.disabled.includes(first));
    assert.deepEqual(await objectFilesOn(first), []);
    assert.deepEqual(await verifyObjects(client, bucket, objects), []);
    await expectPlaced();
    await assert.rejects(
      client.cluster.mountpath(target().id, 'disable', target().spec.mountpaths[1] ?? ''),
      /last enabled mountpath/,
    );
    await change('enable', first);
    assert.ok((await mountpaths()).available.includes(first));
    assert.deepEqual(await verifyObjects(client, bucket, objects), []);
    await expectPlaced();
  });
});
