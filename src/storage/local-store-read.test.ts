// LocalStore read tests: verified GETs, quarantine of corrupted replicas, ranges, HEAD, metadata
// updates, deletes, and replicas found on a mountpath other than their home.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rename, stat, truncate } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { getAttribute } from 'fs-xattr';
import { hashBuffer } from '../checksum/index.js';
import { isStoreError, type ErrorCode } from '../errors/index.js';
import type { LocalStore } from './local-store.js';
import {
  bodyOf,
  flipByte,
  makeTemporaryDirectory,
  openTestStore,
  putObjectFile,
  patternBytes,
  readAll,
  removeTemporaryDirectory,
  testBucket,
} from './store-fixtures.js';

let root = '';
let store: LocalStore;
const smallBytes = 10_000; // below the fixture's 64 KiB in-memory verification limit
const largeBytes = 300_000;

before(async () => {
  root = await makeTemporaryDirectory();
  store = await openTestStore(root, 2);
});

after(async () => {
  await store.close();
  await removeTemporaryDirectory(root);
});

function hasCode(code: ErrorCode): (error: unknown) => boolean {
  return (error: unknown) => isStoreError(error) && error.code === code;
}

function put(name: string, data: Buffer | string): Promise<string> {
  return putObjectFile(store, name, data);
}

/** Files under a mountpath's quarantine, relative to `<quarantine>/<ms>/`. */
async function quarantined(mountpath: string): Promise<string[]> {
  const base = join(mountpath, '.cairn.quarantine');
  let stamps: string[];
  try {
    stamps = await readdir(base);
  } catch {
    return [];
  }
  const files: string[] = [];
  for (const stamp of stamps) {
    const entries = await readdir(join(base, stamp), { recursive: true, withFileTypes: true });
    for (const entry of entries) {
      if (entry.isFile())
        files.push(join(entry.parentPath, entry.name).slice(base.length + stamp.length + 2));
    }
  }
  return files;
}

test('a flipped byte in a small object: ObjectCorrupted before any byte, replica quarantined', async () => {
  const path = await put('rot/small', patternBytes(smallBytes, 3));
  const mountpath = dirname(dirname(dirname(dirname(dirname(path)))));
  await flipByte(path, 1234);
  await assert.rejects(
    store.getObject(testBucket, 'rot/small'),
    (error: unknown) =>
      hasCode('ObjectCorrupted')(error) && /BAD DATA CHECKSUM: xxhash/.test(String(error)),
  );
  assert.deepEqual(await quarantined(mountpath), ['@ais/bucket/%ob/rot/small']);
  const [stamp] = await readdir(join(mountpath, '.cairn.quarantine'));
  const kept = join(mountpath, '.cairn.quarantine', stamp ?? '', '@ais/bucket/%ob/rot/small');
  assert.ok((await getAttribute(kept, 'user.ais.lom')).length > 9, 'metadata kept with the bytes');
  await assert.rejects(store.headObject(testBucket, 'rot/small'), hasCode('ObjectNotFound'));
});

test('a flipped byte in a large object: the stream fails instead of ending', async () => {
  const data = patternBytes(largeBytes, 4);
  const path = await put('rot/large', data);
  await flipByte(path, 200_000);
  const { object, body } = await store.getObject(testBucket, 'rot/large');
  assert.equal(object.size, largeBytes);
  await assert.rejects(readAll(body), hasCode('ObjectCorrupted'));
  await assert.rejects(stat(path), { code: 'ENOENT' });
});

test('a truncated large object fails at once', async () => {
  const path = await put('rot/truncated', patternBytes(largeBytes, 5));
  await truncate(path, largeBytes - 10);
  await assert.rejects(
    store.getObject(testBucket, 'rot/truncated'),
    (error: unknown) => hasCode('ObjectCorrupted')(error) && /size/.test(String(error)),
  );
});

test('quarantine spares a good object written over the bad one meanwhile', async () => {
  const path = await put('rot/replaced', patternBytes(largeBytes, 6));
  await flipByte(path, 5);
  const { body } = await store.getObject(testBucket, 'rot/replaced');
  const fresh = patternBytes(largeBytes, 7);
  await put('rot/replaced', fresh);
  await assert.rejects(readAll(body), hasCode('ObjectCorrupted'));
  const again = await store.getObject(testBucket, 'rot/replaced');
  assert.deepEqual(await readAll(again.body), fresh);
});

test('an open read keeps serving the old bytes while a PUT replaces the object', async () => {
  const old = patternBytes(largeBytes, 8);
  await put('swap', old);
  const { body } = await store.getObject(testBucket, 'swap');
  await put('swap', 'new');
  assert.deepEqual(await readAll(body), old);
});

test('ranges: a small object is verified then sliced; a large one is streamed', async () => {
  const small = patternBytes(smallBytes, 9);
  await put('range/small', small);
  const smallRange = await store.getObject(testBucket, 'range/small', { start: 10, end: 19 });
  assert.deepEqual(await readAll(smallRange.body), small.subarray(10, 20));
  const large = patternBytes(largeBytes, 10);
  await put('range/large', large);
  const largeRange = await store.getObject(testBucket, 'range/large', {
    start: 100_000,
    end: 250_000,
  });
  assert.deepEqual(await readAll(largeRange.body), large.subarray(100_000, 250_001));
  assert.equal(largeRange.object.size, largeBytes);
});

test('a small range of a large object read before: in one job, never of an older object', async () => {
  const large = patternBytes(largeBytes, 11);
  await put('range/seen', large);
  const range = { start: 123_456, end: 123_456 + 4095 };
  const first = await store.getObject(testBucket, 'range/seen', range);
  assert.deepEqual(await readAll(first.body), large.subarray(range.start, range.end + 1));
  // The record is cached now: the range comes read whole in memory (one job), unverified.
  const again = await store.getObject(testBucket, 'range/seen', range);
  assert.ok('inMemory' in again.body && again.body.inMemory);
  assert.deepEqual(again.range, range);
  assert.deepEqual(await readAll(again.body), large.subarray(range.start, range.end + 1));
  // Overwritten with other bytes of the same size, then shorter, then small: each read is the
  // object stored now, whatever size the cache saw last.
  const same = patternBytes(largeBytes, 12);
  await put('range/seen', same);
  const replaced = await store.getObject(testBucket, 'range/seen', range);
  assert.deepEqual(await readAll(replaced.body), same.subarray(range.start, range.end + 1));
  const shorter = patternBytes(200_000, 13);
  await put('range/seen', shorter);
  const cut = await store.getObject(testBucket, 'range/seen', (size) => ({
    start: size - 4096,
    end: size - 1,
  }));
  assert.deepEqual(await readAll(cut.body), shorter.subarray(200_000 - 4096));
  await put('range/seen', 'tiny');
  const tiny = await store.getObject(testBucket, 'range/seen', (size) => ({
    start: 1,
    end: size - 1,
  }));
  assert.equal((await readAll(tiny.body)).toString(), 'iny');
  // A file shorter than its record fails as corrupt, as a streamed range does.
  const path = await put('range/truncated', patternBytes(largeBytes, 14));
  await readAll((await store.getObject(testBucket, 'range/truncated', range)).body);
  await truncate(path, largeBytes - 10);
  await assert.rejects(
    store.getObject(testBucket, 'range/truncated', range),
    (error: unknown) => hasCode('ObjectCorrupted')(error) && /size/.test(String(error)),
  );
});

test('HEAD reports metadata; absent objects are ObjectNotFound with AIStore wording', async () => {
  await put('head/me', 'hello');
  const object = await store.headObject(testBucket, 'head/me');
  assert.equal(object.size, 5);
  assert.equal(object.checksum.value, '26c7827d889f6da3');
  assert.equal(object.name, 'head/me');
  await assert.rejects(
    store.headObject(testBucket, 'head/none'),
    (error: unknown) =>
      hasCode('ObjectNotFound')(error) &&
      String(error).includes('t[target-1]: ais://bucket/head/none does not exist'),
  );
  await assert.rejects(
    store.getObject(testBucket, 'head'),
    hasCode('ObjectNotFound'),
    'a directory is no object',
  );
});

test('custom metadata is merged or replaced, and persists', async () => {
  await store.putObject({
    bucket: testBucket,
    name: 'meta/object',
    body: bodyOf('x'),
    checksumType: 'md5',
    customMetadata: { a: '1', b: '2' },
    versioning: false,
  });
  const merged = await store.setCustomMetadata(
    testBucket,
    'meta/object',
    { b: '3', c: '4' },
    false,
  );
  assert.deepEqual(merged.customMetadata, { a: '1', b: '3', c: '4' });
  const replaced = await store.setCustomMetadata(testBucket, 'meta/object', { z: '9' }, true);
  assert.deepEqual(replaced.customMetadata, { z: '9' });
  const head = await store.headObject(testBucket, 'meta/object');
  assert.deepEqual(head.customMetadata, { z: '9' });
  assert.equal(head.checksum.value, hashBuffer('md5', Buffer.from('x')));
  await assert.rejects(
    store.setCustomMetadata(testBucket, 'meta/object', { big: 'v'.repeat(4000) }, false),
    hasCode('BadRequest'),
  );
  await assert.rejects(
    store.setCustomMetadata(testBucket, 'meta/none', {}, false),
    hasCode('ObjectNotFound'),
  );
});

test('delete removes the object and its emptied directories, then reports not found', async () => {
  const path = await put('del/deep/er/object', 'x');
  await put('del/sibling', 'y');
  await store.deleteObject(testBucket, 'del/deep/er/object');
  await assert.rejects(
    store.headObject(testBucket, 'del/deep/er/object'),
    hasCode('ObjectNotFound'),
  );
  await assert.rejects(stat(dirname(dirname(path))), { code: 'ENOENT' }, 'empty parents pruned');
  assert.equal(
    (await readAll((await store.getObject(testBucket, 'del/sibling')).body)).toString(),
    'y',
  );
  await assert.rejects(
    store.deleteObject(testBucket, 'del/deep/er/object'),
    hasCode('ObjectNotFound'),
  );
});

test('a replica on a mountpath other than its home is still found, and deleted', async () => {
  const path = await put('moved/object', 'misplaced bytes');
  const [first, second] = store.mountpaths();
  const home = path.startsWith(`${first?.path}/`) ? first : second;
  const other = home === first ? second : first;
  assert.ok(home !== undefined && other !== undefined);
  const movedPath = join(other.path, '@ais/bucket/%ob/moved/object');
  await mkdir(dirname(movedPath), { recursive: true });
  await rename(path, movedPath);
  const head = await store.headObject(testBucket, 'moved/object');
  assert.equal(head.mountpath, other.path);
  assert.equal(
    (await readAll((await store.getObject(testBucket, 'moved/object')).body)).toString(),
    'misplaced bytes',
  );
  await store.deleteObject(testBucket, 'moved/object');
  await assert.rejects(readFile(movedPath), { code: 'ENOENT' });
});

test('invalid names are rejected by every operation', async () => {
  for (const name of ['', '../escape', 'a/../b', 'nul\0name', 'x'.repeat(1100)]) {
    await assert.rejects(
      store.putObject({
        bucket: testBucket,
        name,
        body: bodyOf('x'),
        checksumType: 'xxhash',
        versioning: false,
      }),
      hasCode('InvalidObjectName'),
      JSON.stringify(name),
    );
    await assert.rejects(store.getObject(testBucket, name), hasCode('InvalidObjectName'));
    await assert.rejects(store.headObject(testBucket, name), hasCode('InvalidObjectName'));
    await assert.rejects(store.deleteObject(testBucket, name), hasCode('InvalidObjectName'));
  }
});

async function openDescriptors(): Promise<number> {
  return (await readdir('/proc/self/fd')).length;
}

test('descriptors are released after full reads, abandoned streams, failures and misses', async () => {
  await put('fd/large', patternBytes(largeBytes, 11));
  await put('fd/small', 'small');
  const corruptPath = await put('fd/corrupt', patternBytes(largeBytes, 12));
  await flipByte(corruptPath, 77);
  const before = await openDescriptors();
  for (let round = 0; round < 5; round += 1) {
    await readAll((await store.getObject(testBucket, 'fd/large')).body);
    await readAll((await store.getObject(testBucket, 'fd/small')).body);
    const abandoned = (await store.getObject(testBucket, 'fd/large')).body;
    const ranged = (await store.getObject(testBucket, 'fd/large', { start: 1, end: 2 })).body;
    await readAll(ranged);
    await abandoned.discard();
    await readAll((await store.getObject(testBucket, 'fd/large')).body.toStream());
    await store.headObject(testBucket, 'fd/small');
    await assert.rejects(store.getObject(testBucket, 'fd/none'), hasCode('ObjectNotFound'));
  }
  const corrupt = await store.getObject(testBucket, 'fd/corrupt');
  await assert.rejects(readAll(corrupt.body), hasCode('ObjectCorrupted'));
  await flipByte(await put('fd/corrupt', patternBytes(largeBytes, 13)), 99);
  const streamed = await store.getObject(testBucket, 'fd/corrupt');
  await assert.rejects(readAll(streamed.body.toStream()), hasCode('ObjectCorrupted'));
  // Closing is asynchronous; give the last closes a moment.
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(await openDescriptors(), before);
});
