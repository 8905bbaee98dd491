// Unit tests for mirror copies and the other content trees: copies made, recorded, repaired from an
// intact copy when the home replica is lost or corrupt, lowered; copies of kept versions and of
// chunked objects (with their chunk sets); EC files stored like objects.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir, rm } from 'node:fs/promises';
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

describe('mirror copies of kept versions and chunked objects', () => {
  let root: string;
  let store: LocalStore;
  const first = patternBytes(30_000, 3);
  const second = patternBytes(20_000, 4);

  before(async () => {
    root = await makeTemporaryDirectory();
    store = await openTestStore(root, 3);
  });
  after(() => removeTemporaryDirectory(root));

  async function putVersion(name: string, body: Buffer): Promise<string> {
    const object = await store.putObject({
      bucket: testBucket,
      name,
      body: bodyOf(body),
      checksumType: 'xxhash',
      versioning: false,
      history: 'enabled',
    });
    assert.ok(object.versionId !== undefined);
    return object.versionId;
  }

  /** Every file of the bucket's `tree` on every mountpath whose path contains `part`. */
  async function filesUnder(tree: string, part: string): Promise<string[]> {
    const found: string[] = [];
    for (const mountpath of await readdir(root)) {
      const directory = `${root}/${mountpath}/@ais/bucket/${tree}`;
      const entries = await readdir(directory, { recursive: true }).catch(() => []);
      for (const entry of entries) if (entry.includes(part)) found.push(`${directory}/${entry}`);
    }
    return found;
  }

  test('a kept version gets copies; it reads back after losing one, scrub-style repair', async () => {
    const kept = await putVersion('v/a', first);
    await putVersion('v/a', second);
    const made = await store.repairCopies({
      bucket: testBucket,
      name: 'v/a',
      versionId: kept,
      copies: 3,
      verify: false,
    });
    assert.equal(made.created, 2);
    assert.equal((await filesUnder('%vr', kept)).length, 3);
    const listed = await store.listVersions(testBucket, {
      prefix: 'v/',
      startAfter: '',
      limit: 10,
    });
    assert.deepEqual(
      listed.map((version) => version.versionId === kept),
      [false, true],
      'a version with copies is listed once',
    );
    assert.equal((await store.keptVersions(testBucket, 'v/a')).length, 1);
    const [home] = (await filesUnder('%vr', kept)).filter((path) =>
      path.startsWith(store.homeMountpath(testBucket, 'v/a')),
    );
    assert.ok(home !== undefined);
    await rm(home);
    const read = await store.getObject(testBucket, 'v/a', undefined, { versionId: kept });
    assert.deepEqual(await readAll(read.body), first);
    const [copy] = await filesUnder('%vr', kept);
    await flipByte(copy ?? '', 100);
    const repaired = await store.repairCopies({
      bucket: testBucket,
      name: 'v/a',
      versionId: kept,
      copies: 3,
      verify: true,
    });
    assert.deepEqual([repaired.intact, repaired.corrupt, repaired.created], [true, 1, 2]);
    await store.deleteObject(testBucket, 'v/a', { versionId: kept });
    assert.deepEqual(await filesUnder('%vr', kept), [], 'deleting a version removes its copies');
  });

  /** A chunked object of the two parts `first` and `second`; returns its chunk set. */
  async function putChunked(name: string): Promise<string> {
    const uploadId = await store.uploads.createUpload(testBucket, name, {
      customMetadata: {},
      contentHeaders: {},
      tags: {},
    });
    for (const [index, part] of [first, second].entries()) {
      await store.uploads.uploadPart({
        bucket: testBucket,
        name,
        uploadId,
        partNumber: index + 1,
        body: bodyOf(part),
        contentLength: part.length,
        checksumType: 'xxhash',
        finish: () => ({ etag: `e${index}` }),
      });
    }
    const object = await store.uploads.completeUpload({
      bucket: testBucket,
      name,
      uploadId,
      parts: [first, second].map((_, index) => ({
        partNumber: index + 1,
        etag: `e${index}`,
        extraChecksums: {},
      })),
      minPartBytes: 0,
      versioning: false,
      combineChecksums: () => Promise.resolve({}),
    });
    const set = object.chunkSet ?? '';
    assert.notEqual(set, '');
    return set;
  }

  test("a chunked object's copies have the chunk set on their own mountpath", async () => {
    const name = 'mp/a';
    const set = await putChunked(name);
    await store.repairCopies({ bucket: testBucket, name, copies: 2, verify: false });
    const manifests = await filesUnder('%ut', set);
    assert.equal(manifests.length, 2, 'the chunk set is on both mountpaths');
    // The mountpath that held the original set loses it (and the object file): the copy serves.
    const home = store.homeMountpath(testBucket, name);
    await rm(`${home}/@ais/bucket`, { recursive: true, force: true });
    const read = await store.getObject(testBucket, name);
    assert.deepEqual(await readAll(read.body), Buffer.concat([first, second]));
    const restored = await store.repairCopies({
      bucket: testBucket,
      name,
      copies: 2,
      verify: true,
    });
    assert.deepEqual([restored.intact, restored.created], [true, 1]);
    assert.equal((await filesUnder('%ut', set)).length, 2, 'the set is copied back to the home');
    await store.deleteObject(testBucket, name);
    assert.deepEqual(await filesUnder('%ch', set), [], 'deleting the object removes every set');
  });

  test("a corrupt chunk of a mirrored chunked object: that mountpath's set is replaced", async () => {
    const name = 'mp/b';
    const set = await putChunked(name);
    await store.repairCopies({ bucket: testBucket, name, copies: 2, verify: false });
    const home = store.homeMountpath(testBucket, name);
    const chunkFiles = await filesUnder('%ch', set);
    const homeChunks = chunkFiles.filter((path) => path.startsWith(`${home}/`));
    const homeChunk = homeChunks.find((path) => !path.endsWith(set));
    assert.ok(homeChunk !== undefined, 'a chunk on the home mountpath');
    await flipByte(homeChunk, 100);
    const repaired = await store.repairCopies({
      bucket: testBucket,
      name,
      copies: 2,
      verify: true,
    });
    assert.deepEqual([repaired.intact, repaired.corrupt, repaired.created], [true, 1, 1]);
    const check = await store.repairCopies({ bucket: testBucket, name, copies: 2, verify: true });
    assert.deepEqual([check.corrupt, check.created], [0, 0], 'both sets check out now');
    // The other mountpath goes: the home's replaced set alone serves the object.
    const copy = (await filesUnder('%ut', set)).find((path) => !path.startsWith(`${home}/`));
    assert.ok(copy !== undefined, 'the set is on a second mountpath');
    await rm(copy.slice(0, copy.indexOf('/@ais/')) + '/@ais/bucket', { recursive: true });
    const read = await store.getObject(testBucket, name);
    assert.deepEqual(await readAll(read.body), Buffer.concat([first, second]));
  });
});
