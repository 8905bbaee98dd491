// EC 2+2 on 5 targets under faults: flipped bytes in replicas and slices are detected and repaired
// by GET (counted in /metrics as EC repairs) and by scrub; two targets SIGKILLed for good and every object still reads back; two
// replacement targets join and scrub restores the pieces (proved by losing two more targets); a
// mountpath folder removed under running targets is rebuilt from the other targets' pieces.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { PlacementMap, type Client } from '../../src/sdk/index.js';
import { filesOf, findFiles, flipByte } from '../harness/disk.js';
import { Scrape } from '../harness/prometheus-text.js';
import { TestCluster } from '../harness/test-cluster.js';
import { sdkClient } from '../harness/s3-setup.js';
import {
  assertAllReadBack,
  assertAllReadBackS3,
  makeObjects,
  putAll,
  scrub,
  type TestObject,
} from './protection-helpers.js';

const bucket = { name: 'ec22', provider: 'ais' };
const replicationLimit = 64 * 1024;
// Replicated (small), sliced and verified in memory (medium), sliced and streamed in two stripes.
const sizes = [3_000, 40_000, 200_000, 700_000, 1_500_000, 3_200_000];

describe('erasure coding 2+2 on 5 targets', () => {
  let cluster: TestCluster;
  let client: Client;
  let s3: S3Client;
  let objects: TestObject[];

  before(async () => {
    cluster = await TestCluster.start({ proxies: 1, targets: 5, mountpaths: 1 });
    client = cluster.client(0);
    s3 = sdkClient(cluster.primary.publicUrl);
    // Dead targets stay in the map for 15 s: reads right after a kill must not wait for that.
    await cluster.setConfig({ 'keepalive.interval_ms': 500, 'keepalive.timeout_ms': 15_000 });
    await client.createBucket(bucket);
    await client.setBucketProps(bucket, {
      ec: { enabled: true, data_slices: 2, parity_slices: 2, objsize_limit: replicationLimit },
    });
    objects = makeObjects('obj-', 24, sizes);
    await putAll(client, bucket, objects);
  });
  after(async () => {
    s3?.destroy();
    await cluster?.destroy();
  });

  test('HEAD reports the EC layout and where the pieces are', async () => {
    const small = await client.headObject(bucket, 'obj-0');
    assert.equal(small.ec?.replicated, true);
    assert.equal(small.ec?.pieces.length, 3);
    const large = await client.headObject(bucket, 'obj-5');
    assert.deepEqual([large.ec?.dataSlices, large.ec?.paritySlices], [2, 2]);
    assert.equal(large.ec?.replicated, false);
    assert.deepEqual(
      large.ec?.pieces.map((piece) => piece.sliceId),
      [0, 1, 2, 3, 4],
    );
    assert.equal(new Set(large.ec?.pieces.map((piece) => piece.target)).size, 5);
  });

  test('a flipped byte in a main replica: GET returns correct bytes and rewrites it', async () => {
    const victims = objects.slice(0, 6);
    for (const object of victims) {
      const [file] = await filesOf(cluster.dir, '%ob', object.name);
      assert.ok(file !== undefined);
      await flipByte(file, object.data.length - 1);
    }
    await assertAllReadBack(client, bucket, victims);
    for (const object of victims) {
      const files = await filesOf(cluster.dir, '%ob', object.name);
      assert.equal(files.length, 1);
      assert.ok((await readFile(files[0] ?? '')).equals(object.data), `${object.name} rewritten`);
    }
    // Each rewrite is one EC repair on the target that served the read (GET /metrics).
    const repairs = async (kind: string): Promise<number> => {
      const scrapes = await Promise.all(cluster.targets.map((node) => Scrape.of(node.publicUrl)));
      return scrapes.reduce(
        (sum, scrape) => sum + scrape.value('cairn_repairs_total', { kind }),
        0,
      );
    };
    assert.equal(await repairs('ec'), victims.length);
    assert.equal(await repairs('mirror'), 0);
    assert.equal(await repairs('failed'), 0);
  });

  test('flipped bytes in slices and replicas: scrub finds and repairs them', async () => {
    const damaged = objects.slice(6, 18);
    for (const object of damaged) {
      const [piece] = await filesOf(cluster.dir, '%ec', object.name);
      assert.ok(piece !== undefined, `${object.name} has pieces`);
      await flipByte(piece, 0);
    }
    const counts = await scrub(client, bucket);
    assert.equal(counts.checked, objects.length);
    assert.equal(counts.corrupt, damaged.length);
    assert.equal(counts.repaired, damaged.length);
    assert.equal(counts.unrecoverable, 0);
    const again = await scrub(client, bucket);
    assert.deepEqual(again, { checked: objects.length, corrupt: 0, repaired: 0, unrecoverable: 0 });
    assert.ok((await findFiles(cluster.dir, '.cairn.quarantine')).length >= damaged.length);
  });

  test('two targets SIGKILLed: every object reads back at once, then after they leave the map', async () => {
    await cluster.targets[0]?.stop('SIGKILL');
    await cluster.targets[1]?.stop('SIGKILL');
    // Before the keepalive drops them: reads whose owner is dead are served from the EC pieces by
    // the next target, through a gateway redirect (native), straight from the SDK (direct mode),
    // and through the gateway's S3 proxy.
    const viaGateway = cluster.client(0, { direct: false });
    const map = await client.clusterMap({ refresh: true });
    const dead = new Set([cluster.targets[0]?.id, cluster.targets[1]?.id]);
    const placement = new PlacementMap(map);
    const orphaned = objects.filter((object) =>
      dead.has(placement.owner(bucket, object.name)?.daemon_id),
    );
    assert.ok(orphaned.length > 0, 'some objects are owned by the killed targets');
    await assertAllReadBack(viaGateway, bucket, orphaned);
    const after = await client.clusterMap({ refresh: true });
    assert.equal(Object.keys(after.tmap).length, 5, 'read while the dead targets were in the map');
    await assertAllReadBack(viaGateway, bucket, objects);
    await assertAllReadBack(client, bucket, objects);
    await assertAllReadBackS3(s3, bucket.name, objects);
    for (const object of objects.slice(0, 6)) {
      const head = await viaGateway.headObject(bucket, object.name);
      assert.equal(head.size, object.data.length, `${object.name}: HEAD size`);
    }
    const [large] = objects.filter((object) => object.data.length > 1_000_000);
    assert.ok(large !== undefined);
    const range = await viaGateway.getObjectBytes(bucket, large.name, {
      range: { start: 1_000, end: 70_999 },
    });
    assert.ok(range.equals(large.data.subarray(1_000, 71_000)), 'a range reads back');
    await cluster.waitForTargetCount(3, 60_000);
    await client.clusterMap({ refresh: true });
    await assertAllReadBack(client, bucket, objects);
  });

  test('two replacements join, scrub restores the pieces: two more losses are survived', async () => {
    await cluster.addTarget(1);
    await cluster.addTarget(1);
    await cluster.waitForTargetCount(5, 60_000);
    const counts = await scrub(client, bucket);
    assert.equal(counts.unrecoverable, 0);
    await cluster.targets[2]?.stop('SIGKILL');
    await cluster.targets[3]?.stop('SIGKILL');
    await assertAllReadBack(client, bucket, objects);
    await cluster.waitForTargetCount(3, 60_000);
    await client.clusterMap({ refresh: true });
    await assertAllReadBack(client, bucket, objects);
  });
});

describe('erasure coding: a mountpath folder removed under a running target', () => {
  let cluster: TestCluster;
  let client: Client;
  const ecBucket = { name: 'ecmp', provider: 'ais' };

  before(async () => {
    cluster = await TestCluster.start({ proxies: 1, targets: 5, mountpaths: 2 });
    client = cluster.client(0);
    await client.createBucket(ecBucket, {
      ec: { enabled: true, data_slices: 2, parity_slices: 2, objsize_limit: replicationLimit },
    });
  });
  after(() => cluster?.destroy());

  test('objects are restored from slices and replicas; scrub makes every piece whole', async () => {
    const objects = makeObjects('mp-', 30, sizes);
    await putAll(client, ecBucket, objects);
    for (const target of cluster.targets.slice(0, 2)) {
      await rm(target.spec.mountpaths[0] ?? '', { recursive: true, force: true });
    }
    await assertAllReadBack(client, ecBucket, objects);
    const counts = await scrub(client, ecBucket);
    assert.equal(counts.unrecoverable, 0);
    const again = await scrub(client, ecBucket);
    assert.deepEqual(again, { checked: objects.length, corrupt: 0, repaired: 0, unrecoverable: 0 });
  });
});
