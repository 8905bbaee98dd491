// Append work files: only the store's own, appended with a size check (a failed append leaves the
// file as it was), committed through the caller then removed, swept once abandoned.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat, utimes } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { isStoreError } from '../errors/index.js';
import type { LocalStore } from './local-store.js';
import {
  bodyOf,
  makeTemporaryDirectory,
  openTestStore,
  readAll,
  removeTemporaryDirectory,
  testBucket,
} from './store-fixtures.js';

let root = '';
let store: LocalStore;
const otherBucket = { name: 'other', provider: 'ais' };

before(async () => {
  root = await makeTemporaryDirectory();
  store = await openTestStore(root, 2);
});
after(async () => {
  await store.close();
  await removeTemporaryDirectory(root);
});

const code = (expected: string) => (error: unknown) =>
  isStoreError(error) && error.code === expected;

test('an append work file belongs to its bucket on this store', async () => {
  const path = await store.appends.create(testBucket, 'log');
  assert.match(path, /\/@ais\/bucket\/%wk\/append\.[0-9a-f]{16}\.[0-9a-f]+$/);
  assert.equal(store.appends.owns(testBucket, path), true);
  assert.equal(store.appends.owns(otherBucket, path), false);
  assert.equal(store.appends.owns(testBucket, '/etc/passwd'), false);
  assert.equal(store.appends.owns(testBucket, path.replace('append.', 'put.')), false);
  assert.equal(store.appends.owns(testBucket, `${path}/../../%ob/log`), false);
  await assert.rejects(
    store.appends.append(testBucket, '/etc/passwd', bodyOf('x'), {
      sizeBytes: 0,
      contentLength: 1,
    }),
    code('BadRequest'),
  );
});

test('appends check the size the handle expects; a failed one leaves the file as it was', async () => {
  const path = await store.appends.create(testBucket, 'log');
  const add = (data: string, sizeBytes: number, contentLength?: number) =>
    store.appends.append(testBucket, path, bodyOf(data), { sizeBytes, contentLength });
  assert.equal(await add('one;', 0, 4), 4);
  assert.equal(await add('two;', 4), 8);
  await assert.rejects(add('again;', 4), code('Conflict'));
  await assert.rejects(add('short', 8, 10), code('BadRequest'));
  const broken = new Readable({
    read() {
      this.push(Buffer.from('partial'));
      this.destroy(new Error('client went away'));
    },
  });
  await assert.rejects(
    store.appends.append(testBucket, path, broken, { sizeBytes: 8, contentLength: undefined }),
    /client went away/,
  );
  assert.equal((await readFile(path)).toString(), 'one;two;');
  assert.equal(await add('three;', 8), 14);
});

test('commit hands the bytes over and removes the file; a failed commit keeps it', async () => {
  const path = await store.appends.create(testBucket, 'commit');
  await store.appends.append(testBucket, path, bodyOf('abc'), {
    sizeBytes: 0,
    contentLength: 3,
  });
  await assert.rejects(
    store.appends.commit(testBucket, path, 3, () => Promise.reject(new Error('no'))),
    /no/,
  );
  await assert.rejects(
    store.appends.commit(testBucket, path, 2, () => Promise.resolve()),
    code('Conflict'),
  );
  const committed = await store.appends.commit(testBucket, path, 3, async (body, size) => {
    assert.equal(size, 3);
    return (await readAll(body)).toString();
  });
  assert.equal(committed, 'abc');
  await assert.rejects(stat(path), { code: 'ENOENT' });
  await assert.rejects(
    store.appends.commit(testBucket, path, 3, () => Promise.resolve()),
    code('BadRequest'),
  );
});

test('sweep removes the work files not written to for longer than the age', async () => {
  const old = await store.appends.create(testBucket, 'old');
  const fresh = await store.appends.create(testBucket, 'fresh');
  const hourAgo = (Date.now() - 3600_000) / 1000;
  await utimes(old, hourAgo, hourAgo);
  const removed = await store.appends.sweep(testBucket, { maxAgeMs: 60_000, nowMs: Date.now() });
  assert.ok(removed >= 1);
  await assert.rejects(stat(old), { code: 'ENOENT' });
  assert.equal((await stat(fresh)).size, 0);
  assert.equal(await store.appends.sweep(otherBucket, { maxAgeMs: 0, nowMs: Date.now() }), 0);
});
