// Unit tests for a delete's precondition (the lifecycle job's "still the version it listed"): it
// sees the current object under the write lock, and when it throws nothing is removed and no
// delete marker is added, in a bucket without history and in one that keeps it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { StoreError } from '../errors/index.js';
import type { LocalStore } from './local-store.js';
import {
  bodyOf,
  makeTemporaryDirectory,
  openTestStore,
  readAll,
  removeTemporaryDirectory,
  testBucket,
} from './store-fixtures.js';
import type { KeptHistory, StoredObject } from './store-types.js';

let root = '';
before(async () => {
  root = await makeTemporaryDirectory();
});
after(async () => {
  await removeTemporaryDirectory(root);
});

async function put(
  store: LocalStore,
  name: string,
  data: string,
  history?: KeptHistory,
): Promise<StoredObject> {
  return await store.putObject({
    bucket: testBucket,
    name,
    body: bodyOf(data),
    contentLength: data.length,
    checksumType: 'xxhash',
    versioning: false,
    customMetadata: {},
    ...(history === undefined ? {} : { history }),
  });
}

const refuse = (seen: Array<StoredObject | undefined>) => (current: StoredObject | undefined) => {
  seen.push(current);
  throw new StoreError('PreconditionFailed', 'replaced');
};

for (const history of [undefined, 'enabled'] as const) {
  test(`a refusing precondition keeps the object (history ${history ?? 'none'})`, async () => {
    const store = await openTestStore(join(root, history ?? 'none'), 2);
    const written = await put(store, 'obj', 'new bytes', history);
    const seen: Array<StoredObject | undefined> = [];
    await assert.rejects(
      store.deleteObject(testBucket, 'obj', { history, precondition: refuse(seen) }),
      (error: unknown) => error instanceof StoreError && error.code === 'PreconditionFailed',
    );
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.modifiedTimeMs, written.modifiedTimeMs);
    assert.equal(seen[0]?.versionId, written.versionId);
    const read = await store.getObject(testBucket, 'obj');
    assert.equal((await readAll(read.body)).toString(), 'new bytes');
    const versions = await store.listVersions(testBucket, {
      prefix: '',
      startAfter: '',
      limit: 10,
    });
    assert.deepEqual(
      versions.map((version) => version.deleteMarker === true),
      [false],
    );
    // An accepting one lets the delete happen.
    await store.deleteObject(testBucket, 'obj', { history, precondition: () => undefined });
    await assert.rejects(store.headObject(testBucket, 'obj'));
  });
}
