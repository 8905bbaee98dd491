// LocalStore with its content cache: a hot object's GET after the first is answered from memory
// (no read of the file at all), ranges are sliced from it, every change the store makes is seen by
// the next GET, one made behind its back within the check interval, and the bound evicts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isStoreError } from '../errors/index.js';
import type { Clock } from '../util/clock.js';
import { ObjectBody } from './io/index.js';
import type { LocalStore } from './local-store.js';
import {
  bodyOf,
  makeTemporaryDirectory,
  openTestStore,
  putObjectFile,
  patternBytes,
  readAll,
  removeTemporaryDirectory,
  testBucket,
  countingDisk as countingDiskOf,
  replaceBehindStore,
} from './store-fixtures.js';

let root = '';
let store: LocalStore;
/** Files the store opened or read in one job, and the paths it stat'ed (content checks). */
const { disk: countingDisk, reads: diskReads, stats } = countingDiskOf();
let nowMs = 1_000_000;
const clock: Clock = { nowMs: () => nowMs };
const checkIntervalMs = 1000;
/** A client's GET (an internal read does not fill the cache). */
const client = { keepInMemory: true };

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

function put(name: string, data: Buffer, target: LocalStore = store): Promise<string> {
  return putObjectFile(target, name, data);
}

/** GETs `name` (a range of it with `range`): its bytes, and how many files were read for it. */
async function get(
  name: string,
  range?: { start: number; end: number },
): Promise<{ data: Buffer; reads: number }> {
  diskReads.length = 0;
  const { body } = await store.getObject(testBucket, name, range, client);
  const data = await readAll(body);
  return { data, reads: diskReads.length };
}

/** Lets a background check (a stat in the thread pool) finish. */
/** The end of this turn: the content checks started in it are sent. */
const turnEnd = (): Promise<void> => new Promise((done) => setImmediate(done));

async function settle(): Promise<void> {
  await sleep(50);
}

test('a hot object is served from memory after its first read, ranges sliced from it', async () => {
  const data = patternBytes(4096, 1);
  await put('hot', data);
  const first = await get('hot');
  assert.equal(first.reads, 1, 'the first GET reads the file');
  assert.deepEqual(first.data, data);
  const again = await get('hot');
  assert.equal(again.reads, 0, 'the second is answered from memory');
  assert.deepEqual(again.data, data);
  const ranged = await get('hot', { start: 100, end: 1099 });
  assert.equal(ranged.reads, 0);
  assert.deepEqual(ranged.data, data.subarray(100, 1100));
  assert.equal(store.contentCacheStats().hits, 2);
  assert.equal(store.contentCacheStats().bytes, 4096);
  const head = await store.headObject(testBucket, 'hot');
  assert.equal(head.size, 4096);
});

test('an internal read (no client GET) is answered from the cache but does not fill it', async () => {
  await put('internal', patternBytes(1024, 9));
  diskReads.length = 0;
  await readAll((await store.getObject(testBucket, 'internal')).body);
  await readAll((await store.getObject(testBucket, 'internal')).body);
  assert.equal(diskReads.length, 2);
  await get('internal');
  diskReads.length = 0;
  await readAll((await store.getObject(testBucket, 'internal')).body);
  assert.equal(diskReads.length, 0);
});

test("a consumer that changes a cached body's bytes changes a copy", async () => {
  const data = patternBytes(2048, 2);
  await put('shared', data);
  await get('shared');
  const { body } = await store.getObject(testBucket, 'shared', undefined, client);
  assert.ok(body instanceof ObjectBody);
  const zeroed = body.mapMemory((bytes) => bytes.fill(0));
  assert.ok(zeroed !== undefined);
  assert.deepEqual(await readAll(zeroed), Buffer.alloc(2048));
  const again = await get('shared');
  assert.equal(again.reads, 0);
  assert.deepEqual(again.data, data);
});

test('getCachedObject: a confirmed hit at once, nothing else; never past a writer', async () => {
  const data = patternBytes(4096, 11);
  await put('now', data);
  assert.equal(store.getCachedObject(testBucket, 'now'), undefined, 'not kept yet');
  await get('now');
  const hits = store.contentCacheStats().hits;
  diskReads.length = 0;
  const hit = store.getCachedObject(testBucket, 'now');
  assert.ok(hit !== undefined);
  assert.equal(hit.object.size, 4096);
  assert.deepEqual(await readAll(hit.body), data);
  assert.equal(diskReads.length, 0);
  assert.equal(store.contentCacheStats().hits, hits + 1, 'counted as a hit');
  assert.equal(store.getCachedObject(testBucket, 'no-such'), undefined);
  assert.equal(store.getCachedObject(testBucket, 'a/../now'), undefined, 'refused by getObject');

  // A writer holding the name's lock (a delete's precondition runs under it): not at once.
  await assert.rejects(
    store.deleteObject(testBucket, 'now', {
      precondition: () => {
        assert.equal(store.getCachedObject(testBucket, 'now'), undefined);
        throw new Error('kept');
      },
    }),
    /kept/,
  );
  // Overwritten: not the old bytes; the next GET's read keeps the new ones.
  const replacement = patternBytes(3000, 12);
  await put('now', replacement);
  assert.equal(store.getCachedObject(testBucket, 'now'), undefined);
  await get('now');
  const again = store.getCachedObject(testBucket, 'now');
  assert.ok(again !== undefined);
  assert.deepEqual(await readAll(again.body), replacement);
  // Not confirmed within the interval: read as usual.
  nowMs += checkIntervalMs;
  assert.equal(store.getCachedObject(testBucket, 'now'), undefined);
  assert.deepEqual((await get('now')).data, replacement);
});

test('every change the store makes is seen by the next GET: PUT, metadata, append, delete', async () => {
  await put('changing', patternBytes(4096, 3));
  await get('changing');
  assert.equal((await get('changing')).reads, 0);

  const replacement = patternBytes(3000, 4);
  await put('changing', replacement);
  const replaced = await get('changing');
  assert.equal(replaced.reads, 1);
  assert.deepEqual(replaced.data, replacement);
  assert.equal((await get('changing')).reads, 0);

  await store.setCustomMetadata(testBucket, 'changing', { color: 'blue' }, false);
  const { object, body } = await store.getObject(testBucket, 'changing');
  await readAll(body);
  assert.equal(object.customMetadata['color'], 'blue');

  // An append in place: the same inode, new bytes over its zero tail and a new record.
  const head = patternBytes(1000, 5);
  await put('a.tar', Buffer.concat([head, Buffer.alloc(9240)]));
  await get('a.tar');
  assert.equal((await get('a.tar')).reads, 0);
  const prepared = await store.prepareTailAppend({
    bucket: testBucket,
    name: 'a.tar',
    offsetBytes: 1024,
    checksumType: 'xxhash',
  });
  assert.ok(!('notInPlace' in prepared));
  const added = patternBytes(2000, 6);
  await prepared.commit(bodyOf(added), true);
  const appended = await get('a.tar');
  assert.deepEqual(appended.data, Buffer.concat([head, Buffer.alloc(24), added]));

  await store.deleteObject(testBucket, 'changing');
  await assert.rejects(
    store.getObject(testBucket, 'changing'),
    (error: unknown) => isStoreError(error) && error.code === 'ObjectNotFound',
  );
});

test('a change made behind the store is seen within the check interval', async () => {
  const path = await put('outside', patternBytes(4096, 7));
  const otherData = patternBytes(3000, 8);
  const otherPath = await put('other', otherData);
  await get('outside');
  await replaceBehindStore(otherPath, path, join(root, 'staged'));

  // Confirmed by its read less than half the interval ago: served from memory, no check.
  stats.length = 0;
  assert.deepEqual((await get('outside')).data, patternBytes(4096, 7));
  assert.deepEqual(stats, []);
  // Half the interval on: still served from memory, a stat started in the background...
  nowMs += checkIntervalMs / 2;
  const checking = await get('outside');
  assert.equal(checking.reads, 0);
  await turnEnd(); // a turn's checks are sent at its end
  assert.deepEqual(stats, [path]);
  await settle();
  // ...found the other file there: the next GET reads it.
  const seen = await get('outside');
  assert.equal(seen.reads, 1);
  assert.deepEqual(seen.data, otherData);

  // Bytes rewritten in place, and no GET for the whole interval: the next one reads the file.
  await get('outside');
  await sleep(20); // past the kernel's timestamp tick: the mtime moves
  await writeFile(path, Buffer.alloc(3000, 9));
  nowMs += checkIntervalMs;
  await assert.rejects(
    store.getObject(testBucket, 'outside'),
    (error: unknown) => isStoreError(error) && error.code === 'ObjectCorrupted',
  );
});

test('hits spaced by the interval or more wait for one stat, not a read', async () => {
  const data = patternBytes(4096, 30);
  const path = await put('spaced', data);
  await get('spaced');
  // A loader between epochs, a loaded machine: every GET past the interval, and one just
  // under half of it (which starts no check) followed by one past the interval.
  for (const stepMs of [
    checkIntervalMs,
    checkIntervalMs * 5,
    checkIntervalMs / 2 - 1,
    checkIntervalMs,
  ]) {
    nowMs += stepMs;
    stats.length = 0;
    const spaced = await get('spaced');
    assert.equal(spaced.reads, 0, `${stepMs} ms on: served from memory`);
    assert.deepEqual(spaced.data, data);
    await turnEnd(); // a turn's checks are sent at its end
    assert.deepEqual(stats, stepMs < checkIntervalMs / 2 ? [] : [path], `${stepMs} ms on`);
  }
  // A GetBatch's item: not at once, but its stat starts; served from memory once it confirms.
  nowMs += checkIntervalMs;
  stats.length = 0;
  assert.equal(store.getCachedObject(testBucket, 'spaced'), undefined);
  await turnEnd(); // a turn's checks are sent at its end
  assert.deepEqual(stats, [path]);
  const confirming = store.cachedConfirmation(testBucket, 'spaced');
  assert.ok(confirming !== undefined, 'that stat to wait for');
  await confirming;
  assert.deepEqual(stats, [path], 'one stat');
  assert.equal(store.cachedConfirmation(testBucket, 'spaced'), undefined, 'confirmed');
  const confirmed = store.getCachedObject(testBucket, 'spaced');
  assert.ok(confirmed !== undefined, 'confirmed by that stat');
  assert.deepEqual(await readAll(confirmed.body), data);
  // Replaced behind the store's back, then a GET past the interval: the stat drops the bytes.
  const otherPath = await put('spaced-other', patternBytes(3000, 31));
  await replaceBehindStore(otherPath, path, join(root, 'staged-spaced'));
  nowMs += checkIntervalMs;
  const replaced = await get('spaced');
  assert.equal(replaced.reads, 1, 'read from the file');
  assert.deepEqual(replaced.data, patternBytes(3000, 31));
});

test('the cache is bounded: least recently used objects go, larger ones are not kept', async () => {
  const root2 = join(root, 'bounded');
  const limits = { maxBytes: 10 * 1024, objectMaxBytes: 4096, checkIntervalMs };
  const small = await openTestStore(root2, 1, { contentCache: limits }, 'target-1', { clock });
  try {
    for (const name of ['a', 'b', 'c']) {
      await put(name, patternBytes(4096, name.charCodeAt(0)), small);
      await readAll((await small.getObject(testBucket, name, undefined, client)).body);
    }
    const stats = small.contentCacheStats();
    assert.equal(stats.entries, 2);
    assert.equal(stats.bytes, 8192);
    assert.equal(stats.evictions, 1);
    await put('large', patternBytes(5000, 1), small);
    await readAll((await small.getObject(testBucket, 'large', undefined, client)).body);
    assert.equal(small.contentCacheStats().bytes, 8192, 'an object over the limit is not kept');
  } finally {
    await small.close();
  }
});

test('getCachedObject follows a mountpath change: the first candidate is the new home', async () => {
  const moving = await openTestStore(
    join(root, 'moving'),
    2,
    { contentCache: { maxBytes: 64 * 1024, objectMaxBytes: 32 * 1024, checkIntervalMs } },
    'target-2',
    { clock },
  );
  try {
    const [, second] = moving.mountpaths();
    assert.ok(second !== undefined);
    const names = Array.from({ length: 12 }, (_, index) => `moving-${index}`);
    const homes = new Map<string, string>();
    for (const [index, name] of names.entries()) {
      await put(name, patternBytes(1000, index + 20), moving);
      await readAll((await moving.getObject(testBucket, name, undefined, client)).body);
      assert.ok(moving.getCachedObject(testBucket, name) !== undefined, `${name}: a hit`);
      homes.set(name, moving.homeMountpath(testBucket, name));
    }
    const onSecond = names.filter((name) => homes.get(name) === second.path);
    assert.ok(onSecond.length > 0 && onSecond.length < names.length, 'both mountpaths used');
    // Detached: draining (its files still read), no longer anyone's home.
    assert.equal(await moving.changeMountpath(second.path, 'detach'), true);
    for (const name of names) {
      const hit = moving.getCachedObject(testBucket, name);
      if (onSecond.includes(name))
        assert.equal(hit, undefined, `${name}: its new home holds no copy`);
      else assert.ok(hit !== undefined, `${name}: still a hit`);
    }
  } finally {
    await moving.close();
  }
});
