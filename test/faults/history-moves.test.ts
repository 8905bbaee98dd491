// Kept versions move with their protection: in a versioned 2-copy mirrored bucket and a versioned
// EC 1+1 bucket, a target joins (rebalance), leaves again (decommission: rebalance), and a mountpath
// is detached and attached back (resilver). After each move every version reads back identical
// (S3, modification times included), every kept version and delete marker has its mirror copy on
// its owner (or its EC pieces on other targets), nothing is left on a detached mountpath, and a
// scrub finds nothing to repair: the move itself protected what it moved.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DeleteObjectCommand,
  PutBucketVersioningCommand,
  PutObjectTaggingCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { BucketJson, Client } from '../../src/sdk/index.js';
import { versionPieceName } from '../../src/protect/ec/version-pieces.js';
import { DiskWalk, findFiles } from '../harness/disk.js';
import { sdkClient } from '../harness/s3-setup.js';
import type { NodeProcess } from '../harness/node-process.js';
import { TestCluster } from '../harness/test-cluster.js';
import { waitFor } from '../harness/wait.js';
import { bytesFor, s3Put, s3Snapshot } from '../cluster/integration-helpers.js';
import { scrub } from './protection-helpers.js';

const keys = 8;
const writes = 3;

interface Snapshot {
  versions: Array<{ key: string; versionId: string; latest: boolean }>;
  markers: Array<{ key: string; versionId: string; latest: boolean }>;
}

describe('kept versions move with their protection (rebalance, resilver)', () => {
  let cluster: TestCluster;
  let client: Client;
  let s3: S3Client;
  const mirror: BucketJson = { name: 'moves-mirror', provider: 'ais' };
  const erasure: BucketJson = { name: 'moves-ec', provider: 'ais' };
  const expected = new Map<string, Snapshot>();

  before(async () => {
    cluster = await TestCluster.start({
      proxies: 1,
      targets: 3,
      mountpaths: 3,
      config: { 'keepalive.interval_ms': 500 },
    });
    client = cluster.client(0);
    s3 = sdkClient(cluster.primary.publicUrl);
    await client.createBucket(mirror, { mirror: { enabled: true, copies: 2 } });
    await client.createBucket(erasure, {
      ec: { enabled: true, data_slices: 1, parity_slices: 1, objsize_limit: 16 * 1024 },
    });
    for (const bucket of [mirror, erasure]) {
      await fillHistory(bucket.name);
      expected.set(bucket.name, (await s3Snapshot(s3, bucket.name)) as Snapshot);
    }
  });
  after(async () => {
    s3?.destroy();
    await cluster?.destroy();
  });

  /** `keys` names written `writes` times (sizes on both sides of the EC size limit), a tag on a kept version, a delete marker. */
  async function fillHistory(bucket: string): Promise<void> {
    await s3.send(
      new PutBucketVersioningCommand({
        Bucket: bucket,
        VersioningConfiguration: { Status: 'Enabled' },
      }),
    );
    for (let round = 0; round < writes; round += 1) {
      await Promise.all(
        Array.from({ length: keys }, async (_, index) => {
          const key = `k-${index}`;
          const size = (index % 2 === 0 ? 4_000 : 40_000) + round;
          await s3Put(s3, bucket, key, bytesFor(`${bucket}/${key}@${round}`, size), {
            contentType: 'text/x-moves',
            metadata: { round: String(round) },
          });
          if (round === 0 && index % 3 === 0) {
            await s3.send(
              new PutObjectTaggingCommand({
                Bucket: bucket,
                Key: key,
                Tagging: { TagSet: [{ Key: 'first', Value: 'yes' }] },
              }),
            );
          }
        }),
      );
    }
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'k-1' }));
  }

  function running(): NodeProcess[] {
    return cluster.targets.filter((node) => node.running);
  }

  /** The running target whose mountpaths hold `path`. */
  function holderOf(path: string): NodeProcess | undefined {
    return running().find((node) =>
      node.spec.mountpaths.some((mountpath) => path.startsWith(`${mountpath}/`)),
    );
  }

  /** Every version reads back as before; kept ones are protected where they are now. */
  async function assertProtected(): Promise<void> {
    for (const bucket of [mirror, erasure]) {
      const before = expected.get(bucket.name);
      assert.ok(before !== undefined);
      assert.deepEqual(await s3Snapshot(s3, bucket.name), before, `${bucket.name}: S3 view`);
      const kept = [...before.versions, ...before.markers].filter((version) => !version.latest);
      const walk = await DiskWalk.of(cluster.dir, ['%vr', '%ec', '%mt']);
      for (const { key, versionId } of kept) {
        const files = walk
          .filesOf('%vr', `${key};${versionId}`)
          .filter((path) => path.includes(`/${bucket.name}/`) && holderOf(path) !== undefined);
        const holders = new Set(files.map((path) => holderOf(path)?.id));
        assert.equal(holders.size, 1, `${bucket.name}/${key};${versionId}: on one target`);
        if (bucket === mirror) {
          assert.equal(files.length, 2, `${key};${versionId}: the version and its mirror copy`);
          continue;
        }
        const metafiles = (await walk.metafilesOf(versionPieceName(key, versionId))).filter(
          ({ path }) => path.includes(`/${bucket.name}/`) && holderOf(path) !== undefined,
        );
        const pieceHolders = new Set(metafiles.map(({ path }) => holderOf(path)?.id));
        assert.ok(pieceHolders.size >= 2, `${key};${versionId}: owner and a holder of its piece`);
      }
      const counts = await scrub(client, bucket);
      assert.deepEqual(
        [counts.repaired, counts.unrecoverable],
        [0, 0],
        `${bucket.name}: scrub after the move finds nothing to repair`,
      );
    }
  }

  async function waitForRebalance(): Promise<void> {
    const rmd = await client.cluster.rebalanceMetadata();
    assert.ok(rmd !== undefined, 'a rebalance started');
    const status = await client.jobs.wait(`g${rmd.version}`, { timeoutMs: 120_000 });
    assert.equal(status.err, '');
  }

  test('a target joins, then leaves: the rebalances move kept versions protected', async () => {
    const joined = await cluster.addTarget();
    await cluster.waitForMembers(60_000);
    await waitForRebalance();
    const moved = await Promise.all(
      joined.spec.mountpaths.map((mountpath) => findFiles(mountpath, '%vr')),
    );
    assert.ok(moved.flat().length > 0, 'kept versions moved to the new target');
    await assertProtected();
    const jobId = await client.cluster.decommission(joined.id);
    assert.equal((await client.jobs.wait(jobId, { timeoutMs: 120_000 })).err, '');
    await waitFor('the decommissioned target to stop', 30_000, () =>
      Promise.resolve(!joined.running),
    );
    await cluster.waitForMembers(60_000, cluster.nodes.length - 1);
    await assertProtected();
  });

  test('a mountpath is detached, then attached: the resilvers move kept versions protected', async () => {
    const keptOn = async (mountpath: string): Promise<string[]> =>
      (await findFiles(mountpath, '%vr')).filter((path) => path.includes(`/${mirror.name}/`));
    // A mountpath that holds kept versions (of the names whose home it is, and their copies).
    let chosen: { target: NodeProcess; mountpath: string } | undefined;
    for (const target of running()) {
      for (const mountpath of target.spec.mountpaths) {
        if (chosen === undefined && (await keptOn(mountpath)).length > 0)
          chosen = { target, mountpath };
      }
    }
    assert.ok(chosen !== undefined, 'a mountpath holds kept versions');
    const { target, mountpath } = chosen;
    const change = async (action: 'attach' | 'detach'): Promise<void> => {
      const jobId = await client.cluster.mountpath(target.id, action, mountpath);
      assert.equal((await client.jobs.wait(jobId, { timeoutMs: 120_000 })).err, '');
    };
    await change('detach');
    assert.deepEqual(await keptOn(mountpath), [], 'nothing is left on the detached mountpath');
    await assertProtected();
    await change('attach');
    await assertProtected();
  });
});
