// Unit tests for committing work files and the atomic file helper.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTemporaryDirectory, removeTemporaryDirectory } from '../store-fixtures.js';
import { DirectorySyncs } from './directories.js';
import { localDisk, makeDirectories, removeEmptyParents, renameIntoPlace } from './index.js';

let root = '';

before(async () => {
  root = await makeTemporaryDirectory();
});

after(async () => {
  await removeTemporaryDirectory(root);
});

async function workFile(content: string): Promise<string> {
  const path = join(root, `work-${Math.random().toString(16).slice(2)}`);
  await writeFile(path, content);
  return path;
}

test('commits create parents and replace an existing file', async () => {
  const destination = join(root, 'ob/x/y/z');
  const first = await renameIntoPlace(localDisk, await workFile('one'), destination);
  assert.equal(first.outcome, 'committed');
  if (first.outcome === 'committed') {
    assert.deepEqual(first.directoriesToSync, [
      root,
      join(root, 'ob'),
      join(root, 'ob/x'),
      join(root, 'ob/x/y'),
    ]);
  }
  const second = await renameIntoPlace(localDisk, await workFile('two'), destination);
  assert.equal(second.outcome, 'committed');
  if (second.outcome === 'committed')
    assert.deepEqual(second.directoriesToSync, [join(root, 'ob/x/y')]);
  assert.equal(await readFile(destination, 'utf8'), 'two');
});

test('a path that is a directory, or below a file, is a collision', async () => {
  await mkdir(join(root, 'c/dir/sub'), { recursive: true });
  const work = await workFile('w');
  assert.equal((await renameIntoPlace(localDisk, work, join(root, 'c/dir'))).outcome, 'collision');
  await writeFile(join(root, 'c/file'), 'f');
  assert.equal(
    (await renameIntoPlace(localDisk, work, join(root, 'c/file/below'))).outcome,
    'collision',
  );
  assert.equal(await readFile(work, 'utf8'), 'w', 'the work file is left for the caller');
});

test('a missing work file is an error, not a retry loop', async () => {
  await assert.rejects(renameIntoPlace(localDisk, join(root, 'no-such-work'), join(root, 'd/x')), {
    code: 'ENOENT',
  });
});

test('empty parents are pruned up to the stop directory', async () => {
  await makeDirectories(localDisk, join(root, 'p/a/b/c'));
  await writeFile(join(root, 'p/a/keep'), 'k');
  await removeEmptyParents(localDisk, join(root, 'p/a/b/c'), join(root, 'p'));
  assert.deepEqual(await readdir(join(root, 'p/a')), ['keep']);
});

test('a directory fsync after its directory was pruned (a delete meanwhile) succeeds', async () => {
  const syncs = new DirectorySyncs(localDisk);
  const directory = join(root, 'pruned');
  await mkdir(directory);
  await syncs.sync(directory);
  await rmdir(directory);
  await syncs.sync(directory);
  // Other failures still fail the write.
  await writeFile(join(root, 'a-file'), 'x');
  await assert.rejects(
    syncs.sync(join(root, 'a-file', 'below')),
    (error: NodeJS.ErrnoException) => error.code === 'ENOTDIR',
  );
});
