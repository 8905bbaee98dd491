// A target back from being away lists a bucket only once it applied the deletes its peers took
// meanwhile, as object requests do (docs/elastic-cluster.md, Deletes while a target is away): its
// stale replicas of deleted objects are not listed. The returner is an in-process target whose disk
// holds its first replica removal for a few seconds, so a listing that did not wait would see them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { BucketJson, Client } from '../../src/sdk/index.js';
import { FaultyDisk } from '../harness/faulty-disk.js';
import { JoinedTargets, type InProcessTarget } from '../harness/in-process-target.js';
import { sdkClient } from '../harness/s3-setup.js';
import { TestCluster } from '../harness/test-cluster.js';
import { waitForRebalanceAfter } from './protection-helpers.js';

const bucket: BucketJson = { name: 'listed-after-return', provider: 'ais' };
const names = Array.from({ length: 40 }, (_, index) => `k-${index}`);

describe('listings on a target back from being away', () => {
  let cluster: TestCluster;
  let client: Client;
  let joined: JoinedTargets | undefined;
  let returner: InProcessTarget;
  const disk = new FaultyDisk();

  before(async () => {
    cluster = await TestCluster.start({
      proxies: 1,
      targets: 2,
      mountpaths: 1,
      config: { 'keepalive.interval_ms': 500, 'keepalive.timeout_ms': 4_000 },
    });
    joined = await JoinedTargets.start(cluster.primary.publicUrl, 'listing-return', [disk], () =>
      cluster.waitForTargetCount(3, 30_000),
    );
    returner = joined.targets[0] as InProcessTarget;
    client = cluster.client(0);
    await client.createBucket(bucket);
  });
  after(async () => {
    await joined?.stop();
    await cluster?.destroy();
  });

  test('deleted while away: not listed (native and S3) right after the return', async () => {
    for (const name of names) await client.putObject(bucket, name, Buffer.from(`old ${name}`));
    const rmdBefore = (await client.cluster.rebalanceMetadata())?.version ?? 0;
    await returner.stop();
    await cluster.waitForTargetCount(2, 30_000);
    await waitForRebalanceAfter(client, rmdBefore);
    // Written again on the stand-ins, then deleted there: the returner keeps its old replicas.
    for (const name of names) await client.putObject(bucket, name, Buffer.from(`new ${name}`));
    for (const name of names) await client.deleteObject(bucket, name);

    await cluster.setConfig({ 'rebalance.enabled': false });
    const held = disk.inject({
      operations: ['unlink'],
      path: join(returner.mountpaths[0] ?? '', '@ais', bucket.name, '%ob'),
      fault: { delayMs: 4_000 },
      times: 1,
    });
    await returner.start(disk);
    await cluster.waitForTargetCount(3, 30_000);
    const listed: string[] = [];
    for await (const entry of client.listObjects(bucket)) listed.push(entry.name);
    assert.deepEqual(listed, [], 'native listing right after the return');
    const s3 = sdkClient(cluster.primary.publicUrl);
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket.name }));
    s3.destroy();
    assert.deepEqual(page.Contents ?? [], [], 'S3 listing right after the return');
    assert.equal(held.fired, 1, 'the returner dropped its stale replicas through the held disk');
    held.remove();
  });
});
