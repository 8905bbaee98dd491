// Overwrites racing target faults on a real cluster (4 targets, 2 mountpaths each): a 2-copy
// mirrored bucket and an EC 2+1 bucket (small objects as replicas, larger ones as slices), every
// key overwritten concurrently with distinct contents while a target is SIGKILLed. Every key reads
// back as its last acknowledged write (or a later write whose outcome is unknown): never an older
// version, other bytes or a 404 — while the target is down (EC), once it left the map and the keys
// were overwritten and deleted on their stand-in owners, and after it returned with its stale
// replicas and pieces and the rebalance settled.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { BucketJson, Client } from '../../src/sdk/index.js';
import type { NodeProcess } from '../harness/node-process.js';
import { TestCluster } from '../harness/test-cluster.js';
import { waitFor } from '../harness/wait.js';
import { waitForRebalanceAfter } from './protection-helpers.js';
import { WriteLedger } from './write-ledger.js';

const keysPerBucket = 16;
const sizes = [3_000, 40_000];
const mirror: BucketJson = { name: 'race-mirror', provider: 'ais' };
const erasure: BucketJson = { name: 'race-ec', provider: 'ais' };
const keepaliveTimeoutMs = 4_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('overwrites racing a SIGKILLed target (mirror 2 copies, EC 2+1)', () => {
  let cluster: TestCluster;
  let client: Client;
  let ledgers: WriteLedger[];

  before(async () => {
    cluster = await TestCluster.start({
      proxies: 1,
      targets: 4,
      mountpaths: 2,
      config: { 'keepalive.interval_ms': 500, 'keepalive.timeout_ms': keepaliveTimeoutMs },
    });
    client = cluster.client(0);
    await client.createBucket(mirror, { mirror: { enabled: true, copies: 2 } });
    await client.createBucket(erasure, {
      ec: { enabled: true, data_slices: 2, parity_slices: 1, objsize_limit: 16 * 1024 },
    });
    const names = Array.from({ length: keysPerBucket }, (_, index) => `k-${index}`);
    ledgers = [mirror, erasure].map((bucket) => new WriteLedger(bucket, names));
    for (const ledger of ledgers) await ledger.settle(client, 'first', sizes);
  });
  after(() => cluster?.destroy());

  /** Overwrites every key in both buckets while `during` runs, and a little after. */
  async function overwriteDuring(tag: string, during: () => Promise<void>, deleteEvery?: number) {
    let running = true;
    const writers = ledgers.map((ledger) =>
      ledger.overwrite(client, () => running, {
        maxRounds: 40,
        sizes,
        tag,
        ...(deleteEvery === undefined ? {} : { deleteEvery }),
      }),
    );
    try {
      await during();
      await sleep(1_000);
    } finally {
      running = false;
    }
    const rounds = await Promise.all(writers);
    assert.ok(
      rounds.every((count) => count >= 2),
      `${tag}: every bucket overwritten several times (${rounds.join(', ')} rounds)`,
    );
  }

  test('killed mid-overwrite and restarted: the last acknowledged writes survive', async () => {
    const victim = cluster.targets[1];
    assert.ok(victim !== undefined);
    const rmdBefore = (await client.cluster.rebalanceMetadata())?.version ?? 0;
    await overwriteDuring('kill', async () => {
      await sleep(1_500);
      await victim.stop('SIGKILL');
    });
    // EC objects are served by a substitute; a mirrored object has all its copies on its owner
    // (mirroring guards against a lost mountpath), so nothing serves it while that owner is down.
    await ledgers[1]?.verify(client, 'EC while a target is down');
    await victim.start();
    await cluster.waitForMembers(60_000);
    // Back before the keepalive timeout: no rebalance; after it, two (its removal and its return),
    // and the last one settles.
    const rmd = (await client.cluster.rebalanceMetadata())?.version ?? 0;
    if (rmd > rmdBefore) await waitForRebalanceAfter(client, rmd - 1);
    for (const ledger of ledgers)
      await ledger.verify(client, `${ledger.bucket.name} after restart`);
  });

  /**
   * SIGKILLs `victim` mid-overwrite, keeps it down until it left the map, overwrites (and with
   * `deleteEvery`, deletes) every key on the stand-in owners, then brings it back with its stale
   * replicas, copies and pieces, which must not win over the newer writes and deletes.
   */
  async function downAndBack(victimIndex: number, tag: string, deleteEvery?: number) {
    const victim = cluster.targets[victimIndex];
    assert.ok(victim !== undefined);
    const rmdBefore = (await client.cluster.rebalanceMetadata())?.version ?? 0;
    await overwriteDuring(`${tag}-kill`, async () => {
      await sleep(1_000);
      await victim.stop('SIGKILL');
    });
    await cluster.waitForTargetCount(3, 30_000);
    const left = await waitForRebalanceAfter(client, rmdBefore);
    await overwriteDuring(`${tag}-gone`, () => sleep(1_500), deleteEvery);
    // Ends with acknowledged writes (and deletes) on the stand-ins, whatever round was last.
    for (const ledger of ledgers) await ledger.settle(client, `${tag}-last`, sizes, deleteEvery);
    // Half of the deleted keys are written again after their delete: newer than its tombstone.
    if (deleteEvery !== undefined)
      for (const ledger of ledgers)
        await ledger.settle(client, `${tag}-again`, sizes, undefined, (index) => index % 4 === 0);
    for (const ledger of ledgers) await ledger.verify(client, `${ledger.bucket.name} while down`);
    await victim.start();
    await cluster.waitForMembers(60_000, cluster.nodes.filter((node) => node.running).length);
    await waitForRebalanceAfter(client, left);
    for (const ledger of ledgers) await ledger.verify(client, `${ledger.bucket.name} after return`);
  }

  test('down past the keepalive timeout, keys rewritten, then back', async () => {
    await downAndBack(2, 'down');
  });

  test('a target joins, then one is decommissioned, while keys are rewritten and deleted', async () => {
    let rmd = (await client.cluster.rebalanceMetadata())?.version ?? 0;
    let joined: NodeProcess | undefined;
    await overwriteDuring(
      'join',
      async () => {
        joined = await cluster.addTarget();
        rmd = await waitForRebalanceAfter(client, rmd);
      },
      2,
    );
    for (const ledger of ledgers) await ledger.verify(client, `${ledger.bucket.name} after join`);
    assert.ok(joined !== undefined);
    const leaving = joined;
    await overwriteDuring(
      'leave',
      async () => {
        const jobId = await client.cluster.decommission(leaving.id);
        assert.equal((await client.jobs.wait(jobId, { timeoutMs: 60_000 })).err, '');
      },
      2,
    );
    await waitFor('the decommissioned target to stop', 30_000, () =>
      Promise.resolve(!leaving.running),
    );
    await cluster.waitForMembers(60_000, cluster.nodes.length - 1);
    for (const ledger of ledgers) await ledger.verify(client, `${ledger.bucket.name} after leave`);
  });

  // A DELETE on the stand-in owner leaves a tombstone (docs/elastic-cluster.md, Deletes while a
  // target is away): without it the returning target's stale replica (it owns the name again) or
  // its stale EC piece (a read at the owner restores from it) brings the deleted object back.
  test('down past the keepalive timeout, keys deleted, then back: nothing deleted comes back', async () => {
    await downAndBack(3, 'delete', 2);
  });
});
