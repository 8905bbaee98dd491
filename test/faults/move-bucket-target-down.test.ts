// move-bck (bucket rename) while a target is down on a real cluster (4 targets): the target is
// SIGKILLed and leaves the map, the bucket is renamed without it, then it returns with its objects
// still filed under the old name. After the rebalance the old name is gone (404), every object
// reads back under the new name with its bytes, and nothing is listed or readable under the old
// name. A second bucket is renamed too, and its old name created again (a new, empty bucket)
// before the target returns: its objects still go to the new name, none to the recreated bucket.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { BucketJson, Client } from '../../src/sdk/index.js';
import { bytesFor } from '../cluster/integration-helpers.js';
import { TestCluster } from '../harness/test-cluster.js';
import { waitFor } from '../harness/wait.js';
import { waitForRebalanceAfter } from './protection-helpers.js';

const objectCount = 60;
const from: BucketJson = { name: 'rename-src', provider: 'ais' };
const to: BucketJson = { name: 'rename-dst', provider: 'ais' };
const reusedFrom: BucketJson = { name: 'rename-reused', provider: 'ais' };
const reusedTo: BucketJson = { name: 'rename-reused-dst', provider: 'ais' };

describe('move-bck while a target is down', () => {
  let cluster: TestCluster;
  let client: Client;
  const objects = new Map<string, Buffer>();

  before(async () => {
    cluster = await TestCluster.start({
      proxies: 1,
      targets: 4,
      mountpaths: 1,
      config: { 'keepalive.interval_ms': 500, 'keepalive.timeout_ms': 4_000 },
    });
    client = cluster.client(0);
    await client.createBucket(from);
    await client.createBucket(reusedFrom);
    await Promise.all(
      Array.from({ length: objectCount }, async (_, index) => {
        const name = `o-${index}`;
        const data = bytesFor(`${from.name}/${name}`, 1_000 + index * 37);
        await client.putObject(from, name, data);
        await client.putObject(reusedFrom, name, data);
        objects.set(name, data);
      }),
    );
  });
  after(() => cluster?.destroy());

  test('renamed without the target; after its return everything is under the new name', async () => {
    const victim = cluster.targets[1];
    assert.ok(victim !== undefined);
    const rmdBefore = (await client.cluster.rebalanceMetadata())?.version ?? 0;
    await victim.stop('SIGKILL');
    await cluster.waitForTargetCount(3, 30_000);
    const left = await waitForRebalanceAfter(client, rmdBefore);
    for (const [source, destination] of [
      [from, to],
      [reusedFrom, reusedTo],
    ] as const) {
      const id = await client.jobs.moveBucket(source, destination);
      assert.equal((await client.jobs.wait(id, { timeoutMs: 60_000 })).err, '');
      await waitFor('the old bucket to go', 30_000, async () =>
        (await client.listBuckets()).every((bucket) => bucket.name !== source.name),
      );
    }
    // Its name is free once the renamed entry has left the metadata (a moment after the listing).
    await waitFor('the old name to be free', 30_000, async () => {
      try {
        await client.createBucket(reusedFrom);
        return true;
      } catch (error) {
        if ((error as { status?: number }).status !== 409) throw error;
        return false;
      }
    });
    await victim.start();
    await cluster.waitForMembers(60_000);
    await waitForRebalanceAfter(client, left);
    const wrong: string[] = [];
    for (const [name, data] of objects)
      for (const bucket of [to, reusedTo]) {
        try {
          const read = await client.getObjectBytes(bucket, name);
          if (!read.equals(data)) wrong.push(`${bucket.name}/${name}: other bytes`);
        } catch (error) {
          wrong.push(`${bucket.name}/${name}: ${String(error)}`);
        }
      }
    assert.deepEqual(wrong, [], 'every object under the new name');
    await assert.rejects(client.getObjectBytes(from, 'o-0'), { status: 404 });
    assert.ok(
      (await client.listBuckets()).every((bucket) => bucket.name !== from.name),
      'the old name is not back',
    );
    const listed: string[] = [];
    for await (const entry of client.listObjects(to)) listed.push(entry.name);
    assert.deepEqual(listed.sort(), [...objects.keys()].sort(), 'the new name lists every object');
    const stray: string[] = [];
    for await (const entry of client.listObjects(reusedFrom)) stray.push(entry.name);
    assert.deepEqual(stray, [], 'nothing of the renamed bucket in the recreated old name');
  });
});
