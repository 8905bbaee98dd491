// A bucket destroyed and created again while a target is down: the target comes back with the
// destroyed bucket's replicas in a directory of the same name. They belong to the old incarnation
// (another bucket ID in the bucket metadata) and must not come back: not read, not listed, not
// moved to other targets by the rebalance (docs/elastic-cluster.md, Buckets destroyed while a
// target is away; docs/formats/bucket-marker.md). The new bucket's objects stay intact.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, type BucketJson, type Client } from '../../src/sdk/index.js';
import { TestCluster } from '../harness/test-cluster.js';
import { waitForRebalanceAfter } from './protection-helpers.js';

const bucket: BucketJson = { name: 'recreated', provider: 'ais' };
const oldNames = Array.from({ length: 40 }, (_, index) => `old-${index}`);
/** Written in both incarnations: the new content must win everywhere. */
const sharedNames = Array.from({ length: 8 }, (_, index) => `shared-${index}`);
const newNames = Array.from({ length: 12 }, (_, index) => `new-${index}`);

describe('a bucket destroyed and created again while a target is down', () => {
  let cluster: TestCluster;
  let client: Client;

  before(async () => {
    cluster = await TestCluster.start({
      proxies: 1,
      targets: 3,
      mountpaths: 2,
      config: { 'keepalive.interval_ms': 500, 'keepalive.timeout_ms': 4_000 },
    });
    client = cluster.client(0);
  });
  after(() => cluster?.destroy());

  /**
   * Nothing of the first incarnation is listed or read; with `complete`, every object of the
   * second one is listed and read back (without a rebalance, those the returner owns again are
   * still on the stand-ins).
   */
  async function assertOnlyNewIncarnation(when: string, complete: boolean): Promise<void> {
    const listed: string[] = [];
    for await (const entry of client.listObjects(bucket)) listed.push(entry.name);
    const stale = listed.filter((name) => name.startsWith('old-'));
    assert.deepEqual(stale, [], `${when}: objects of the destroyed bucket listed`);
    if (complete)
      assert.deepEqual(listed.sort(), [...newNames, ...sharedNames].sort(), `${when}: listing`);
    const back: string[] = [];
    for (const name of oldNames) {
      try {
        await client.getObjectBytes(bucket, name);
        back.push(name);
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 404) throw error;
      }
    }
    assert.deepEqual(back, [], `${when}: objects of the destroyed bucket readable`);
    if (!complete) return;
    for (const name of [...newNames, ...sharedNames])
      assert.equal(
        (await client.getObjectBytes(bucket, name)).toString(),
        `second ${name}`,
        `${when}: ${name}`,
      );
  }

  test('the old objects are neither read, listed nor moved; the new ones are intact', async () => {
    await client.createBucket(bucket);
    for (const name of [...oldNames, ...sharedNames])
      await client.putObject(bucket, name, Buffer.from(`first ${name}`));
    const victim = cluster.targets[1];
    assert.ok(victim !== undefined);
    const rmdBefore = (await client.cluster.rebalanceMetadata())?.version ?? 0;
    await victim.stop('SIGKILL');
    await cluster.waitForTargetCount(2, 30_000);
    const left = await waitForRebalanceAfter(client, rmdBefore);

    await client.destroyBucket(bucket);
    await client.createBucket(bucket);
    for (const name of [...newNames, ...sharedNames])
      await client.putObject(bucket, name, Buffer.from(`second ${name}`));

    // No rebalance at the return first: what the returner serves of its own names.
    await cluster.setConfig({ 'rebalance.enabled': false });
    await victim.start();
    await cluster.waitForMembers(60_000);
    await assertOnlyNewIncarnation('right after the return', false);

    await cluster.setConfig({ 'rebalance.enabled': true });
    await client.jobs.start('rebalance');
    await waitForRebalanceAfter(client, left);
    await assertOnlyNewIncarnation('after the rebalance', true);
  });
});
