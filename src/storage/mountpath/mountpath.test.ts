// Unit tests for mountpath preparation: cleaning, ownership marker, start-up cleanup, capacity.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isStoreError } from '../../errors/index.js';
import { mountpathDigest } from '../../placement/index.js';
import { makeTemporaryDirectory, removeTemporaryDirectory } from '../store-fixtures.js';
import { localDisk } from '../io/index.js';
import { FaultyDisk } from '../../../test/harness/faulty-disk.js';
import {
  cleanMountpaths,
  DiskFaults,
  mountpathCapacities,
  mountpathCapacity,
  prepareMountpaths,
} from './index.js';

let root = '';

before(async () => {
  root = await makeTemporaryDirectory();
});

after(async () => {
  await removeTemporaryDirectory(root);
});

test('paths are cleaned; duplicates and nesting are refused', () => {
  assert.deepEqual(cleanMountpaths(['/data/./d1/', '/data/d2/../d3']), ['/data/d1', '/data/d3']);
  assert.throws(() => cleanMountpaths([]));
  assert.throws(() => cleanMountpaths(['/d1', '/d1/']), /listed twice/);
  assert.throws(() => cleanMountpaths(['/d1', '/d1/sub']), /nested/);
  assert.deepEqual(cleanMountpaths(['/d1', '/d10']), ['/d1', '/d10']);
});

test('first open writes the marker; the same node reopens; another node is refused', async () => {
  const path = join(root, 'owned');
  const [mountpath] = await prepareMountpaths(localDisk, [path], 'node-a');
  assert.equal(mountpath?.path, path);
  assert.equal(mountpath?.digest, mountpathDigest(path));
  assert.equal(mountpath?.enabled, true);
  const marker = JSON.parse(await readFile(join(path, '.cairn.mountpath.json'), 'utf8')) as unknown;
  assert.deepEqual(marker, { formatVersion: 1, nodeId: 'node-a' });
  await prepareMountpaths(localDisk, [path], 'node-a');
  await assert.rejects(
    prepareMountpaths(localDisk, [path], 'node-b'),
    (error: unknown) =>
      isStoreError(error) &&
      /belongs to node "node-a", not to this node "node-b"/.test(error.message),
  );
});

test('an unreadable or unknown marker is refused, not overwritten', async () => {
  const path = join(root, 'bad-marker');
  await mkdir(path);
  await writeFile(join(path, '.cairn.mountpath.json'), '{"formatVersion":9,"nodeId":"x"}');
  await assert.rejects(
    prepareMountpaths(localDisk, [path], 'x'),
    /unknown ownership marker format 9/,
  );
  await writeFile(join(path, '.cairn.mountpath.json'), 'not json');
  await assert.rejects(prepareMountpaths(localDisk, [path], 'x'), /not valid JSON/);
});

test('a mountpath that is a file is refused', async () => {
  const path = join(root, 'a-file');
  await writeFile(path, 'x');
  await assert.rejects(prepareMountpaths(localDisk, [path], 'x'), /not a directory/);
});

test('start-up removes work files of every bucket and namespace, and the trash', async () => {
  const path = join(root, 'cleanup');
  const work = ['@ais/b1/%wk/put.1.2', '@ais/#ns/b2/%wk/put.3.4', '@aws/@uuid#ns/b3/%wk/put.5.6'];
  const kept = ['@ais/b1/%ob/obj', '@ais/#ns/b2/%ob/%wk/not-a-work-file'];
  for (const relative of [...work, ...kept, '.cairn.trash/123.abc/@ais/old/%ob/x']) {
    const file = join(path, relative);
    await mkdir(join(file, '..'), { recursive: true });
    await writeFile(file, 'x');
  }
  await prepareMountpaths(localDisk, [path], 'node');
  for (const relative of work) {
    await assert.rejects(readFile(join(path, relative)), { code: 'ENOENT' }, relative);
  }
  for (const relative of kept) assert.equal(await readFile(join(path, relative), 'utf8'), 'x');
  assert.ok(!(await readdir(path)).includes('.cairn.trash'));
});

test('capacity reports the file system sizes', async () => {
  const capacity = await mountpathCapacity(localDisk, root);
  assert.equal(capacity.mountpath, root);
  assert.ok(capacity.totalBytes > 0);
  assert.ok(capacity.availableBytes <= capacity.totalBytes);
  assert.ok(capacity.usedBytes <= capacity.totalBytes);
});

test("a mountpath whose disk fails reports zeros and the fault; the others' sizes stand", async () => {
  const [good, bad] = [join(root, 'cap-good'), join(root, 'cap-bad')];
  await Promise.all([mkdir(good), mkdir(bad)]);
  const disk = new FaultyDisk();
  disk.inject({ operations: ['statfs'], path: bad, fault: { error: 'EIO' } });
  const faults = new DiskFaults(() => []);
  const reported: (string | undefined)[] = [];
  faults.listen((mountpath) => reported.push(mountpath));
  const [first, second] = await mountpathCapacities(disk, [good, bad], faults);
  assert.ok((first?.totalBytes ?? 0) > 0);
  assert.deepEqual(second, {
    mountpath: bad,
    filesystem: '',
    totalBytes: 0,
    usedBytes: 0,
    availableBytes: 0,
  });
  assert.deepEqual(reported, [bad]);
});
