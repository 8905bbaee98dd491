// Two-way mirroring under faults: the main replica of 200 objects deleted or corrupted → every one
// reads back byte-identical and is repaired on disk; a mountpath's folder removed under a running
// target → objects are served from copies and scrub restores them; damaged copies are found by scrub.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Client } from '../../src/sdk/index.js';
import { DiskWalk, flipByte } from '../harness/disk.js';
import { cairnEntry } from '../harness/node-process.js';
import { TestCluster } from '../harness/test-cluster.js';
import { waitFor } from '../harness/wait.js';
import {
  assertAllReadBack,
  makeObjects,
  putAll,
  scrub,
  type TestObject,
} from './protection-helpers.js';

const run = promisify(execFile);
const bucket = { name: 'mirror2', provider: 'ais' };
// In-memory verified reads, and streamed ones (above the 1 MiB verify-in-memory limit).
const sizes = [500, 9_000, 60_000, 1_200_000];

/**
 * Lists the objects' replicas on disk, main first (its path has the object's home mountpath), from
 * one walk of the cluster's dir (a walk per object cost seconds of CPU for 200 objects).
 */
async function replicaLister(cluster: TestCluster): Promise<(object: TestObject) => string[]> {
  const walk = await DiskWalk.of(cluster.dir, ['%ob']);
  return (object) => walk.filesOf('%ob', object.name);
}

/** True when the object has exactly two intact replicas on disk. */
async function mirrored(files: readonly string[], object: TestObject): Promise<boolean> {
  if (files.length !== 2) return false;
  const contents = await Promise.all(files.map((file) => readFile(file)));
  return contents.every((content) => content.equals(object.data));
}

async function allMirrored(cluster: TestCluster, objects: readonly TestObject[]): Promise<boolean> {
  const replicasOf = await replicaLister(cluster);
  for (const object of objects) if (!(await mirrored(replicasOf(object), object))) return false;
  return true;
}

describe('two-way mirroring', () => {
  let cluster: TestCluster;
  let client: Client;
  let objects: TestObject[];

  before(async () => {
    cluster = await TestCluster.start({ proxies: 1, targets: 3, mountpaths: 2 });
    client = cluster.client(0);
    await client.createBucket(bucket);
    await client.setBucketProps(bucket, { mirror: { enabled: true, copies: 2 } });
    objects = makeObjects('m/', 200, sizes);
    await putAll(client, bucket, objects);
  });
  after(() => cluster?.destroy());

  test('every acknowledged object has two replicas, listed in HEAD', async () => {
    assert.ok(await allMirrored(cluster, objects));
    const props = await client.headObject(bucket, 'm/3');
    assert.equal(props.mirrorCopies, 2);
    assert.equal(props.mirrorPaths?.length, 1);
  });

  test('main replica of 200 objects deleted or corrupted: all read back and are repaired', async () => {
    const replicasOf = await replicaLister(cluster);
    for (const [index, object] of objects.entries()) {
      const home = (await client.headObject(bucket, object.name)).location?.split(':')[1] ?? '';
      const main = replicasOf(object).find((file) => file.startsWith(`${home}/`));
      assert.ok(main !== undefined, `${object.name} main replica on ${home}`);
      if (index % 2 === 0) await rm(main);
      else await flipByte(main, Math.floor(object.data.length / 2));
    }
    await assertAllReadBack(client, bucket, objects);
    await waitFor('every object repaired on disk', 60_000, () => allMirrored(cluster, objects));
  });

  test('damaged copies: scrub finds and repairs them (CLI)', async () => {
    const damaged = objects.slice(0, 20);
    const replicasOf = await replicaLister(cluster);
    for (const object of damaged) {
      const [main, copy] = replicasOf(object);
      await flipByte(copy ?? main ?? '', 0);
    }
    const env = { ...process.env, CAIRN_ENDPOINT: cluster.primary.publicUrl };
    const { stdout } = await run(
      process.execPath,
      [cairnEntry, 'storage', 'scrub', 'ais://mirror2', '--json'],
      { env },
    );
    const counts = JSON.parse(stdout) as Record<string, number>;
    assert.equal(counts.checked, objects.length);
    assert.equal(counts.corrupt, damaged.length);
    assert.equal(counts.repaired, damaged.length);
    assert.equal(counts.unrecoverable, 0);
    assert.ok(await allMirrored(cluster, objects));
  });

  test('a mountpath folder removed under a running target: served from copies, then restored', async () => {
    const target = cluster.targets[0];
    const mountpath = target?.spec.mountpaths[0];
    assert.ok(mountpath !== undefined);
    await rm(mountpath, { recursive: true, force: true });
    await assertAllReadBack(client, bucket, objects);
    const counts = await scrub(client, bucket);
    assert.equal(counts.unrecoverable, 0);
    await waitFor('every object mirrored again', 60_000, () => allMirrored(cluster, objects));
  });

  test('make-n-copies lowers and raises the copies of existing objects', async () => {
    const lower = await client.jobs.makeCopies(bucket, 1);
    assert.equal((await client.jobs.wait(lower, { timeoutMs: 60_000 })).err, '');
    const replicasOf = await replicaLister(cluster);
    for (const object of objects.slice(0, 10)) assert.equal(replicasOf(object).length, 1);
    assert.equal((await client.bucketProps(bucket)).mirror.enabled, false);
    const raise = await client.jobs.makeCopies(bucket, 2);
    assert.equal((await client.jobs.wait(raise, { timeoutMs: 60_000 })).err, '');
    assert.ok(await allMirrored(cluster, objects));
    await assert.rejects(client.jobs.makeCopies(bucket, 3), /mountpath/);
  });
});
