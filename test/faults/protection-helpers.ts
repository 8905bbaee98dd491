// Shared pieces of the data-protection fault tests: objects of mixed sizes, reading them all back,
// and running scrub to its counts.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { bodyBytes } from '../harness/s3-setup.js';
import type { BucketJson, Client, JobSnapshotsByNodeJson } from '../../src/sdk/index.js';

export interface TestObject {
  name: string;
  data: Buffer;
}

/** `count` objects named `<prefix><i>`, sizes cycling through `sizes`. */
export function makeObjects(prefix: string, count: number, sizes: readonly number[]): TestObject[] {
  return Array.from({ length: count }, (_, index) => ({
    name: `${prefix}${index}`,
    data: randomBytes((sizes[index % sizes.length] ?? 1) + index),
  }));
}

/** Runs `work` on every object, `parallel` at a time. */
async function inBatches(
  objects: readonly TestObject[],
  work: (object: TestObject) => Promise<unknown>,
  parallel = 8,
): Promise<void> {
  for (let index = 0; index < objects.length; index += parallel)
    await Promise.all(objects.slice(index, index + parallel).map(work));
}

/** PUTs the objects. */
export async function putAll(
  client: Client,
  bucket: BucketJson,
  objects: readonly TestObject[],
): Promise<void> {
  await inBatches(objects, (object) => client.putObject(bucket, object.name, object.data));
}

/** Reads every object back and asserts each is byte-identical. */
export async function assertAllReadBack(
  client: Client,
  bucket: BucketJson,
  objects: readonly TestObject[],
): Promise<void> {
  await inBatches(objects, async (object) => {
    const read = await client.getObjectBytes(bucket, object.name);
    assert.ok(read.equals(object.data), `${object.name} reads back byte-identical`);
  });
}

/** Reads every object back through S3 (GetObject) and asserts each is byte-identical. */
export async function assertAllReadBackS3(
  s3: S3Client,
  bucket: string,
  objects: readonly TestObject[],
): Promise<void> {
  await inBatches(objects, async (object) => {
    const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: object.name }));
    const read = await bodyBytes(answer.Body);
    assert.ok(read.equals(object.data), `${object.name} reads back byte-identical over S3`);
  });
}

/** Scrub's counts summed over the targets. */
export interface ScrubCounts {
  checked: number;
  corrupt: number;
  repaired: number;
  unrecoverable: number;
}

/** Runs scrub on the bucket, waits (bounded), and returns its counts. */
export async function scrub(client: Client, bucket: BucketJson): Promise<ScrubCounts> {
  const id = await client.jobs.scrub(bucket);
  const status = await client.jobs.wait(id, { timeoutMs: 120_000 });
  assert.equal(status.err, '', `scrub ${id} failed: ${status.err}`);
  const snapshots = await client.jobs.snapshots({ id });
  return {
    checked: total(snapshots, 'scrub-checked'),
    corrupt: total(snapshots, 'scrub-corrupt'),
    repaired: total(snapshots, 'scrub-repaired'),
    unrecoverable: total(snapshots, 'scrub-unrecoverable'),
  };
}

function total(snapshots: JobSnapshotsByNodeJson, counter: string): number {
  return Object.values(snapshots)
    .flat()
    .reduce((sum, snapshot) => sum + Number(snapshot.stats[counter] ?? 0), 0);
}

/** Waits until the rebalance after `previous` (an RMD version) finished on every target. */
export async function waitForRebalanceAfter(client: Client, previous: number): Promise<number> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const rmd = await client.cluster.rebalanceMetadata();
    if (rmd !== undefined && rmd.version > previous) {
      const status = await client.jobs.wait(`g${rmd.version}`, { timeoutMs: 60_000 });
      assert.equal(status.err, '', `rebalance g${rmd.version}`);
      return rmd.version;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no rebalance after g${previous} in 60 s`);
}
