// Review45: the content cache and changes the store makes to a whole directory tree (a bucket
// destroyed, a bucket renamed). WatchedDisk reports the directory's path only, so the entries of
// the files below it must not be served: before the content cache every GET opened the file.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { isStoreError } from '../errors/index.js';
import type { Clock } from '../util/clock.js';
import type { LocalStore } from './local-store.js';
import {
  bodyOf,
  makeTemporaryDirectory,
  openTestStore,
  patternBytes,
  readAll,
  removeTemporaryDirectory,
  testBucket,
} from './store-fixtures.js';

let root = '';
let store: LocalStore;
// A clock that stands still: everything below happens well within one check interval (1 s).
const clock: Clock = { nowMs: () => 1_000_000 };
/** A client's GET: it fills the content cache. */
const client = { keepInMemory: true };

before(async () => {
  root = await makeTemporaryDirectory();
  const contentCache = { maxBytes: 64 * 1024, objectMaxBytes: 32 * 1024, checkIntervalMs: 1000 };
  store = await openTestStore(join(root, 'store'), 1, { contentCache }, 'target-1', { clock });
});

after(async () => {
  await store.close();
  await removeTemporaryDirectory(root);
});

async function putAndGetTwice(name: string, data: Buffer): Promise<void> {
  await store.putObject({
    bucket: testBucket,
    name,
    body: bodyOf(data),
    checksumType: 'xxhash',
    versioning: false,
  });
  for (let round = 0; round < 2; round += 1)
    assert.deepEqual(
      await readAll((await store.getObject(testBucket, name, undefined, client)).body),
      data,
    );
  assert.ok(store.contentCacheStats().entries > 0, 'kept in the content cache');
}

function isNotFound(error: unknown): boolean {
  return isStoreError(error) && error.code === 'ObjectNotFound';
}

test("a destroyed bucket's object is not served from memory", async () => {
  await putAndGetTwice('gone-with-bucket', patternBytes(4096, 1));
  await store.destroyBucket(testBucket);
  await assert.rejects(
    store.getObject(testBucket, 'gone-with-bucket', undefined, client),
    isNotFound,
  );
});

test("a renamed bucket's object is not served from memory under the old name", async () => {
  await putAndGetTwice('moved-with-bucket', patternBytes(4096, 2));
  await store.renameBucket(testBucket, { name: 'renamed', provider: 'ais' });
  await assert.rejects(
    store.getObject(testBucket, 'moved-with-bucket', undefined, client),
    isNotFound,
  );
});
