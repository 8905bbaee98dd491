// Unit tests for the one-job replica read (fs-batch addon's readFile): it reports what open, fstat,
// an attribute read through the descriptor and a read of the whole file report, step by step.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, rename, rm, stat, symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { setAttribute } from 'fs-xattr';
import { makeTemporaryDirectory, removeTemporaryDirectory } from '../store-fixtures.js';
import { checkFileStates, readFirstFile, readSmallFile, type FileState } from './index.js';

const attribute = 'user.cairn.test';
let root = '';

before(async () => {
  root = await makeTemporaryDirectory();
  await writeFile(join(root, 'small'), 'hello, world');
  await setAttribute(join(root, 'small'), attribute, Buffer.from('record of small'));
  await writeFile(join(root, 'empty'), '');
  await setAttribute(join(root, 'empty'), attribute, Buffer.from('record of empty'));
  await writeFile(join(root, 'bare'), 'no record');
  await writeFile(join(root, 'large'), Buffer.alloc(100_000, 1));
  await setAttribute(join(root, 'large'), attribute, Buffer.from('record of large'));
  await mkdir(join(root, 'directory'));
  await symlink(join(root, 'small'), join(root, 'link'));
});

after(async () => {
  await removeTemporaryDirectory(root);
});

test('a small file comes back whole with its attribute and the stat fstat reports', async () => {
  const path = join(root, 'small');
  const buffer = Buffer.alloc(1024);
  // Before the read: reading may move the access time (relatime), after the addon's fstat.
  const expected = await stat(path, { bigint: true });
  const file = await readSmallFile(path, { attribute, buffer });
  assert.equal(file.stats.isFile(), true);
  for (const field of ['dev', 'ino', 'size', 'atimeNs', 'mtimeNs', 'ctimeNs'] as const) {
    assert.equal(file.stats[field], expected[field], field);
  }
  assert.deepEqual(file.attribute, Buffer.from('record of small'));
  assert.equal(file.attributeSkipped, false);
  assert.equal(file.attributeError, undefined);
  assert.equal(file.content?.toString(), 'hello, world');
  assert.equal(file.content?.buffer, buffer.buffer, 'read into the buffer given');
  assert.equal(file.readError, undefined);
});

test("an empty attribute name reads none: a plain file's bytes (promote's sources)", async () => {
  const bare = await readSmallFile(join(root, 'bare'), { attribute: '', buffer: Buffer.alloc(64) });
  assert.equal(bare.attribute, undefined);
  assert.equal(bare.attributeSkipped, true);
  assert.equal(bare.attributeError, undefined);
  assert.equal(bare.content?.toString(), 'no record');
  // A file with a record: still not read.
  const small = await readSmallFile(join(root, 'small'), {
    attribute: '',
    buffer: Buffer.alloc(64),
  });
  assert.equal(small.attribute, undefined);
  assert.equal(small.content?.toString(), 'hello, world');
});

test('a range of a file longer than the buffer: the bytes at the offset, fewer at the end', async () => {
  const path = join(root, 'counted');
  const bytes = Buffer.from(Array.from({ length: 100_000 }, (_, index) => index % 251));
  await writeFile(path, bytes);
  await setAttribute(path, attribute, Buffer.from('record of counted'));
  const middle = await readSmallFile(path, {
    attribute,
    buffer: Buffer.alloc(4096),
    offset: 50_000,
  });
  assert.deepEqual(middle.attribute, Buffer.from('record of counted'));
  assert.equal(middle.stats.size, 100_000n);
  assert.deepEqual(middle.content, bytes.subarray(50_000, 54_096));
  const tail = await readSmallFile(path, { attribute, buffer: Buffer.alloc(4096), offset: 99_000 });
  assert.deepEqual(tail.content, bytes.subarray(99_000));
  const past = await readSmallFile(path, { attribute, buffer: Buffer.alloc(16), offset: 200_000 });
  assert.equal(past.content?.length, 0);
  // Without a record there is no object: no bytes either, as for a whole read.
  const bare = await readSmallFile(join(root, 'bare'), {
    attribute,
    buffer: Buffer.alloc(4),
    offset: 1,
  });
  assert.equal(bare.content, undefined);
});

test('an empty file reads as no bytes, even into an empty buffer', async () => {
  const file = await readSmallFile(join(root, 'empty'), { attribute, buffer: Buffer.alloc(0) });
  assert.deepEqual(file.attribute, Buffer.from('record of empty'));
  assert.equal(file.content?.length, 0);
});

test('a file longer than the buffer, or read without one: attribute and stat, no bytes', async () => {
  const longer = await readSmallFile(join(root, 'large'), { attribute, buffer: Buffer.alloc(10) });
  assert.equal(longer.stats.size, 100_000n);
  assert.deepEqual(longer.attribute, Buffer.from('record of large'));
  assert.equal(longer.content, undefined);
  assert.equal(longer.readError, undefined);
  const none = await readSmallFile(join(root, 'small'), { attribute });
  assert.deepEqual(none.attribute, Buffer.from('record of small'));
  assert.equal(none.content, undefined);
});

test('without the attribute: ENODATA, and the bytes are not read', async () => {
  const file = await readSmallFile(join(root, 'bare'), { attribute, buffer: Buffer.alloc(64) });
  assert.equal(file.attribute, undefined);
  assert.equal(file.attributeError?.code, 'ENODATA');
  assert.equal(file.content, undefined);
});

test('a known file skips the attribute; a changed one (bytes or attribute) is read again', async () => {
  const path = join(root, 'known');
  await writeFile(path, 'v1');
  await setAttribute(path, attribute, Buffer.from('one'));
  const first = await readSmallFile(path, { attribute, buffer: Buffer.alloc(64) });
  const known: FileState = first.stats;
  const again = await readSmallFile(path, { attribute, buffer: Buffer.alloc(64), known });
  assert.equal(again.attributeSkipped, true);
  assert.equal(again.attribute, undefined);
  assert.equal(again.content?.toString(), 'v1', 'the bytes are read all the same');
  await setAttribute(path, attribute, Buffer.from('two'));
  const reattributed = await readSmallFile(path, { attribute, known });
  assert.equal(reattributed.attributeSkipped, false, 'an attribute set changes ctime');
  assert.deepEqual(reattributed.attribute, Buffer.from('two'));
  await truncate(path, 1);
  const shortened = await readSmallFile(path, { attribute, known: reattributed.stats });
  assert.equal(shortened.attributeSkipped, false);
});

test('missing files, links and directories: as open reports them, or not a file', async () => {
  await assert.rejects(readSmallFile(join(root, 'absent'), { attribute }), {
    code: 'ENOENT',
    syscall: 'open',
  });
  await assert.rejects(readSmallFile(join(root, 'small', 'below'), { attribute }), {
    code: 'ENOTDIR',
  });
  await assert.rejects(readSmallFile(join(root, 'link'), { attribute }), { code: 'ELOOP' });
  const directory = await readSmallFile(join(root, 'directory'), {
    attribute,
    buffer: Buffer.alloc(64),
  });
  assert.equal(directory.stats.isFile(), false);
  assert.equal(directory.attribute, undefined);
  assert.equal(directory.attributeError, undefined);
  assert.equal(directory.content, undefined);
});

test('a FIFO does not block the read: it is not a file', async () => {
  const path = join(root, 'fifo');
  await promisify(execFile)('mkfifo', [path]);
  try {
    const file = await readSmallFile(path, { attribute, buffer: Buffer.alloc(64) });
    assert.equal(file.stats.isFile(), false);
    assert.equal(file.content, undefined);
  } finally {
    await rm(path, { force: true });
  }
});

test('reads at once do not mix their buffers', async () => {
  const names = Array.from({ length: 64 }, (_, index) => `many-${index}`);
  await Promise.all(
    names.map(async (name, index) => {
      await writeFile(join(root, name), name.repeat(index + 1));
      await setAttribute(join(root, name), attribute, Buffer.from(name));
    }),
  );
  const files = await Promise.all(
    names.map((name) =>
      readSmallFile(join(root, name), { attribute, buffer: Buffer.alloc(64 * 1024) }),
    ),
  );
  for (const [index, file] of files.entries()) {
    const name = names[index] ?? '';
    assert.equal(file.content?.toString(), name.repeat(index + 1));
    assert.equal(file.attribute?.toString(), name);
  }
});

test('the first existing of several candidates is read in one job; none existing is undefined', async () => {
  const missing = [join(root, 'absent'), join(root, 'small', 'below'), join(root, 'link')];
  assert.equal(await readFirstFile(missing, { attribute }), undefined);
  const first = await readFirstFile([...missing, join(root, 'small'), join(root, 'large')], {
    attribute,
    buffer: Buffer.alloc(64),
  });
  assert.equal(first?.index, 3);
  assert.equal(first.file.content?.toString(), 'hello, world');
  assert.equal(first.file.attribute?.toString(), 'record of small');
  // A candidate that exists but is not a file is still the one opened: the caller decides.
  const directory = await readFirstFile([join(root, 'directory'), join(root, 'small')], {
    attribute,
  });
  assert.equal(directory?.index, 0);
  assert.equal(directory.file.stats.isFile(), false);
});

test('reads asked for in one turn share jobs, each with its own outcome', async () => {
  // One turn of the event loop: the reads go to the pool together (32 a job: 100 make four), in
  // any mix.
  const asked = Array.from(
    { length: 100 },
    (_, index) => ['small', 'absent', 'bare', 'large'][index % 4] ?? '',
  );
  const outcomes = await Promise.all(
    asked.map((name) =>
      readSmallFile(join(root, name), { attribute, buffer: Buffer.alloc(64) }).then(
        (file) => file,
        (error: NodeJS.ErrnoException) => error.code,
      ),
    ),
  );
  for (const [index, outcome] of outcomes.entries()) {
    const name = asked[index];
    if (name === 'absent') {
      assert.equal(outcome, 'ENOENT', `${index}`);
      continue;
    }
    assert.ok(
      typeof outcome === 'object',
      `${index}: failed with ${typeof outcome === 'string' ? outcome : '?'}`,
    );
    if (name === 'small') assert.equal(outcome.content?.toString(), 'hello, world');
    if (name === 'bare') assert.equal(outcome.attributeError?.code, 'ENODATA');
    if (name === 'large') {
      assert.equal(outcome.content, undefined, 'longer than the buffer');
      assert.deepEqual(outcome.attribute, Buffer.from('record of large'));
    }
  }
});

test('checkFileStates: each path against its identity in one job, one failure touching no other', async () => {
  const names = ['same-a', 'rewritten', 'removed', 'linked', 'same-b', 'replaced', 'grown'];
  const paths = names.map((name) => join(root, `check-${name}`));
  for (const path of paths) await writeFile(path, `content of ${path}`);
  const states: FileState[] = [];
  for (const path of paths) {
    const { stats } = await readSmallFile(path, { attribute: '' });
    states.push(stats);
  }
  assert.deepEqual([...(await checkFileStates(paths, states))], [1, 1, 1, 1, 1, 1, 1]);
  await new Promise((done) => setTimeout(done, 20)); // past the kernel's timestamp tick
  const at = (name: string): string => paths[names.indexOf(name)] as string;
  await writeFile(at('rewritten'), `content of ${at('rewritten')}`.toUpperCase()); // same size
  await rm(at('removed'));
  await rm(at('linked'));
  await symlink(at('same-a'), at('linked'));
  await writeFile(join(root, 'check-staged'), `content of ${at('replaced')}`);
  await rename(join(root, 'check-staged'), at('replaced')); // another inode, same size
  await truncate(at('grown'), 5_000_000_000); // sparse: a size past 32 bits
  const unchanged = await checkFileStates(paths, states);
  assert.deepEqual([...unchanged], [1, 0, 0, 0, 1, 0, 0]);
  // A directory and a path below a file: changed, not an error.
  const odd = [join(root, 'directory'), join(root, 'small', 'below')];
  assert.deepEqual(
    [...(await checkFileStates(odd, [states[0] as FileState, states[0] as FileState]))],
    [0, 0],
  );
  assert.deepEqual([...(await checkFileStates([], []))], []);
});
