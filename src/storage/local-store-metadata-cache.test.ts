// LocalStore with its metadata cache: a hot object's record is not read again from the file, the
// bytes are still read and verified every time, and every change (the store's own, or one made
// behind its back: another file renamed into place, the record rewritten) is seen by the next read.
// The content cache is off here: with it, a hot object's bytes are not read at all
// (local-store-content-cache.test.ts).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { getAttribute, setAttribute } from 'fs-xattr';
import { isStoreError } from '../errors/index.js';
import { localDisk, type Disk } from './io/index.js';
import type { LocalStore } from './local-store.js';
import { decodeObjectMetadata, encodeObjectMetadata, metadataAttributeName } from './meta/index.js';
import {
  flipByte,
  makeTemporaryDirectory,
  openTestStore,
  putObjectFile,
  patternBytes,
  readAll,
  removeTemporaryDirectory,
  testBucket,
  replaceBehindStore,
} from './store-fixtures.js';

let root = '';
let store: LocalStore;
let uncached: LocalStore;
/** Whether each one-job read of the stores read the record (false: the cache's was still good). */
const recordReads: boolean[] = [];

/** The local disk, noting for each one-job read whether it read the record. */
const countingDisk: Disk = {
  ...localDisk,
  readSmallFile: async (path, request) => {
    const file = await localDisk.readSmallFile(path, request);
    recordReads.push(!file.attributeSkipped);
    return file;
  },
};

before(async () => {
  root = await makeTemporaryDirectory();
  const noContent = { contentCache: { maxBytes: 0 } };
  store = await openTestStore(join(root, 'cached'), 1, noContent, 'target-1', {
    disk: countingDisk,
  });
  const off = { metadataCacheBytes: 0, ...noContent };
  uncached = await openTestStore(join(root, 'uncached'), 1, off, 'target-1', {
    disk: countingDisk,
  });
});

after(async () => {
  await store.close();
  await uncached.close();
  await removeTemporaryDirectory(root);
});

function put(target: LocalStore, name: string, data: Buffer): Promise<string> {
  return putObjectFile(target, name, data);
}

/** GETs `name`: its bytes, its custom metadata, and whether the record was read from the file. */
async function get(
  target: LocalStore,
  name: string,
): Promise<{ data: Buffer; custom: Record<string, string>; recordRead: boolean }> {
  recordReads.length = 0;
  const { object, body } = await target.getObject(testBucket, name);
  const data = await readAll(body);
  assert.equal(recordReads.length, 1, 'one one-job read per GET');
  return { data, custom: object.customMetadata, recordRead: recordReads[0] === true };
}

test('a hot object is served with its cached record; a cache of 0 bytes reads it each time', async () => {
  const data = patternBytes(4096);
  await put(store, 'hot', data);
  assert.equal((await get(store, 'hot')).recordRead, true);
  const again = await get(store, 'hot');
  assert.equal(again.recordRead, false);
  assert.deepEqual(again.data, data);
  recordReads.length = 0;
  await store.headObject(testBucket, 'hot');
  assert.deepEqual(recordReads, [false], 'HEAD uses the cached record too');

  await put(uncached, 'hot', data);
  await get(uncached, 'hot');
  assert.equal((await get(uncached, 'hot')).recordRead, true);
});

test('the bytes are verified on every GET, cached record or not', async () => {
  const path = await put(store, 'rotting', patternBytes(4096));
  await get(store, 'rotting');
  await flipByte(path, 100);
  await assert.rejects(
    store.getObject(testBucket, 'rotting'),
    (error: unknown) => isStoreError(error) && error.code === 'ObjectCorrupted',
  );
});

test("the store's own changes are seen by the next read: metadata, a new PUT, a delete", async () => {
  await put(store, 'changing', patternBytes(4096, 1));
  await get(store, 'changing');
  await store.setCustomMetadata(testBucket, 'changing', { color: 'blue' }, false);
  const updated = await get(store, 'changing');
  assert.equal(updated.recordRead, true);
  assert.equal(updated.custom['color'], 'blue');

  const replacement = patternBytes(2000, 2);
  await put(store, 'changing', replacement);
  const replaced = await get(store, 'changing');
  assert.equal(replaced.recordRead, true);
  assert.deepEqual(replaced.data, replacement);
  assert.deepEqual(replaced.custom, {});

  await store.deleteObject(testBucket, 'changing');
  await assert.rejects(
    store.headObject(testBucket, 'changing'),
    (error: unknown) => isStoreError(error) && error.code === 'ObjectNotFound',
  );
});

test('changes made behind the store: another file renamed into place, the record rewritten', async () => {
  const path = await put(store, 'outside', patternBytes(4096, 3));
  const otherData = patternBytes(3000, 4);
  const otherPath = await put(store, 'other', otherData);
  await get(store, 'outside');

  // Another inode at the path (with the other object's record and bytes).
  await replaceBehindStore(otherPath, path, join(root, 'staged'));
  const renamed = await get(store, 'outside');
  assert.equal(renamed.recordRead, true);
  assert.deepEqual(renamed.data, otherData);

  // The same inode, its record rewritten (past the kernel's timestamp tick, so ctime moves).
  await sleep(50);
  const record = decodeObjectMetadata(await getAttribute(path, metadataAttributeName), path);
  const rewritten = { ...record, customMetadata: { written: 'outside' } };
  await setAttribute(path, metadataAttributeName, encodeObjectMetadata(rewritten));
  const reread = await get(store, 'outside');
  assert.equal(reread.recordRead, true);
  assert.deepEqual(reread.custom, { written: 'outside' });
});
