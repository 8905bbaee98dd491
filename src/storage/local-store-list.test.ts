// LocalStore listing tests: global name order, prefix and startAfter paging over several
// mountpaths and directories with a few thousand names; bucket destruction.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { ListingDirectories } from './io/index.js';
import type { BucketJson } from '../wire/index.js';
import type { LocalStore } from './local-store.js';
import {
  bodyOf,
  makeTemporaryDirectory,
  openTestStore,
  removeTemporaryDirectory,
  testBucket,
} from './store-fixtures.js';

let root = '';
let store: LocalStore;
const names: string[] = [];

/** Stores an object whose content is its name (checksummed, unversioned). */
function putNamed(bucket: BucketJson, name: string): Promise<unknown> {
  return store.putObject({
    bucket,
    name,
    body: bodyOf(name),
    checksumType: 'xxhash',
    versioning: false,
  });
}

before(async () => {
  root = await makeTemporaryDirectory();
  store = await openTestStore(root, 3);
  // ~3000 names over nested directories, with separators chosen to test ordering around '/'.
  for (let top = 0; top < 12; top += 1) {
    for (let middle = 0; middle < 10; middle += 1) {
      for (let leaf = 0; leaf < 25; leaf += 1) {
        const separator = ['/', '-', '.', '0'][leaf % 4];
        names.push(`d${top}/m${middle}${separator}f${leaf}`);
      }
    }
  }
  names.push('top-level', 'd1', 'd1-', 'd10x', 'ünïcode/ø', 'Z', '~tilde', 'a b/c d');
  // `d1` is a file while `d1/` holds objects: one of the two forms is stored hashed.
  const queue = [...names];
  const worker = async (): Promise<void> => {
    for (let name = queue.pop(); name !== undefined; name = queue.pop()) {
      await putNamed(testBucket, name);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  names.sort();
});

after(async () => {
  await store.close();
  await removeTemporaryDirectory(root);
});

test('objects are spread over every mountpath', async () => {
  for (const mountpath of store.mountpaths()) {
    assert.ok((await readdir(`${mountpath.path}/@ais/bucket/%ob`)).length > 0, mountpath.path);
  }
});

test('a full listing returns every name once, in JS string order, with metadata', async () => {
  const all = await store.listObjects(testBucket, { limit: 100_000, withMetadata: true });
  assert.deepEqual(
    all.map((object) => object.name),
    names,
  );
  for (const object of all.slice(0, 50)) {
    assert.equal(object.size, Buffer.byteLength(object.name));
    assert.equal(object.checksum.type, 'xxhash');
    assert.ok(store.mountpaths().some((mountpath) => mountpath.path === object.mountpath));
  }
});

test('paging with startAfter visits every name exactly once, for several page sizes', async () => {
  for (const limit of [1, 7, 100, 1000]) {
    const seen: string[] = [];
    let startAfter = '';
    for (;;) {
      const page = await store.listObjects(testBucket, { startAfter, limit, withMetadata: false });
      assert.ok(page.length <= limit);
      if (page.length === 0) break;
      seen.push(...page.map((entry) => entry.name));
      startAfter = page[page.length - 1]?.name ?? '';
      if (limit === 1 && seen.length >= 300) break; // enough to exercise one-at-a-time paging
    }
    assert.deepEqual(seen, names.slice(0, seen.length), `limit ${limit}`);
    if (limit !== 1) assert.equal(seen.length, names.length, `limit ${limit}`);
  }
});

test('prefix and startAfter together match a brute-force filter', async () => {
  const cases: Array<[string, string]> = [
    ['d1', ''],
    ['d1/', ''],
    ['d1/m3', ''],
    ['d1/m3/', 'd1/m3/f12'],
    ['d1/m3', 'd1/m3-'],
    ['d10', 'd10/m9'],
    ['', 'd5/m5.f9'],
    ['d', 'd11/m9/f8'],
    ['nothing', ''],
    ['ü', ''],
  ];
  for (const [prefix, startAfter] of cases) {
    const expected = names
      .filter((name) => name.startsWith(prefix) && name > startAfter)
      .slice(0, 40);
    const page = await store.listObjects(testBucket, {
      prefix,
      startAfter,
      limit: 40,
      withMetadata: false,
    });
    assert.deepEqual(
      page.map((entry) => entry.name),
      expected,
      `prefix=${prefix} startAfter=${startAfter}`,
    );
  }
});

test('a name-only listing reports sizes from the file system', async () => {
  const page = await store.listObjects(testBucket, {
    prefix: 'd3/m1/',
    limit: 5,
    withMetadata: false,
  });
  assert.equal(page.length, 5);
  for (const entry of page) {
    assert.deepEqual(Object.keys(entry).sort(), ['name', 'size']);
    assert.equal(entry.size, Buffer.byteLength(entry.name));
  }
});

test("a listing's pages share its root reads: a directory made after the first is not seen", async () => {
  const bucket = { ...testBucket, name: 'roots' };
  const put = (name: string): Promise<unknown> => putNamed(bucket, name);
  for (const name of ['a/1', 'b/1']) await put(name);
  const roots = new ListingDirectories();
  const page = (startAfter: string, kept?: ListingDirectories): Promise<string[]> =>
    store
      .listObjects(bucket, {
        startAfter,
        limit: 10,
        withMetadata: false,
        ...(kept === undefined ? {} : { directories: kept }),
      })
      .then((entries) => entries.map((entry) => entry.name));
  assert.deepEqual(await page('', roots), ['a/1', 'b/1']);
  await put('c/1');
  // Every mountpath's root was read by the first page: the next pages walk the same ones.
  assert.deepEqual(await page('a/1', roots), ['b/1']);
  assert.deepEqual(await page('a/1'), ['b/1', 'c/1']);
});

test("a listing's pages share the directory a page stopped in: an object made there is not seen", async () => {
  const bucket = { ...testBucket, name: 'kept-directories' };
  const put = (name: string): Promise<unknown> => putNamed(bucket, name);
  for (const name of ['a/1', 'a/2', 'b/1']) await put(name);
  const directories = new ListingDirectories();
  const page = (startAfter: string, limit: number): Promise<string[]> =>
    store
      .listObjects(bucket, { startAfter, limit, withMetadata: false, directories })
      .then((entries) => entries.map((entry) => entry.name));
  assert.deepEqual(await page('', 1), ['a/1']);
  await put('a/3');
  // The first page stopped in `a/`, read on every mountpath: the next goes on from that read.
  assert.deepEqual(await page('a/1', 10), ['a/2', 'b/1']);
});

test('limit 0 returns an empty page; an unknown bucket lists empty', async () => {
  assert.deepEqual(await store.listObjects(testBucket, { limit: 0, withMetadata: false }), []);
  const other = { name: 'other', provider: 'ais' };
  assert.deepEqual(await store.listObjects(other, { limit: 10, withMetadata: true }), []);
});

test('destroyBucket removes the bucket on every mountpath', async () => {
  const doomed = { name: 'doomed', provider: 'ais' };
  for (let index = 0; index < 30; index += 1) {
    await store.putObject({
      bucket: doomed,
      name: `x/${index}`,
      body: bodyOf('x'),
      checksumType: 'none',
      versioning: false,
    });
  }
  await store.destroyBucket(doomed);
  assert.deepEqual(await store.listObjects(doomed, { limit: 100, withMetadata: false }), []);
  for (const mountpath of store.mountpaths()) {
    const entries = await readdir(`${mountpath.path}/@ais`);
    assert.ok(!entries.includes('doomed'));
    assert.deepEqual(await readdir(`${mountpath.path}/.cairn.trash`), []);
  }
  assert.equal(
    (await store.listObjects(testBucket, { limit: 100_000, withMetadata: false })).length,
    names.length,
  );
});
