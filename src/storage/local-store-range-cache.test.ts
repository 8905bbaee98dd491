// LocalStore's content cache for ranges read alone (a file of a shard read by its index): after a
// read with `keepRangeInMemory` the same range is answered from memory (through `getObject` and at
// once through `getCachedObject`), never after the store changed the file, never unconfirmed past
// the check interval, and a change behind the store's back is seen by the file's one stat.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { getAttribute, setAttribute } from 'fs-xattr';
import { isStoreError } from '../errors/index.js';
import type { Clock } from '../util/clock.js';
import type { LocalStore } from './local-store.js';
import { metadataAttributeName, rangeOverheadBytes } from './meta/index.js';
import {
  makeTemporaryDirectory,
  openTestStore,
  putObjectFile,
  patternBytes,
  readAll,
  removeTemporaryDirectory,
  testBucket,
  countingDisk as countingDiskOf,
} from './store-fixtures.js';
import type { ByteRange } from './store-types.js';

let root = '';
let store: LocalStore;
/** Files the store opened or read in one job, and the paths it stat'ed (content checks). */
const { disk: countingDisk, reads: diskReads, stats } = countingDiskOf();
let nowMs = 1_000_000;
const clock: Clock = { nowMs: () => nowMs };
const checkIntervalMs = 1000;
/** Larger than the store's whole reads (64 KiB in tests): its small ranges are read alone. */
const shardBytes = 256 * 1024;
/** A file of a shard read by its index. */
const entryRead = { keepInMemory: true, keepRangeInMemory: true };
const first: ByteRange = { start: 100_000, end: 100_000 + 4095 };
const second: ByteRange = { start: 200_000, end: 200_000 + 999 };

before(async () => {
  root = await makeTemporaryDirectory();
  const contentCache = { maxBytes: 64 * 1024, objectMaxBytes: 32 * 1024, checkIntervalMs };
  store = await openTestStore(join(root, 'store'), 1, { contentCache }, 'target-1', {
    disk: countingDisk,
    clock,
  });
});

after(async () => {
  await store.close();
  await removeTemporaryDirectory(root);
});

/** Reads `range` of `name`: its bytes, and how many files were read for it. */
async function getRange(
  name: string,
  range: ByteRange,
  options: { keepInMemory?: boolean; keepRangeInMemory?: boolean } = entryRead,
): Promise<{ data: Buffer; reads: number }> {
  diskReads.length = 0;
  const read = await store.getObject(testBucket, name, range, options);
  assert.deepEqual(read.range, range);
  return { data: await readAll(read.body), reads: diskReads.length };
}

/** The range at once from the content cache, or undefined. */
async function cachedNow(name: string, range: ByteRange): Promise<Buffer | undefined> {
  const hit = store.getCachedObject(testBucket, name, range);
  if (hit === undefined) return undefined;
  assert.deepEqual(hit.range, range);
  return await readAll(hit.body);
}

const slice = (data: Buffer, range: ByteRange): Buffer => data.subarray(range.start, range.end + 1);

/** A large object, its record cached (the small-range read needs the size seen before). */
async function putShard(name: string, data: Buffer): Promise<string> {
  const path = await putObjectFile(store, name, data);
  await readAll((await store.getObject(testBucket, name, { start: 0, end: 0 })).body);
  return path;
}

/** The end of this turn: the content checks started in it are sent. */
const turnEnd = (): Promise<void> => new Promise((done) => setImmediate(done));

test('a range read alone for a file of a shard is answered from memory after, also at once', async () => {
  const data = patternBytes(shardBytes, 1);
  await putShard('shard', data);
  assert.equal(await cachedNow('shard', first), undefined, 'not kept yet');
  const read = await getRange('shard', first);
  assert.equal(read.reads, 1, 'the first read reads the file');
  assert.deepEqual(read.data, slice(data, first));
  const again = await getRange('shard', first);
  assert.equal(again.reads, 0, 'the second is answered from memory');
  assert.deepEqual(again.data, slice(data, first));
  diskReads.length = 0;
  assert.deepEqual(await cachedNow('shard', first), slice(data, first));
  assert.equal(diskReads.length, 0);
  // Another range of it is not kept by that one; a plain range read does not fill the cache.
  assert.equal(await cachedNow('shard', second), undefined);
  const plain = { keepInMemory: true };
  assert.equal((await getRange('shard', second, plain)).reads, 1);
  assert.equal((await getRange('shard', second, plain)).reads, 1);
  assert.equal(await cachedNow('shard', second), undefined);
  // ...but is served from it when the range is kept (by a file's read).
  assert.equal((await getRange('shard', first, plain)).reads, 0);
  const { bytes } = store.contentCacheStats();
  assert.equal(bytes, 4096 + rangeOverheadBytes, 'counted with its overhead');
});

test('every change the store makes drops the ranges kept: PUT, metadata, delete', async () => {
  const data = patternBytes(shardBytes, 2);
  await putShard('changing', data);
  await getRange('changing', first);
  await getRange('changing', second);
  assert.ok((await cachedNow('changing', second)) !== undefined);

  // Other bytes of the same size: the same offsets hold other bytes now.
  const replacement = patternBytes(shardBytes, 3);
  await putObjectFile(store, 'changing', replacement);
  assert.equal(await cachedNow('changing', first), undefined);
  assert.equal(await cachedNow('changing', second), undefined);
  const replaced = await getRange('changing', first);
  assert.ok(replaced.reads > 0, 'read from the file');
  assert.deepEqual(replaced.data, slice(replacement, first));
  // Its record cached by that read, the next reads the range alone and keeps it.
  assert.deepEqual((await getRange('changing', first)).data, slice(replacement, first));
  assert.deepEqual(await cachedNow('changing', first), slice(replacement, first));

  await store.setCustomMetadata(testBucket, 'changing', { color: 'blue' }, false);
  assert.equal(await cachedNow('changing', first), undefined);
  const { object } = await store.getObject(testBucket, 'changing', first, entryRead);
  assert.equal(object.customMetadata['color'], 'blue');

  await store.deleteObject(testBucket, 'changing');
  assert.equal(await cachedNow('changing', first), undefined);
  await assert.rejects(
    store.getObject(testBucket, 'changing', first, entryRead),
    (error: unknown) => isStoreError(error) && error.code === 'ObjectNotFound',
  );
});

test('not served unconfirmed past the interval; one stat confirms every range of the file', async () => {
  const data = patternBytes(shardBytes, 4);
  await putShard('window', data);
  await getRange('window', first);
  await getRange('window', second);
  nowMs += checkIntervalMs;
  stats.length = 0;
  assert.equal(await cachedNow('window', first), undefined, 'unconfirmed for the interval');
  assert.equal((await getRange('window', first)).reads, 0, 'served once a stat confirms it');
  await turnEnd(); // a turn's checks are sent at its end
  assert.equal(stats.length, 1, 'one stat, no read of the file');
  assert.equal((await getRange('window', second)).reads, 0, 'the file confirmed by that stat');
  assert.equal(stats.length, 1);
  // Half the interval on, a hit of one range checks the file; the other range is confirmed too.
  nowMs += checkIntervalMs / 2;
  stats.length = 0;
  assert.ok((await cachedNow('window', first)) !== undefined);
  await turnEnd(); // a turn's checks are sent at its end
  assert.equal(stats.length, 1, 'a stat started in the background');
  await sleep(50);
  nowMs += (checkIntervalMs * 7) / 10;
  assert.deepEqual(await cachedNow('window', second), slice(data, second));
});

test('a range kept but unconfirmed past the interval: its confirmation to wait for, then at once', async () => {
  const data = patternBytes(shardBytes, 8);
  await putShard('waited', data);
  await getRange('waited', first);
  assert.equal(store.cachedConfirmation(testBucket, 'waited', first), undefined, 'confirmed');
  nowMs += checkIntervalMs;
  stats.length = 0;
  diskReads.length = 0;
  assert.equal(await cachedNow('waited', first), undefined, 'unconfirmed for the interval');
  // The stat that miss started (an archpath read waits for it, not the object's whole read path).
  const confirming = store.cachedConfirmation(testBucket, 'waited', first);
  assert.ok(confirming !== undefined, 'a confirmation of the range to wait for');
  await confirming;
  assert.deepEqual(await cachedNow('waited', first), slice(data, first));
  assert.equal(stats.length, 1, 'one stat');
  assert.equal(diskReads.length, 0, 'no read of the file');
  // A range not kept has nothing to wait for (read from the file).
  assert.equal(store.cachedConfirmation(testBucket, 'waited', second), undefined);
});

test('a change made behind the store is seen by the background stat', async () => {
  const data = patternBytes(shardBytes, 5);
  const path = await putShard('outside', data);
  const other = patternBytes(shardBytes, 6);
  const otherPath = await putObjectFile(store, 'other', other);
  await getRange('outside', first);
  const staged = join(root, 'staged');
  await copyFile(otherPath, staged);
  const attribute = await getAttribute(otherPath, metadataAttributeName);
  await setAttribute(staged, metadataAttributeName, attribute);
  await rename(staged, path);
  // Confirmed by its read less than half the interval ago: still the bytes read then.
  assert.deepEqual(await cachedNow('outside', first), slice(data, first));
  nowMs += checkIntervalMs / 2;
  stats.length = 0;
  assert.ok((await cachedNow('outside', first)) !== undefined);
  await turnEnd(); // a turn's checks are sent at its end
  assert.deepEqual(stats, [path]);
  await sleep(50);
  assert.equal(await cachedNow('outside', first), undefined, 'dropped by the stat');
  const seen = await getRange('outside', first);
  assert.equal(seen.reads, 1);
  assert.deepEqual(seen.data, slice(other, first));
});

test('ranges are bounded with everything else: least recently used go, larger ones not kept', async () => {
  const limits = { maxBytes: 10 * 1024, objectMaxBytes: 4096, checkIntervalMs };
  const small = await openTestStore(
    join(root, 'bounded'),
    1,
    { contentCache: limits },
    'target-1',
    {
      clock,
    },
  );
  try {
    const data = patternBytes(shardBytes, 7);
    await putObjectFile(small, 'big', data);
    await readAll((await small.getObject(testBucket, 'big', { start: 0, end: 0 })).body);
    for (const start of [0, 10_000, 20_000]) {
      const range = { start, end: start + 4095 };
      await readAll((await small.getObject(testBucket, 'big', range, entryRead)).body);
    }
    const stats = small.contentCacheStats();
    assert.equal(stats.entries, 2);
    assert.equal(stats.bytes, 2 * (4096 + rangeOverheadBytes));
    assert.equal(stats.evictions, 1);
    assert.equal(small.getCachedObject(testBucket, 'big', { start: 0, end: 4095 }), undefined);
    assert.ok(small.getCachedObject(testBucket, 'big', { start: 20_000, end: 24_095 }));
    const over = { start: 30_000, end: 30_000 + 4096 };
    await readAll((await small.getObject(testBucket, 'big', over, entryRead)).body);
    assert.equal(small.contentCacheStats().entries, 2, 'a range over the limit is not kept');
  } finally {
    await small.close();
  }
});
