// LocalStore open/close tests: stale work files, foreign mountpaths, capacity, closed store.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isStoreError } from '../errors/index.js';
import { mountpathDigest } from '../placement/index.js';
import {
  bodyOf,
  makeTemporaryDirectory,
  openTestStore,
  readAll,
  removeTemporaryDirectory,
  testBucket,
} from './store-fixtures.js';

let root = '';

before(async () => {
  root = await makeTemporaryDirectory();
});

after(async () => {
  await removeTemporaryDirectory(root);
});

test('objects survive a reopen; stale work files of a dead process are removed', async () => {
  const directory = join(root, 'reopen');
  const first = await openTestStore(directory, 2);
  await first.putObject({
    bucket: testBucket,
    name: 'kept',
    body: bodyOf('kept'),
    checksumType: 'xxhash',
    versioning: false,
  });
  await first.close();
  // A crash mid-PUT leaves work files behind on any mountpath.
  const stale = join(directory, 'mp1/@ais/bucket/%wk');
  await mkdir(stale, { recursive: true });
  await writeFile(join(stale, 'put.0123456789abcdef.1f'), 'partial');
  const second = await openTestStore(directory, 2);
  await assert.rejects(readdir(stale), { code: 'ENOENT' });
  assert.equal(
    (await readAll((await second.getObject(testBucket, 'kept')).body)).toString(),
    'kept',
  );
  await second.close();
});

test('mountpaths are cleaned absolute paths with their placement digest', async () => {
  const store = await openTestStore(join(root, 'digest'), 2);
  for (const mountpath of store.mountpaths()) {
    assert.ok(mountpath.path.startsWith('/'));
    assert.equal(mountpath.digest, mountpathDigest(mountpath.path));
    assert.equal(mountpath.enabled, true);
  }
  const capacity = await store.capacity();
  assert.equal(capacity.length, 2);
  assert.ok((capacity[0]?.totalBytes ?? 0) > 0);
  // Both mountpaths are directories of one file system: the same device ID tells so.
  assert.match(capacity[0]?.filesystem ?? '', /^\d+$/);
  assert.equal(capacity[0]?.filesystem, capacity[1]?.filesystem);
  await store.close();
});

test('a mountpath owned by another node is refused', async () => {
  const directory = join(root, 'foreign');
  await (await openTestStore(directory, 1, {}, 'node-a')).close();
  await assert.rejects(
    openTestStore(directory, 1, {}, 'node-b'),
    (error: unknown) => isStoreError(error) && /belongs to node "node-a"/.test(error.message),
  );
});

test('a closed store refuses operations', async () => {
  const store = await openTestStore(join(root, 'closed'), 1);
  await store.close();
  await assert.rejects(store.headObject(testBucket, 'x'), (error: unknown) => isStoreError(error));
});
