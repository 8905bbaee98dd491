// Unit tests for the batched file-system calls (the fs-batch addon): directory reads and stat
// batches report what fs.readdir, fs.stat and an attribute read report, entry by entry.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { access, mkdir, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { getAttribute, setAttribute } from 'fs-xattr';
import { makeTemporaryDirectory, removeTemporaryDirectory } from '../store-fixtures.js';
import {
  EntryType,
  readDirectoryEntries,
  removeDirectories,
  statFiles,
  syncDirectory,
  unlinkFiles,
  writeSmallFile,
} from './index.js';

const attribute = 'user.cairn.test';
let root = '';

before(async () => {
  root = await makeTemporaryDirectory();
  await writeFile(join(root, 'five'), '12345');
  await writeFile(join(root, 'empty'), '');
  await setAttribute(join(root, 'empty'), attribute, Buffer.from('record of empty'));
  await writeFile(join(root, 'bare'), '');
  await writeFile(join(root, 'sized'), 'xy');
  await setAttribute(join(root, 'sized'), attribute, Buffer.from('record of sized'));
  await mkdir(join(root, 'sub'));
  await symlink(join(root, 'five'), join(root, 'link'));
  await writeFile(join(root, 'ünï cødé\nname'), 'odd');
});

after(async () => {
  await removeTemporaryDirectory(root);
});

test('a directory read names every entry with its type, as readdir does', async () => {
  const read = await readDirectoryEntries(root);
  const types = new Map(read.names.map((name, index) => [name, read.types[index]]));
  const expected = await readdir(root, { withFileTypes: true });
  assert.equal(read.names.length, expected.length);
  for (const dirent of expected) {
    const type = dirent.isDirectory()
      ? EntryType.directory
      : dirent.isFile()
        ? EntryType.file
        : EntryType.other;
    assert.equal(types.get(dirent.name), type, dirent.name);
  }
  assert.equal(types.get('link'), EntryType.other, 'a symbolic link is not followed');
});

test('an empty directory reads as no entries; a missing one fails as readdir does', async () => {
  assert.deepEqual((await readDirectoryEntries(join(root, 'sub'))).names, []);
  await assert.rejects(readDirectoryEntries(join(root, 'absent')), { code: 'ENOENT' });
  await assert.rejects(readDirectoryEntries(join(root, 'five')), { code: 'ENOTDIR' });
});

test('a batch reports sizes and times as stat does, and reads attributes by mode', async () => {
  const names = ['five', 'empty', 'bare', 'sized', 'ünï cødé\nname'];
  for (const reads of ['none', 'empty', 'all'] as const) {
    const batch = await statFiles(root, names, attribute, reads);
    for (const [at, name] of names.entries()) {
      const expected = await stat(join(root, name), { bigint: true });
      assert.equal(batch.isFile(at), true, name);
      assert.equal(batch.size(at), Number(expected.size), name);
      assert.equal(batch.accessTimeNs(at), expected.atimeNs, name);
      assert.equal(batch.modifiedTimeNs(at), expected.mtimeNs, name);
      const wanted = reads === 'all' || (reads === 'empty' && expected.size === 0n);
      const value = batch.attribute(at);
      if (!wanted) {
        assert.equal(value, undefined, `${reads} ${name}`);
        assert.equal(batch.attributeError(at), undefined, `${reads} ${name}`);
        continue;
      }
      let stored: Buffer | undefined;
      try {
        stored = await getAttribute(join(root, name), attribute);
      } catch {
        stored = undefined;
      }
      if (stored === undefined) {
        assert.equal(value, undefined, `${reads} ${name}`);
        assert.equal(batch.attributeError(at)?.code, 'ENODATA', `${reads} ${name}`);
      } else {
        assert.deepEqual(value, stored, `${reads} ${name}`);
      }
    }
  }
});

test('vanished names, directories and links: per entry, as stat reports them', async () => {
  const batch = await statFiles(root, ['gone', 'sub', 'link', 'five'], attribute, 'all');
  assert.equal(batch.isFile(0), false);
  assert.equal(batch.statError(0)?.code, 'ENOENT');
  assert.equal(batch.statError(0)?.path, join(root, 'gone'));
  // A directory is not a regular file, and that is no error.
  assert.equal(batch.isFile(1), false);
  assert.equal(batch.statError(1), undefined);
  // stat follows a symbolic link, as fs.stat does.
  assert.equal(batch.isFile(2), true);
  assert.equal(batch.size(2), 5);
  assert.equal(batch.isFile(3), true);
  const missing = await statFiles(join(root, 'absent'), ['a', 'b'], attribute, 'none');
  assert.equal(missing.statError(0)?.code, 'ENOENT');
  assert.equal(missing.statError(1)?.code, 'ENOENT');
});

test('an attribute larger than the first read still comes back whole', async (t) => {
  const large = Buffer.alloc(6000, 7);
  // ext4 without `ea_inode` keeps an attribute within one block; tmpfs takes larger ones.
  for (const directory of [root, '/dev/shm']) {
    const path = join(directory, `cairn-large-attribute-${process.pid}`);
    try {
      await writeFile(path, '');
      await setAttribute(path, 'user.cairn.large', large);
    } catch {
      await rm(path, { force: true });
      continue;
    }
    try {
      const batch = await statFiles(directory, [basename(path)], 'user.cairn.large', 'all');
      assert.deepEqual(batch.attribute(0), large);
    } finally {
      await rm(path, { force: true });
    }
    return;
  }
  t.skip('no file system here takes an attribute over a block');
});

test('many names in one batch come back in order', async () => {
  const directory = join(root, 'many');
  await mkdir(directory);
  const names = Array.from({ length: 3000 }, (_, index) => `file-${index}`);
  await Promise.all(
    names.map((name, index) => writeFile(join(directory, name), 'x'.repeat(index % 7))),
  );
  const batch = await statFiles(directory, names, attribute, 'empty');
  for (const [at] of names.entries()) assert.equal(batch.size(at), at % 7);
});

test('a directory read sorts names as JavaScript does, directories as name plus /', async () => {
  const directory = join(root, 'order');
  await mkdir(directory);
  // Around '/': '-' < '/' < '0'. Around UTF-16: an emoji (a surrogate pair) sorts before U+E000 and
  // U+FF3A although its code point is larger; byte order would put it last.
  const files = ['a-b', 'a0', 'b', 'b-', 'é', 'z😀', 'z\uE000', 'zＺ', 'z\uFFFD', 'z~', '0', ' x'];
  const directories = ['a', 'b0', 'z😀x', 'zz', 'é-'];
  for (const name of files) await writeFile(join(directory, name), '');
  for (const name of directories) await mkdir(join(directory, name));
  const read = await readDirectoryEntries(directory);
  assert.equal(read.sorted, true);
  const keyOf = (name: string, index: number): string =>
    read.types[index] === EntryType.directory ? `${name}/` : name;
  const keys = read.names.map(keyOf);
  assert.deepEqual(keys, [...keys].sort());
  assert.deepEqual([...keys].sort(), [...files, ...directories.map((name) => `${name}/`)].sort());
});

test('a directory with a name that is not UTF-8 comes back unsorted, every name there', async () => {
  const directory = join(root, 'bytes');
  await mkdir(directory);
  await writeFile(Buffer.from(`${directory}/bad-\xff-name`, 'latin1'), '');
  for (const name of ['c', 'a', 'b']) await writeFile(join(directory, name), '');
  const read = await readDirectoryEntries(directory);
  assert.equal(read.sorted, false);
  assert.equal(read.names.length, 4);
  assert.ok(read.names.includes('bad-\uFFFD-name'), 'seen as JavaScript sees it, as readdir does');
  assert.deepEqual(read.names.filter((name) => name.length === 1).sort(), ['a', 'b', 'c']);
});

test('random names in one directory come back in JavaScript key order', async () => {
  const directory = join(root, 'random');
  await mkdir(directory);
  const alphabet = ['a', 'b', '-', '.', '0', '~', 'é', '中', '😀', '𝄞', '\uE000', 'Ｚ', '\uFFFD'];
  let seed = 5;
  const random = (): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const names = new Set<string>();
  while (names.size < 300) {
    const length = 1 + Math.floor(random() * 4);
    const name = Array.from(
      { length },
      () => alphabet[Math.floor(random() * alphabet.length)],
    ).join('');
    if (name !== '.' && name !== '..') names.add(name);
  }
  const directories = new Set<string>();
  for (const name of names) {
    if (random() < 0.3) {
      await mkdir(join(directory, name));
      directories.add(name);
    } else {
      await writeFile(join(directory, name), '');
    }
  }
  const read = await readDirectoryEntries(directory);
  assert.equal(read.sorted, true);
  const keys = read.names.map((name, index) =>
    read.types[index] === EntryType.directory ? `${name}/` : name,
  );
  const expected = [...names].map((name) => (directories.has(name) ? `${name}/` : name)).sort();
  assert.deepEqual(keys, expected);
});

test('unlinkFiles removes regular files meeting their conditions and says why it kept others', async () => {
  const directory = join(root, 'removals');
  await mkdir(join(directory, 'dir'), { recursive: true });
  for (const name of ['plain', 'read', 'changed', 'old'])
    await writeFile(join(directory, name), '');
  await symlink(join(directory, 'plain'), join(directory, 'link'));
  const old = await stat(join(directory, 'old'), { bigint: true });
  const changed = await stat(join(directory, 'changed'), { bigint: true });
  const names = ['plain', 'read', 'changed', 'old', 'link', 'dir', 'missing'];
  const results = await unlinkFiles(
    names.map((name) => join(directory, name)),
    [
      undefined,
      { accessedBeforeNs: 1n },
      { modifiedMs: Number(changed.mtimeNs / 1_000_000n) + 1 },
      { accessedBeforeNs: old.atimeNs, modifiedMs: Number(old.mtimeNs / 1_000_000n) },
    ],
  );
  assert.deepEqual(results.slice(0, 6), [
    'removed',
    'accessed',
    'modified',
    'removed',
    'not-regular',
    'not-regular',
  ]);
  assert.equal((results[6] as NodeJS.ErrnoException).code, 'ENOENT');
  assert.deepEqual((await readdir(directory)).sort(), ['changed', 'dir', 'link', 'read']);
  const removed = await removeDirectories([join(directory, 'dir'), directory]);
  assert.equal(removed[0], undefined);
  assert.equal(removed[1]?.code, 'ENOTEMPTY');
  assert.deepEqual((await readdir(directory)).sort(), ['changed', 'link', 'read']);
});

test('a small file is written, given its attribute and renamed in one job', async () => {
  const work = join(root, 'write-work');
  const destination = join(root, 'written');
  const request = {
    content: Buffer.from('small content'),
    attribute,
    record: Buffer.from('record of written'),
    destination,
    sync: true,
  };
  const written = await writeSmallFile(work, request);
  assert.equal(written?.renameError, undefined);
  assert.deepEqual(await readFile(destination), request.content);
  assert.deepEqual(await getAttribute(destination, attribute), request.record);
  await assert.rejects(access(work), { code: 'ENOENT' });
  const stats = await stat(destination, { bigint: true });
  assert.equal(written?.stats.ino, stats.ino);
  assert.equal(written?.stats.size, BigInt(request.content.length));
  assert.equal(written?.stats.mtimeNs, stats.mtimeNs);
  assert.equal(written?.stats.ctimeNs, stats.ctimeNs);

  // A destination below a missing directory: the finished work file stays for the caller.
  const below = await writeSmallFile(work, {
    ...request,
    destination: join(root, 'missing', 'x'),
  });
  assert.equal(below?.renameError?.code, 'ENOENT');
  assert.deepEqual(await readFile(work), request.content);
  assert.deepEqual(await getAttribute(work, attribute), request.record);
  // The work file exists now: a second write refuses to replace it.
  await assert.rejects(writeSmallFile(work, request), { code: 'EEXIST', syscall: 'open' });
  await rm(work);
  await assert.rejects(writeSmallFile(join(root, 'no-dir', 'work'), request), {
    code: 'ENOENT',
    syscall: 'open',
  });
});

test('a small write removes the file it supersedes once renamed, and only then', async () => {
  const directory = join(root, 'supersede');
  await mkdir(directory);
  const stale = join(directory, 'stale');
  const request = (destination: string): Parameters<typeof writeSmallFile>[1] => ({
    content: Buffer.from('new'),
    attribute,
    record: Buffer.from('record'),
    destination,
    sync: false,
    supersedes: stale,
  });
  await writeFile(stale, 'old');
  const renamed = await writeSmallFile(join(directory, 'work-1'), request(join(directory, 'a')));
  assert.equal(renamed?.renameError, undefined);
  await assert.rejects(access(stale), { code: 'ENOENT' });
  // Nothing to remove is no error (the usual case: no stale copy).
  await writeSmallFile(join(directory, 'work-2'), request(join(directory, 'b')));
  assert.deepEqual(await readFile(join(directory, 'b')), Buffer.from('new'));
  // A failed rename keeps it; a failed unlink (a directory) fails the write as fs would.
  await writeFile(stale, 'old');
  const kept = await writeSmallFile(join(directory, 'work-3'), request(join(root, 'missing', 'c')));
  assert.equal(kept?.renameError?.code, 'ENOENT');
  assert.deepEqual(await readFile(stale), Buffer.from('old'));
  await rm(stale);
  await mkdir(stale);
  await assert.rejects(writeSmallFile(join(directory, 'work-4'), request(join(directory, 'd'))), {
    code: 'EISDIR',
    syscall: 'unlink',
    path: stale,
  });
});

test('a small write that must find none of its absent paths writes nothing when one exists', async () => {
  const directory = join(root, 'absent');
  await mkdir(directory);
  const present = join(directory, 'present');
  await writeFile(present, 'old');
  const request = {
    content: Buffer.from('new'),
    attribute,
    record: Buffer.from('record'),
    destination: join(directory, 'object'),
    sync: false,
  };
  // Missing, and below a file (ENOTDIR): absent.
  const missing = [join(directory, 'missing'), join(present, 'below')];
  const work = join(directory, 'work');
  const skipped = await writeSmallFile(work, { ...request, absent: [...missing, present] });
  assert.equal(skipped, undefined);
  await assert.rejects(access(work), { code: 'ENOENT' });
  await assert.rejects(access(request.destination), { code: 'ENOENT' });
  const written = await writeSmallFile(work, { ...request, absent: missing });
  assert.equal(written?.renameError, undefined);
  assert.deepEqual(await readFile(request.destination), request.content);
  // Checked by lstat: a dangling symbolic link is an entry too.
  const link = join(directory, 'link');
  await symlink(join(directory, 'nowhere'), link);
  assert.equal(await writeSmallFile(work, { ...request, absent: [link] }), undefined);
});

test('small files written in the same turn share a job, each with its own outcome', async () => {
  const directory = join(root, 'write-many');
  await mkdir(directory);
  const request = (index: number): Parameters<typeof writeSmallFile>[1] => ({
    content: Buffer.from(`content ${index}`),
    attribute,
    record: Buffer.from(`record ${index}`),
    destination: join(directory, `object-${index}`),
    sync: false,
  });
  // 40 writes (more than one job takes) and, among them, one whose work directory is missing.
  const count = 40;
  const results = await Promise.allSettled([
    ...Array.from({ length: count }, (_, index) =>
      writeSmallFile(join(directory, `work-${index}`), request(index)),
    ),
    writeSmallFile(join(directory, 'no-dir', 'work'), request(count)),
  ]);
  for (let index = 0; index < count; index += 1) {
    const result = results[index];
    assert.equal(result?.status, 'fulfilled');
    assert.equal(result.value?.renameError, undefined);
    const destination = join(directory, `object-${index}`);
    assert.deepEqual(await readFile(destination), request(index).content);
    assert.deepEqual(await getAttribute(destination, attribute), request(index).record);
    assert.equal(result.value?.stats.ino, (await stat(destination, { bigint: true })).ino);
  }
  const failed = results[count];
  assert.equal(failed?.status, 'rejected');
  assert.equal((failed.reason as NodeJS.ErrnoException).code, 'ENOENT');
  assert.deepEqual(
    (await readdir(directory)).filter((name) => name.startsWith('work')),
    [],
  );
});

test('syncDirectory fsyncs a directory in one job and fails as fs would', async () => {
  await syncDirectory(root);
  // fs.promises.open(path, 'r') opens a regular file too: so does the addon.
  await syncDirectory(join(root, 'five'));
  await assert.rejects(syncDirectory(join(root, 'missing')), {
    code: 'ENOENT',
    syscall: 'open',
    path: join(root, 'missing'),
  });
  await assert.rejects(syncDirectory(join(root, 'five', 'below')), {
    code: 'ENOTDIR',
    syscall: 'open',
  });
});
