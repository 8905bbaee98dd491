// Unit test for a page of versions: a name whose kept versions vanish between the walk and the
// read is replaced by the next names, so that a short page still means the end of the listing
// (the lifecycle, rebalance and protection walks stop at the first short page).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { localDisk, type Disk } from '../io/index.js';
import type { LocalStore } from '../local-store.js';
import {
  bodyOf,
  makeTemporaryDirectory,
  openTestStore,
  removeTemporaryDirectory,
  testBucket,
} from '../store-fixtures.js';

let root = '';
let store: LocalStore;
/** Names whose kept files read as gone (removed after the walk saw them). */
const vanished = new Set<string>();

function gone(path: string): boolean {
  return [...vanished].some((name) => basename(path).startsWith(`${name};`));
}

const vanishingDisk: Disk = {
  ...localDisk,
  stat: ((path: string, options?: { bigint: true }) => {
    if (gone(path))
      return Promise.reject(Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' }));
    return options === undefined ? localDisk.stat(path) : localDisk.stat(path, options);
  }) as Disk['stat'],
};

before(async () => {
  root = await makeTemporaryDirectory();
  store = await openTestStore(root, 1, {}, 'target-1', { disk: vanishingDisk });
  // Each name: one version, then a delete marker; no current object is left, only kept files.
  for (const name of ['a', 'b', 'c', 'd']) {
    await store.putObject({
      bucket: testBucket,
      name,
      body: bodyOf(name),
      contentLength: name.length,
      checksumType: 'xxhash',
      versioning: false,
      customMetadata: {},
      history: 'enabled',
    });
    await store.deleteObject(testBucket, name, { history: 'enabled' });
  }
});

after(async () => {
  await store.close();
  await removeTemporaryDirectory(root);
});

async function namesOf(startAfter: string, limit: number): Promise<string[]> {
  const page = await store.listVersions(testBucket, { prefix: '', startAfter, limit });
  return [...new Set(page.map((version) => version.name))];
}

test('a page of versions is full unless the listing ended', async () => {
  assert.deepEqual(await namesOf('', 2), ['a', 'b']);
  vanished.add('a');
  try {
    assert.deepEqual(await namesOf('', 2), ['b', 'c'], 'a vanished name is replaced by the next');
    vanished.add('c');
    assert.deepEqual(await namesOf('', 2), ['b', 'd']);
    assert.deepEqual(await namesOf('b', 2), ['d'], 'short only at the end');
    vanished.add('d');
    assert.deepEqual(await namesOf('b', 2), []);
  } finally {
    vanished.clear();
  }
});
