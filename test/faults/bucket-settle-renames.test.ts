// The bucket-marker check as a target runs it (BucketRenames over a real store). A target away
// while bucket A (ID a) was renamed to B and A was created again (ID y): on its return it must move
// A's directory to B (a missed rename). When that move fails, the directory still holds B's objects
// (possibly their only replicas here): the check must not take it for a destroyed incarnation of
// the new A and trash it. And a mountpath attached or enabled again may hold a destroyed
// incarnation: the check, done once per bucket ID, runs again then (`recheck`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BucketMetadata, defaultBucketProps } from '../../src/cluster/index.js';
import type { JobRegistry } from '../../src/jobs/index.js';
import type { NodeRuntime } from '../../src/roles/common/node-runtime.js';
import { BucketRenames } from '../../src/roles/target/rename/bucket-renames.js';
import type { LocalStore } from '../../src/storage/index.js';
import {
  putData,
  makeTemporaryDirectory,
  openTestStore,
  removeTemporaryDirectory,
} from '../../src/storage/store-fixtures.js';
import type { BucketJson } from '../../src/wire/index.js';
import { FaultyDisk } from '../harness/faulty-disk.js';

const a: BucketJson = { name: 'a', provider: 'ais' };
const b: BucketJson = { name: 'b', provider: 'ais' };

async function present(store: LocalStore, bucket: BucketJson, name: string): Promise<boolean> {
  try {
    await store.headObject(bucket, name);
    return true;
  } catch {
    return false;
  }
}

/** The target's BucketRenames over `store`, with the bucket metadata `bmd`. */
function renamesOver(store: LocalStore, bmd: BucketMetadata): BucketRenames {
  const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const runtime = {
    store: { bucketMetadata: bmd, onChange: () => undefined },
    log,
  } as unknown as NodeRuntime;
  const jobs = { abort: () => undefined } as unknown as JobRegistry;
  return new BucketRenames(runtime, store, jobs);
}

test('a missed rename that failed leaves its content; it is not trashed as a stale A', async () => {
  const root = await makeTemporaryDirectory();
  const disk = new FaultyDisk();
  const store = await openTestStore(root, 1, {}, 'target-1', { disk });
  try {
    await putData(store, a, 'only-replica', 'an object of the bucket renamed to b');
    await store.settleBucket(a, { bid: '5', formerBids: [], claimedBids: new Set() });
    // Now: a (ID 5) was renamed to b (ID 6), then a was created again (ID 8).
    const bmd = BucketMetadata.empty('uuid')
      .withBucket(a, defaultBucketProps('ais', 'xxhash', 8n))
      .withBucket(b, {
        ...defaultBucketProps('ais', 'xxhash', 6n),
        renamed_from: [{ bucket: a, bid: '5' }],
      });
    const renames = renamesOver(store, bmd);
    // The missed rename's move of a's directory fails once (EIO).
    disk.inject({
      operations: ['rename'],
      path: join(root, 'mp0', '@ais', 'a'),
      fault: { error: 'EIO' },
      times: 1,
    });
    await renames.apply([{ from: a, to: b }]);
    const kept =
      (await present(store, a, 'only-replica')) || (await present(store, b, 'only-replica'));
    assert.ok(kept, "b's object (left in a's directory by the failed move) was trashed");
  } finally {
    await store.close();
    await removeTemporaryDirectory(root);
  }
});

test('a recheck (a mountpath back in use) removes a destroyed incarnation a first check passed', async () => {
  const root = await makeTemporaryDirectory();
  const store = await openTestStore(root, 1, {}, 'target-1');
  try {
    await putData(store, a, 'destroyed', 'an object of a destroyed incarnation of a');
    const renames = renamesOver(
      store,
      BucketMetadata.empty('uuid').withBucket(a, defaultBucketProps('ais', 'xxhash', 8n)),
    );
    await renames.apply();
    // As a mountpath attached again with what it held of a's incarnation 3 would look.
    const marker = join(root, 'mp0', '@ais', 'a', '.cairn.bucket.json');
    await writeFile(marker, '{"formatVersion":1,"bid":"3"}\n');
    await renames.apply();
    assert.equal(await present(store, a, 'destroyed'), true, 'checked once per bucket ID');
    await renames.recheck();
    assert.equal(await present(store, a, 'destroyed'), false);
  } finally {
    await store.close();
    await removeTemporaryDirectory(root);
  }
});
