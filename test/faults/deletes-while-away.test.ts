// Deletes taken while a target is away from the cluster map, through every delete path: native
// DELETE, S3 DeleteObjects (AWS SDK v3 through the gateway) and a delete-listrange job. The away
// target keeps its stale replicas; when it is back it owns its names again. With rebalance off
// (no rebalance job tells it of the deletes) a GET right after its return must not find a deleted
// object: the returner asks its peers for their tombstones before it serves object requests
// (docs/elastic-cluster.md, Deletes while a target is away). Then a rebalance runs, and still
// nothing deleted comes back. The stand-ins remember who is away across their own restarts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DeleteObjectsCommand } from '@aws-sdk/client-s3';
import { ApiError, type BucketJson, type Client } from '../../src/sdk/index.js';
import { TestCluster } from '../harness/test-cluster.js';
import { sdkClient } from '../harness/s3-setup.js';
import { waitForRebalanceAfter } from './protection-helpers.js';

const bucket: BucketJson = { name: 'away-deletes', provider: 'ais' };
const names = Array.from({ length: 48 }, (_, index) => `k-${index}`);
/** Which delete path removes the name at `index`. */
const pathOf = (index: number): 'native' | 's3' | 'listrange' =>
  (['native', 's3', 'listrange'] as const)[index % 3] ?? 'native';

describe('deletes while a target is away (native, S3 DeleteObjects, delete-listrange)', () => {
  let cluster: TestCluster;
  let client: Client;

  before(async () => {
    cluster = await TestCluster.start({
      proxies: 1,
      targets: 4,
      mountpaths: 1,
      config: { 'keepalive.interval_ms': 500, 'keepalive.timeout_ms': 4_000 },
    });
    client = cluster.client(0);
    await client.createBucket(bucket);
  });
  after(() => cluster?.destroy());

  /** Every name must be gone: a GET answers 404, a listing does not show it. */
  async function assertAllDeleted(when: string): Promise<void> {
    const back: string[] = [];
    for (const name of names) {
      try {
        await client.getObjectBytes(bucket, name);
        back.push(name);
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 404) throw error;
      }
    }
    assert.deepEqual(back, [], `${when}: deleted objects came back`);
    const listed: string[] = [];
    for await (const entry of client.listObjects(bucket)) listed.push(entry.name);
    assert.deepEqual(listed, [], `${when}: deleted objects listed`);
  }

  /**
   * Writes every name, SIGKILLs target `victimIndex` until it left the map, runs `whileAway`,
   * writes every name again on the stand-ins and deletes it there through `deleteAll`; then the
   * victim returns with its old replicas, first with rebalance off, then a rebalance runs.
   */
  async function awayAndBack(
    victimIndex: number,
    whileAway: () => Promise<void>,
    deleteAll: () => Promise<void>,
  ): Promise<void> {
    for (const name of names) await client.putObject(bucket, name, Buffer.from(`old ${name}`));
    const victim = cluster.targets[victimIndex];
    assert.ok(victim !== undefined);
    const rmdBefore = (await client.cluster.rebalanceMetadata())?.version ?? 0;
    await victim.stop('SIGKILL');
    await cluster.waitForTargetCount(3, 30_000);
    const left = await waitForRebalanceAfter(client, rmdBefore);
    await whileAway();
    // Written again on the stand-ins (the victim's names have no replica there otherwise), then
    // deleted there: the victim still holds the old replicas.
    for (const name of names) await client.putObject(bucket, name, Buffer.from(`new ${name}`));
    await deleteAll();
    await assertAllDeleted('while away');

    // No rebalance at the return: only the returner's question to its peers can tell it.
    await cluster.setConfig({ 'rebalance.enabled': false });
    await victim.start();
    await cluster.waitForMembers(60_000, cluster.nodes.filter((node) => node.running).length);
    await assertAllDeleted('right after the return');

    await cluster.setConfig({ 'rebalance.enabled': true });
    await client.jobs.start('rebalance');
    await waitForRebalanceAfter(client, left);
    await assertAllDeleted('after the rebalance');
  }

  test('deleted by each path: not visible right after the return, nor after the rebalance', async () => {
    const byPath = (path: string): string[] => names.filter((_, index) => pathOf(index) === path);
    await awayAndBack(
      1,
      () => Promise.resolve(),
      async () => {
        for (const name of byPath('native')) await client.deleteObject(bucket, name);
        const s3 = sdkClient(cluster.primary.publicUrl);
        const answer = await s3.send(
          new DeleteObjectsCommand({
            Bucket: bucket.name,
            Delete: { Objects: byPath('s3').map((Key) => ({ Key })) },
          }),
        );
        s3.destroy();
        assert.deepEqual(answer.Errors ?? [], [], 'S3 DeleteObjects');
        const job = await client.jobs.deleteObjects(bucket, { objnames: byPath('listrange') });
        assert.equal((await client.jobs.wait(job, { timeoutMs: 60_000 })).err, '');
      },
    );
  });

  test('the stand-ins restarted while the target is away: they still know it is away', async () => {
    await awayAndBack(
      2,
      async () => {
        for (const target of cluster.targets.filter((node) => node.running)) {
          await target.stop('SIGKILL');
          await target.start();
        }
        await cluster.waitForMembers(60_000, cluster.nodes.filter((node) => node.running).length);
      },
      async () => {
        for (const name of names) await client.deleteObject(bucket, name);
      },
    );
  });
});
