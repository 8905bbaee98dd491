// Unit tests of WatchedDisk: every call that creates, replaces, removes or rewrites a file (or its
// attributes) reports the paths it changed, even when it fails; reads report nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { makeTemporaryDirectory, removeTemporaryDirectory } from '../store-fixtures.js';
import { localDisk, openFlags, WatchedDisk } from './index.js';

let root = '';
const changed: string[] = [];
const disk = new WatchedDisk(localDisk, (path) => changed.push(path));

before(async () => {
  root = await makeTemporaryDirectory();
});

after(async () => {
  await removeTemporaryDirectory(root);
});

/** The paths `call` reported. */
async function reported(call: () => Promise<unknown>): Promise<string[]> {
  changed.length = 0;
  await call();
  return [...changed];
}

test('writes, renames, links, removals and attribute sets report their paths', async () => {
  const a = join(root, 'a');
  const b = join(root, 'b');
  const c = join(root, 'c');
  const file = await disk.open(a, 'w');
  assert.deepEqual(changed.slice(-1), [a], 'open for writing');
  assert.deepEqual(
    await reported(() => disk.setFileAttribute(file, 'user.test', Buffer.from('1'))),
    [a],
  );
  await file.close();
  assert.deepEqual(await reported(() => disk.setAttribute(a, 'user.test', Buffer.from('2'))), [a]);
  assert.deepEqual(await reported(() => disk.removeAttribute(a, 'user.test')), [a]);
  assert.deepEqual(await reported(() => disk.utimes(a, 1, 1)), [a]);
  assert.deepEqual(await reported(() => disk.copyFile(a, b)), [b]);
  assert.deepEqual(await reported(() => disk.rename(b, c)), [b, c]);
  assert.deepEqual(await reported(() => disk.link(c, b)), [c, b]);
  assert.deepEqual(await reported(() => disk.unlink(b)), [b]);
  assert.deepEqual(await reported(() => disk.rm(c, { force: true })), [c]);
  const directory = join(root, 'directory');
  await disk.mkdir(directory, { recursive: true });
  assert.deepEqual(await reported(() => disk.rmdir(directory)), [directory]);
});

test('a failing change still reports (it may have changed the file half-way)', async () => {
  const missing = join(root, 'missing');
  changed.length = 0;
  await assert.rejects(disk.rename(missing, join(root, 'elsewhere')));
  assert.deepEqual(changed, [missing, join(root, 'elsewhere')]);
});

test('reads report nothing', async () => {
  const path = join(root, 'read');
  await (await disk.open(path, 'w')).close();
  const attribute = 'user.test';
  await disk.setAttribute(path, attribute, Buffer.from('x'));
  const calls = [
    async () => (await disk.open(path, 'r')).close(),
    async () => (await disk.open(path, openFlags.replica)).close(),
    () => disk.stat(path),
    () => disk.readFile(path),
    () => disk.getAttribute(path, attribute),
    () => disk.readdir(root),
    () => disk.readSmallFile(path, { attribute, buffer: Buffer.alloc(16) }),
  ];
  for (const call of calls) assert.deepEqual(await reported(call), []);
});
