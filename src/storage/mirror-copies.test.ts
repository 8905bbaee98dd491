// Unit tests for mirror copies and the other content trees: copies made, recorded, repaired from an
// intact copy when the home replica is lost or corrupt, lowered; EC files stored like objects.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import type { LocalStore } from './local-store.js';
import {
  bodyOf,
  flipByte,
  makeTemporaryDirectory,
  openTestStore,
  patternBytes,
  readAll,
  removeTemporaryDirectory,
  testBucket,
} from './store-fixtures.js';

describe('mirror copies', () => {
  let root: string;
  let store: LocalStore;
  const data = patternBytes(200_000, 7);

  before(async () => {
    root = await makeTemporaryDirectory();
    store = await openTestStore(root, 3);
  });
  after(() => removeTemporaryDirectory(root));

  const repair = (name: string, copies: number, verify: boolean) =>
    store.repairCopies({ bucket: testBucket, name, copies, verify });

  async function put(name: string, body: Buffer = data): Promise<void> {
    await store.putObject({
      bucket: testBucket,
      name,
      body: bodyOf(body),
      checksumType: 'xxhash',
      versioning: true,
    });
  }

  test('copies are made on other mountpaths and recorded in every replica', async () => {
    await put('dir/a');
    const report = await repair('dir/a', 3, false);
    assert.equal(report.created, 2);
    assert.equal(report.copies.length, 2);
    const head = await store.headObject(testBucket, 'dir/a');
    assert.deepEqual([...head.copies].sort(), [...report.copies].sort());
    assert.equal(head.mountpath, store.homeMountpath(testBucket, 'dir/a'));
    const again = await repair('dir/a', 3, true);
    assert.deepEqual(
      { created: again.created, removed: again.removed, corrupt: again.corrupt },
      { created: 0, removed: 0, corrupt: 0 },
    );
  });

  test('a lost or corrupt home replica is restored from a copy', async () => {
    const homePath = `${store.homeMountpath(testBucket, 'dir/a')}/@ais/bucket/%ob/dir/a`;
    await rm(homePath);
    const lost = await repair('dir/a', 3, true);
    assert.equal(lost.created, 1);
    await flipByte(homePath, 1000);
    const corrupt = await repair('dir/a', 3, true);
    assert.equal(corrupt.corrupt, 1);
    assert.equal(corrupt.created, 1);
    const { body, object } = await store.getObject(testBucket, 'dir/a');
    assert.deepEqual(await readAll(body), data);
    assert.equal(object.version, '1');
  });

  test('lowering the count removes copies; a newer home replaces stale copies', async () => {
    const lowered = await repair('dir/a', 1, false);
    assert.equal(lowered.removed, 2);
    assert.deepEqual((await store.headObject(testBucket, 'dir/a')).copies, []);
    await repair('dir/a', 2, false);
    const newer = patternBytes(5000, 9);
    await put('dir/a', newer);
    const report = await repair('dir/a', 2, false);
    assert.equal(report.copies.length, 1);
    const head = await store.headObject(testBucket, 'dir/a');
    assert.equal(head.version, '2');
    assert.deepEqual(head.copies, report.copies);
    assert.deepEqual(await readFile(report.copies[0] ?? ''), newer);
  });

  test('nothing intact: the report says so and nothing changes', async () => {
    const report = await repair('absent', 2, true);
    assert.equal(report.intact, false);
  });

  test('EC trees hold files stored like objects, apart from the object itself', async () => {
    const slice = patternBytes(3000, 3);
    await store.putObject({
      bucket: testBucket,
      name: 'dir/a',
      body: bodyOf(slice),
      checksumType: 'xxhash',
      versioning: false,
      version: '7',
      contentType: 'ec',
    });
    const read = await store.getObject(testBucket, 'dir/a', undefined, { contentType: 'ec' });
    assert.deepEqual(await readAll(read.body), slice);
    assert.equal(read.object.version, '7');
    const listed = await store.listObjects(testBucket, {
      limit: 10,
      withMetadata: false,
      contentType: 'ec',
    });
    assert.deepEqual(
      listed.map((entry) => entry.name),
      ['dir/a'],
    );
    await store.deleteObject(testBucket, 'dir/a', { contentType: 'ec' });
    assert.equal((await store.headObject(testBucket, 'dir/a')).size, 5000);
  });
});
