// Unit tests for moving objects: migration PUTs (version and modification time kept, a newer
// replica wins), removal only of the version that was sent, and run-time mountpath changes with
// the resilver walk and the persisted volume record.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isStoreError } from '../errors/index.js';
import { LocalStore } from './local-store.js';
import {
  bodyOf,
  makeTemporaryDirectory,
  openTestStore,
  patternBytes,
  readAll,
  removeTemporaryDirectory,
  testBucket,
  testStorageOptions,
} from './store-fixtures.js';

let root = '';
before(async () => {
  root = await makeTemporaryDirectory();
});
after(async () => {
  await removeTemporaryDirectory(root);
});

const noAbort = new AbortController().signal;

/** Object files on a mountpath (anything below a `%ob` directory). */
async function objectFiles(mountpath: string): Promise<string[]> {
  const entries = await readdir(mountpath, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.parentPath.split('/').includes('%ob'))
    .map((entry) => join(entry.parentPath, entry.name));
}

test('a migration keeps version, custom metadata and mtime; a newer replica is kept instead', async () => {
  const store = await openTestStore(join(root, 'migrate'), 2);
  const data = patternBytes(5000);
  const moved = await store.putObject({
    bucket: testBucket,
    name: 'a/b',
    body: bodyOf(data),
    checksumType: 'xxhash',
    customMetadata: { origin: 'elsewhere' },
    versioning: false,
    migration: { version: '7', modifiedTimeMs: 1_600_000_000_123 },
  });
  assert.equal(moved.version, '7');
  assert.equal(moved.modifiedTimeMs, 1_600_000_000_123);
  assert.deepEqual(moved.customMetadata, { origin: 'elsewhere' });
  // A client's later PUT (newer mtime) wins over an older migrating copy.
  await store.putObject({
    bucket: testBucket,
    name: 'a/b',
    body: bodyOf('new'),
    checksumType: 'xxhash',
    versioning: false,
  });
  const kept = await store.putObject({
    bucket: testBucket,
    name: 'a/b',
    body: bodyOf(data),
    checksumType: 'xxhash',
    versioning: false,
    migration: { version: '7', modifiedTimeMs: 1_600_000_000_123 },
  });
  assert.equal(kept.size, 3);
  assert.equal((await readAll((await store.getObject(testBucket, 'a/b')).body)).toString(), 'new');
  // A wrong checksum on receipt stores nothing.
  await assert.rejects(
    store.putObject({
      bucket: testBucket,
      name: 'c',
      body: bodyOf('bytes'),
      checksumType: 'xxhash',
      expectedChecksum: { type: 'xxhash', value: '0000000000000000' },
      versioning: false,
      migration: { modifiedTimeMs: Date.now() },
    }),
    (error: unknown) => isStoreError(error) && error.code === 'ChecksumMismatch',
  );
  await assert.rejects(store.headObject(testBucket, 'c'));
});

test('removeIfUnchanged drops only the version that was sent', async () => {
  const store = await openTestStore(join(root, 'remove'), 1);
  const sent = await store.putObject({
    bucket: testBucket,
    name: 'x',
    body: bodyOf('one'),
    checksumType: 'xxhash',
    versioning: false,
  });
  const identity = { modifiedTimeMs: sent.modifiedTimeMs, checksumValue: sent.checksum.value };
  await new Promise((resolve) => setTimeout(resolve, 5));
  await store.putObject({
    bucket: testBucket,
    name: 'x',
    body: bodyOf('two'),
    checksumType: 'xxhash',
    versioning: false,
  });
  assert.equal(
    await store.removeIfUnchanged(testBucket, 'x', identity),
    false,
    'changed meanwhile',
  );
  const current = await store.headObject(testBucket, 'x');
  const now = { modifiedTimeMs: current.modifiedTimeMs, checksumValue: current.checksum.value };
  assert.equal(await store.removeIfUnchanged(testBucket, 'x', now), true);
  assert.equal(await store.removeIfUnchanged(testBucket, 'x', now), false, 'already gone');
});

test('detach drains a mountpath through the resilver walk; the volume record survives a reopen', async () => {
  const base = join(root, 'volume');
  const paths = [join(base, 'mp0'), join(base, 'mp1')];
  const record = join(base, 'mountpaths.json');
  const open = (): Promise<LocalStore> =>
    LocalStore.open({
      nodeId: 'node',
      mountpaths: paths,
      storage: testStorageOptions,
      volumeRecordPath: record,
    });
  const store = await open();
  const objects = new Map<string, Buffer>();
  for (let i = 0; i < 60; i += 1) {
    const data = patternBytes(100 + i, i + 1);
    objects.set(`dir/${i}`, data);
    await store.putObject({
      bucket: testBucket,
      name: `dir/${i}`,
      body: bodyOf(data),
      checksumType: 'xxhash',
      versioning: false,
    });
  }
  const [, second = ''] = paths;
  assert.ok((await objectFiles(second)).length > 0);
  assert.equal(await store.changeMountpath(second, 'detach'), true);
  assert.equal(store.resilverPending, true);
  assert.deepEqual(
    store.mountpaths().map((mountpath) => [mountpath.enabled, mountpath.leaving]),
    [
      [true, undefined],
      [false, 'detach'],
    ],
  );
  // Draining: not a home for new objects, still read.
  for (const [name, data] of objects)
    assert.deepEqual(await readAll((await store.getObject(testBucket, name)).body), data);
  let moved = 0;
  const options = {
    signal: noAbort,
    concurrency: 4,
    onMoved: () => (moved += 1),
    onFailed: () => assert.fail('no failure'),
  };
  assert.ok((await store.relocateMisplaced([testBucket], options)) > 0);
  assert.equal(
    await store.relocateMisplaced([testBucket], options),
    0,
    'a second pass finds nothing',
  );
  assert.deepEqual(await objectFiles(second), []);
  assert.deepEqual(await store.completeMountpathChanges(), [second]);
  assert.equal(store.mountpaths().length, 1);
  assert.equal(store.resilverPending, false);
  const reopened = await open();
  assert.deepEqual(
    reopened.mountpaths().map((mountpath) => mountpath.path),
    [paths[0]],
  );
  for (const [name, data] of objects) {
    const read = await reopened.getObject(testBucket, name);
    assert.deepEqual(await readAll(read.body), data);
  }
  const persisted = JSON.parse(await readFile(record, 'utf8')) as { detached: string[] };
  assert.deepEqual(persisted.detached, [second]);
  await assert.rejects(
    reopened.changeMountpath(paths[0] ?? '', 'disable'),
    /last enabled mountpath/,
  );
  await assert.rejects(reopened.changeMountpath(join(base, 'nope'), 'enable'), /not attached/);
  // Attaching it back moves objects home to it again; mtimes are kept by moves.
  const before = await reopened.headObject(testBucket, 'dir/1');
  assert.equal(await reopened.changeMountpath(second, 'attach'), true);
  await reopened.relocateMisplaced([testBucket], options);
  await reopened.completeMountpathChanges();
  assert.ok((await objectFiles(second)).length > 0);
  const after = await reopened.headObject(testBucket, 'dir/1');
  assert.equal(after.modifiedTimeMs, before.modifiedTimeMs);
  assert.equal((await stat(record)).isFile(), true);
});

test('resilver keeps a null version written before history was on as a kept version', async () => {
  const base = join(root, 'null-versions');
  const paths = [join(base, 'mp0'), join(base, 'mp1')];
  const store = await LocalStore.open({
    nodeId: 'node',
    mountpaths: paths,
    storage: testStorageOptions,
    volumeRecordPath: join(base, 'mountpaths.json'),
  });
  const put = (name: string, data: string, history?: 'enabled') =>
    store.putObject({
      bucket: testBucket,
      name,
      body: bodyOf(data),
      checksumType: 'xxhash',
      versioning: false,
      ...(history === undefined ? {} : { history }),
    });
  const names = Array.from({ length: 24 }, (_, index) => `n/${index}`);
  for (const name of names) {
    await put(name, `before-${name}`); // no history yet: no version ID, no stamp
    await put(name, `after-${name}`, 'enabled'); // the first is kept aside as version `null`
  }
  const [, second = ''] = paths;
  assert.equal(await store.changeMountpath(second, 'detach'), true);
  const options = { signal: noAbort, concurrency: 4, onMoved: () => 0, onFailed: () => 0 };
  await store.relocateMisplaced([testBucket], options);
  await store.completeMountpathChanges();
  for (const name of names) {
    const latest = await readAll((await store.getObject(testBucket, name)).body);
    assert.equal(latest.toString(), `after-${name}`);
    const kept = await store.getObject(testBucket, name, undefined, { versionId: 'null' });
    assert.equal((await readAll(kept.body)).toString(), `before-${name}`);
  }
});
