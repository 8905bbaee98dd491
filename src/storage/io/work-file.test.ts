// Unit tests of a PUT's work file and its one-job commit (the fs-batch addon's `commitFile`):
// record, rename, superseded copy, stat and close as the separate calls did them, and the rename
// failures the store's fallback relies on, with the file still open.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync } from 'node:fs';
import { access, mkdir, open, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getAttribute } from 'fs-xattr';
import { makeTemporaryDirectory, removeTemporaryDirectory } from '../store-fixtures.js';
import { localDisk, type FileCommit } from './index.js';

const attribute = 'user.cairn.test';
let root = '';
let next = 0;

before(async () => {
  root = await makeTemporaryDirectory();
});

after(async () => {
  await removeTemporaryDirectory(root);
});

/** This process's open descriptors. */
async function openDescriptors(): Promise<number> {
  return (await readdir('/proc/self/fd')).length;
}

/** A work file created and written (not committed yet). */
async function writtenWorkFile(content: string): Promise<{
  path: string;
  file: Awaited<ReturnType<typeof localDisk.createFile>>;
}> {
  next += 1;
  const path = join(root, `work-${next}`);
  const file = await localDisk.createFile(path);
  await file.writev([Buffer.from(content.slice(0, 2)), Buffer.from(content.slice(2))]);
  return { path, file };
}

/** `localDisk.commitFile`, which commits (no `absent` path exists). */
async function commit(
  ...args: Parameters<typeof localDisk.commitFile>
): Promise<NonNullable<Awaited<ReturnType<typeof localDisk.commitFile>>>> {
  const committed = await localDisk.commitFile(...args);
  assert.ok(committed !== undefined);
  return committed;
}

function commitOf(destination: string, extra: Partial<FileCommit> = {}): FileCommit {
  return { attribute, record: Buffer.from('the record'), destination, sync: false, ...extra };
}

test('a written work file is given its record, renamed, stat-ed and closed in one job', async () => {
  const destination = join(root, 'committed');
  // Without fsync, then with it over the committed file (the rename replaces it).
  for (const sync of [false, true]) {
    const descriptors = await openDescriptors();
    const { path, file } = await writtenWorkFile(`large content ${sync}`);
    assert.equal(await openDescriptors(), descriptors + 1);
    const committed = await commit(file, path, commitOf(destination, { sync }));
    assert.equal(committed.renameError, undefined);
    assert.deepEqual(await readFile(destination), Buffer.from(`large content ${sync}`));
    assert.deepEqual(await getAttribute(destination, attribute), Buffer.from('the record'));
    await assert.rejects(access(path), { code: 'ENOENT' });
    const stats = await stat(destination, { bigint: true });
    assert.equal(committed.stats?.ino, stats.ino);
    assert.equal(committed.stats?.size, stats.size);
    assert.equal(committed.stats?.mtimeNs, stats.mtimeNs);
    // After the rename (which changes ctime): the object's identity as stored.
    assert.equal(committed.stats?.ctimeNs, stats.ctimeNs);
    // The job closed the descriptor: the file's own close is then a no-op.
    assert.equal(await openDescriptors(), descriptors);
    assert.throws(() => file.fd, /closed/);
    await file.close();
  }
});

test('a failed rename reports the errno the fallback needs and leaves the file open', async () => {
  const directory = join(root, 'collisions');
  await mkdir(join(directory, 'dir', 'inside'), { recursive: true });
  await writeFile(join(directory, 'file'), 'an object');
  const cases: [string, string][] = [
    [join(directory, 'missing', 'x'), 'ENOENT'],
    [join(directory, 'dir'), 'EISDIR'],
    [join(directory, 'file', 'below'), 'ENOTDIR'],
  ];
  for (const [destination, code] of cases) {
    const descriptors = await openDescriptors();
    const { path, file } = await writtenWorkFile('content');
    const committed = await commit(file, path, commitOf(destination));
    assert.equal(committed.renameError?.code, code, destination);
    assert.equal(committed.renameError?.syscall, 'rename');
    assert.equal(committed.stats, undefined);
    // Still open at its work path, its record set: the caller places it by other means.
    assert.equal(await openDescriptors(), descriptors + 1);
    assert.deepEqual(await getAttribute(path, attribute), Buffer.from('the record'));
    assert.equal((await file.stat()).size, 'content'.length);
    await file.close();
    assert.equal(await openDescriptors(), descriptors);
  }
});

test('the superseded copy goes once the rename worked, and only then', async () => {
  const directory = join(root, 'supersede');
  await mkdir(directory);
  const stale = join(directory, 'stale');
  await writeFile(stale, 'old');
  const first = await writtenWorkFile('new');
  const renamed = await commit(
    first.file,
    first.path,
    commitOf(join(directory, 'a'), { supersedes: stale }),
  );
  assert.equal(renamed.renameError, undefined);
  await assert.rejects(access(stale), { code: 'ENOENT' });
  // Nothing to remove is no error (the usual case: no stale copy).
  const second = await writtenWorkFile('new');
  await localDisk.commitFile(
    second.file,
    second.path,
    commitOf(join(directory, 'b'), { supersedes: stale }),
  );
  assert.deepEqual(await readFile(join(directory, 'b')), Buffer.from('new'));
  // A failed rename keeps it.
  await writeFile(stale, 'old');
  const third = await writtenWorkFile('new');
  const kept = await commit(
    third.file,
    third.path,
    commitOf(join(directory, 'missing', 'c'), { supersedes: stale }),
  );
  assert.equal(kept.renameError?.code, 'ENOENT');
  assert.deepEqual(await readFile(stale), Buffer.from('old'));
  await third.file.close();
  // A failed unlink (a directory) fails the commit as fs would, the object in place and closed.
  await mkdir(join(directory, 'stale-dir'));
  const descriptors = await openDescriptors();
  const fourth = await writtenWorkFile('new');
  await assert.rejects(
    localDisk.commitFile(
      fourth.file,
      fourth.path,
      commitOf(join(directory, 'd'), { supersedes: join(directory, 'stale-dir') }),
    ),
    { code: 'EISDIR', syscall: 'unlink', path: join(directory, 'stale-dir') },
  );
  assert.deepEqual(await readFile(join(directory, 'd')), Buffer.from('new'));
  assert.equal(await openDescriptors(), descriptors);
});

test('a failed attribute set fails the commit before the rename, the file left open', async () => {
  const descriptors = await openDescriptors();
  const { path, file } = await writtenWorkFile('content');
  const destination = join(root, 'never');
  // Outside the user namespace: not settable by an unprivileged file owner, unknown to the kernel.
  await assert.rejects(
    localDisk.commitFile(file, path, commitOf(destination, { attribute: 'bogus.name' })),
    { syscall: 'fsetxattr', path },
  );
  await assert.rejects(access(destination), { code: 'ENOENT' });
  assert.equal(await openDescriptors(), descriptors + 1);
  await file.close();
  assert.equal(await openDescriptors(), descriptors);
});

test('only a file made by createFile can be committed', async () => {
  const path = join(root, 'plain');
  const handle = await open(path, 'wx');
  try {
    await assert.rejects(localDisk.commitFile(handle, path, commitOf(join(root, 'plain-2'))));
    await assert.rejects(access(join(root, 'plain-2')), { code: 'ENOENT' });
  } finally {
    await handle.close();
  }
});

test('a work file refuses to replace an existing file, and truncates and stats as a FileHandle', async () => {
  const { path, file } = await writtenWorkFile('0123456789');
  try {
    await assert.rejects(localDisk.createFile(path), { code: 'EEXIST' });
    await file.write(Buffer.from('ab'), 0, 2, 3);
    await file.truncate(5);
    await file.utimes(1000, 2000);
    const stats = await file.stat({ bigint: true });
    assert.equal(stats.size, 5n);
    assert.equal(stats.mtimeNs, 2_000_000_000_000n);
  } finally {
    await file.close();
  }
  assert.deepEqual(await readFile(path), Buffer.from('012ab'));
});

test('a work file created with content writes it in the same job, and refuses an existing path', async () => {
  next += 1;
  const path = join(root, `work-${next}`);
  // More pieces than one gathered write takes (a body sent in tiny chunks), and empty ones.
  const pieces = Array.from({ length: 2000 }, (_, index) => Buffer.alloc(index % 3, index % 251));
  const descriptors = await openDescriptors();
  const file = await localDisk.createFile(path, pieces);
  try {
    await file.write(Buffer.from('tail'), 0, 4);
  } finally {
    await file.close();
  }
  assert.deepEqual(await readFile(path), Buffer.concat([...pieces, Buffer.from('tail')]));
  await assert.rejects(localDisk.createFile(path, [Buffer.from('x')]), {
    code: 'EEXIST',
    syscall: 'open',
  });
  await assert.rejects(localDisk.createFile(join(root, 'missing', 'work'), [Buffer.from('x')]), {
    code: 'ENOENT',
  });
  assert.equal(await openDescriptors(), descriptors);
  assert.deepEqual(await readFile(path), Buffer.concat([...pieces, Buffer.from('tail')]));
});

test('a commit first checks that no path of `absent` exists, and when one does does nothing', async () => {
  const destination = join(root, 'absent-destination');
  const present = join(root, 'absent-present');
  await writeFile(present, 'a replica');
  const { path, file } = await writtenWorkFile('new content');
  try {
    const skipped = await localDisk.commitFile(
      file,
      path,
      commitOf(destination, { absent: [join(root, 'nothing-here'), present] }),
    );
    assert.equal(skipped, undefined);
    // Nothing done: no record, no rename, the file still open at its work path.
    await assert.rejects(access(destination), { code: 'ENOENT' });
    await assert.rejects(getAttribute(path, attribute));
    const committed = await commit(
      file,
      path,
      commitOf(destination, { absent: [join(root, 'nothing-here'), join(root, 'no-dir', 'x')] }),
    );
    assert.equal(committed.renameError, undefined);
  } finally {
    await file.close();
  }
  assert.equal(await readFile(destination, 'utf8'), 'new content');
  assert.deepEqual(await getAttribute(destination, attribute), Buffer.from('the record'));
});

test("the body's tail is written in the commit's job, then the times, before the rename", async () => {
  const destination = join(root, 'with-tail');
  const { path, file } = await writtenWorkFile('head ');
  // More pieces than one gathered write takes (joined by the caller), and empty ones.
  const tail = Array.from({ length: 1500 }, (_, index) => Buffer.from(index % 2 === 0 ? 't' : ''));
  const times = { accessNs: 1_000_000_000_123_000_000n, modifiedNs: 1_700_000_000_123_500_000n };
  const committed = await commit(file, path, commitOf(destination, { tail, times }));
  assert.equal(committed.renameError, undefined);
  assert.deepEqual(await readFile(destination), Buffer.from(`head ${'t'.repeat(750)}`));
  const stats = await stat(destination, { bigint: true });
  assert.equal(stats.mtimeNs, times.modifiedNs);
  assert.equal(committed.stats?.mtimeNs, times.modifiedNs);
  assert.equal(committed.stats?.size, BigInt('head '.length + 750));
  // A name found present: nothing done, the tail not written either (the retry brings it again).
  const again = await writtenWorkFile('head ');
  const present = await localDisk.commitFile(
    again.file,
    again.path,
    commitOf(join(root, 'not-this'), { tail, absent: [destination] }),
  );
  assert.equal(present, undefined);
  assert.equal((await again.file.stat()).size, 'head '.length);
  await again.file.close();
});

test("ENOSPC on the tail's write: no rename, the older file kept, the work file left open", async () => {
  const destination = join(root, 'full-tail');
  await writeFile(destination, 'older');
  const { path, file } = await writtenWorkFile('head ');
  // The work file's descriptor number now names /dev/full (ENOSPC on every write): the lowest
  // free number is taken again at once.
  const fd = file.fd;
  closeSync(fd);
  const full = openSync('/dev/full', 'w');
  try {
    assert.equal(full, fd, 'the descriptor number was reused');
    const descriptors = await openDescriptors();
    await assert.rejects(
      localDisk.commitFile(file, path, commitOf(destination, { tail: [Buffer.from('tail')] })),
      { code: 'ENOSPC', syscall: 'write', path },
    );
    assert.deepEqual(await readFile(destination), Buffer.from('older'));
    assert.deepEqual(await readFile(path), Buffer.from('head '));
    await assert.rejects(getAttribute(path, attribute), { code: 'ENODATA' });
    // Not closed by the job: the caller closes (and removes) it.
    assert.equal(await openDescriptors(), descriptors);
    assert.equal(file.fd, fd);
  } finally {
    await file.close();
  }
});
