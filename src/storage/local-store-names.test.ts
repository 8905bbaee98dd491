// LocalStore name tests: names that cannot be paths are stored hashed and read, listed and
// deleted under their real names; `a` and `a/b` can both exist.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isStoreError } from '../errors/index.js';
import { hashedEntryName } from './layout/index.js';
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

before(async () => {
  root = await makeTemporaryDirectory();
  store = await openTestStore(root, 1);
});

after(async () => {
  await store.close();
  await removeTemporaryDirectory(root);
});

const objectDirectory = (): string => join(root, 'mp0/@ais/bucket/%ob');

async function put(name: string, data: string): Promise<void> {
  await store.putObject({
    bucket: testBucket,
    name,
    body: bodyOf(data),
    checksumType: 'xxhash',
    versioning: false,
  });
}

async function read(name: string): Promise<string> {
  return (await readAll((await store.getObject(testBucket, name)).body)).toString();
}

async function isHashedFile(name: string): Promise<boolean> {
  try {
    return (await stat(join(objectDirectory(), hashedEntryName(name)))).isFile();
  } catch {
    return false;
  }
}

async function listAll(prefix?: string): Promise<string[]> {
  const page = await store.listObjects(testBucket, {
    limit: 1000,
    withMetadata: true,
    ...(prefix === undefined ? {} : { prefix }),
  });
  return page.map((object) => object.name);
}

const oddNames = [
  'odd//double',
  '/leading',
  'trailing/',
  './dot',
  'mid/./dot',
  `long/${'x'.repeat(300)}`,
  `.x${'0'.repeat(64)}`,
];
// Long, but every segment fits NAME_MAX and the path fits: stored as itself.
const longNaturalName = `${'s'.repeat(200)}/`.repeat(4) + 'end';

test('odd and long names are stored hashed and read back under their real names', async () => {
  for (const [index, name] of oddNames.entries()) await put(name, `content ${index}`);
  for (const [index, name] of oddNames.entries()) {
    assert.ok(await isHashedFile(name), `${name.slice(0, 40)} is hashed`);
    assert.equal(await read(name), `content ${index}`);
    const head = await store.headObject(testBucket, name);
    assert.equal(head.name, name);
  }
  await put('long/ordinary', 'plain');
  await put(longNaturalName, 'long');
  assert.ok(!(await isHashedFile('long/ordinary')));
  assert.ok(!(await isHashedFile(longNaturalName)));
  assert.equal(await read(longNaturalName), 'long');
  assert.deepEqual(await listAll(), [...oddNames, 'long/ordinary', longNaturalName].sort());
  assert.deepEqual(await listAll('long/'), [`long/${'x'.repeat(300)}`, 'long/ordinary'].sort());
  const names = await store.listObjects(testBucket, { limit: 1000, withMetadata: false });
  assert.equal(names.find((entry) => entry.name === oddNames[0])?.size, 'content 0'.length);
  for (const name of [...oddNames, 'long/ordinary', longNaturalName]) {
    await store.deleteObject(testBucket, name);
  }
  assert.deepEqual(await listAll(), []);
  assert.deepEqual(await readdir(objectDirectory()), []);
});

test('`a` then `a/b`: the second is stored hashed; both read and list in order', async () => {
  await put('a', 'file a');
  await put('a/b', 'file a/b');
  assert.ok(!(await isHashedFile('a')));
  assert.ok(await isHashedFile('a/b'));
  assert.equal(await read('a'), 'file a');
  assert.equal(await read('a/b'), 'file a/b');
  assert.deepEqual(await listAll(), ['a', 'a/b']);
  await store.deleteObject(testBucket, 'a');
  await store.deleteObject(testBucket, 'a/b');
});

test('`c/d` then `c`: `c` is stored hashed; a later PUT of `c` returns to the natural path', async () => {
  await put('c/d', 'file c/d');
  await put('c', 'file c');
  assert.ok(await isHashedFile('c'));
  assert.equal(await read('c'), 'file c');
  assert.equal(await read('c/d'), 'file c/d');
  assert.deepEqual(await listAll(), ['c', 'c/d']);
  // Once `c/` is gone the natural path is free: the next PUT lands there and drops the hashed copy.
  await store.deleteObject(testBucket, 'c/d');
  await put('c', 'file c again');
  assert.ok(!(await isHashedFile('c')));
  assert.equal(await read('c'), 'file c again');
  assert.deepEqual(await listAll(), ['c']);
  assert.equal((await store.headObject(testBucket, 'c')).name, 'c');
  await store.deleteObject(testBucket, 'c');
  await assert.rejects(store.headObject(testBucket, 'c'), (error: unknown) => isStoreError(error));
});

test('namespaced buckets live in their own directories', async () => {
  const bucket = { name: 'bucket', provider: 'ais', namespace: { uuid: 'u1', name: 'ns' } };
  await store.putObject({
    bucket,
    name: 'x',
    body: bodyOf('ns'),
    checksumType: 'xxhash',
    versioning: false,
  });
  assert.ok((await stat(join(root, 'mp0/@ais/@u1#ns/bucket/%ob/x'))).isFile());
  await assert.rejects(store.headObject(testBucket, 'x'), (error: unknown) => isStoreError(error));
  await store.destroyBucket(bucket);
  await assert.rejects(stat(join(root, 'mp0/@ais/@u1#ns/bucket')), { code: 'ENOENT' });
});
