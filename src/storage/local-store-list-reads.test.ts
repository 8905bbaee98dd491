// LocalStore listing tests on what a page reads per object: names only read nothing, sizes come
// from the stat (from the record for an empty file when the bucket has chunk sets: it may be a
// chunked object), and a file that is gone, empty without a record, or not a regular file is
// left out the way single reads left it when the record is read.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { localDisk } from './io/index.js';
import { metadataAttributeName } from './meta/index.js';
import type { LocalStore } from './local-store.js';
import { Candidate, resolveNames } from './list-resolve.js';
import {
  bodyOf,
  makeTemporaryDirectory,
  openTestStore,
  removeTemporaryDirectory,
  testBucket,
} from './store-fixtures.js';

let root = '';
let store: LocalStore;
const attributes = { customMetadata: {}, contentHeaders: {}, tags: {} };

async function put(name: string, body: string): Promise<void> {
  await store.putObject({
    bucket: testBucket,
    name,
    body: bodyOf(body),
    checksumType: 'xxhash',
    versioning: false,
  });
}

before(async () => {
  root = await makeTemporaryDirectory();
  store = await openTestStore(root, 2);
  for (let index = 0; index < 300; index += 1) {
    await put(`dir-${index % 7}/object-${String(index).padStart(3, '0')}`, 'x'.repeat(index % 5));
  }
  // A chunked object: its file is empty, its size is in its record.
  const uploadId = await store.uploads.createUpload(testBucket, 'dir-0/chunked', attributes);
  await store.uploads.uploadPart({
    bucket: testBucket,
    name: 'dir-0/chunked',
    uploadId,
    partNumber: 1,
    body: bodyOf('twelve bytes'),
    contentLength: 12,
    checksumType: 'xxhash',
    finish: () => ({ etag: 'e' }),
  });
  await store.uploads.completeUpload({
    bucket: testBucket,
    name: 'dir-0/chunked',
    uploadId,
    parts: [{ partNumber: 1, etag: 'e', extraChecksums: {} }],
    minPartBytes: 0,
    versioning: false,
    combineChecksums: () => Promise.resolve({}),
  });
});

after(async () => {
  await store.close();
  await removeTemporaryDirectory(root);
});

/** Every name of a listing in pages of `limit`. */
async function listAll(
  limit: number,
  options: { withMetadata: boolean; namesOnly?: boolean },
): Promise<Array<{ name: string; size?: number }>> {
  const all: Array<{ name: string; size?: number }> = [];
  let startAfter = '';
  for (;;) {
    const page = await store.listObjects(testBucket, { startAfter, limit, ...options });
    all.push(...page);
    const last = page[page.length - 1];
    if (page.length < limit || last === undefined) return all;
    startAfter = last.name;
  }
}

test('sizes come from the stat, and a chunked object has its recorded size', async () => {
  const sized = await listAll(64, { withMetadata: false });
  const full = await listAll(64, { withMetadata: true });
  assert.equal(sized.length, 301);
  assert.deepEqual(
    sized,
    full.map((object) => ({ name: object.name, size: object.size })),
  );
  assert.deepEqual(
    sized.find((entry) => entry.name === 'dir-0/chunked'),
    { name: 'dir-0/chunked', size: 12 },
  );
});

test('a names-only listing names the same objects and reads none of them', async () => {
  const sized = await listAll(50, { withMetadata: false });
  const named = await listAll(50, { withMetadata: false, namesOnly: true });
  assert.deepEqual(
    named,
    sized.map((entry) => ({ name: entry.name })),
  );
});

/** Candidates for files of one directory of mountpath 0 (made up for `resolveNames`). */
function candidatesIn(directory: string, entries: string[]): Candidate[] {
  const [mountpath] = store.mountpaths();
  assert.ok(mountpath !== undefined);
  return entries.map((entry) => new Candidate(`odd/${entry}`, directory, entry, mountpath));
}

/** Odd files in `odd/` of mountpath 0; removed again by `removeOddFiles`. */
async function makeOddFiles(): Promise<string> {
  const [mountpath] = store.mountpaths();
  assert.ok(mountpath !== undefined);
  const directory = join(mountpath.path, '@ais/bucket/%ob/odd');
  await mkdir(join(directory, 'sub'), { recursive: true });
  await writeFile(join(directory, 'bare'), '');
  await writeFile(join(directory, 'corrupt'), '');
  const { setAttribute } = await import('fs-xattr');
  await setAttribute(join(directory, 'corrupt'), metadataAttributeName, Buffer.from('garbage'));
  await writeFile(join(directory, 'plain'), 'four');
  await symlink(join(directory, 'plain'), join(directory, 'link'));
  return directory;
}

async function removeOddFiles(directory: string): Promise<void> {
  for (const entry of await readdir(directory)) {
    if (entry !== 'sub') await unlink(join(directory, entry));
  }
}

const oddEntries = ['gone', 'bare', 'corrupt', 'sub', 'plain', 'link'];

test('gone, empty without a record, corrupt, or not a file: left out of a sized page', async () => {
  const directory = await makeOddFiles();
  const listed = await resolveNames(localDisk, candidatesIn(directory, oddEntries), () =>
    Promise.resolve(true),
  );
  assert.deepEqual(listed, [
    undefined,
    undefined,
    undefined,
    undefined,
    { name: 'odd/plain', size: 4 },
    { name: 'odd/link', size: 4 },
  ]);
  await removeOddFiles(directory);
});

test('without chunk sets an empty file is an empty object, unless a chunk set appears meanwhile', async () => {
  const directory = await makeOddFiles();
  let probes = 0;
  const none = await resolveNames(localDisk, candidatesIn(directory, oddEntries), () => {
    probes += 1;
    return Promise.resolve(false);
  });
  // No record read: the empty files are listed by their stat, as non-empty files always are.
  assert.deepEqual(none, [
    undefined,
    { name: 'odd/bare', size: 0 },
    { name: 'odd/corrupt', size: 0 },
    undefined,
    { name: 'odd/plain', size: 4 },
    { name: 'odd/link', size: 4 },
  ]);
  assert.equal(probes, 2, 'probed before and after the stats');
  // A chunk set found after the stats: the empty files' records are read after all.
  probes = 0;
  const appeared = await resolveNames(localDisk, candidatesIn(directory, oddEntries), () => {
    probes += 1;
    return Promise.resolve(probes > 1);
  });
  assert.deepEqual(appeared, [
    undefined,
    undefined,
    undefined,
    undefined,
    { name: 'odd/plain', size: 4 },
    { name: 'odd/link', size: 4 },
  ]);
  await removeOddFiles(directory);
});

test('a bucket without chunk sets lists its empty objects with size 0', async () => {
  const otherRoot = await makeTemporaryDirectory();
  const other = await openTestStore(otherRoot, 2);
  try {
    for (const [name, body] of [
      ['a/empty', ''],
      ['a/full', 'abc'],
      ['b/empty', ''],
    ] as const) {
      await other.putObject({
        bucket: testBucket,
        name,
        body: bodyOf(body),
        checksumType: 'xxhash',
        versioning: false,
      });
    }
    const sized = await other.listObjects(testBucket, { limit: 10, withMetadata: false });
    const full = await other.listObjects(testBucket, { limit: 10, withMetadata: true });
    assert.deepEqual(sized, [
      { name: 'a/empty', size: 0 },
      { name: 'a/full', size: 3 },
      { name: 'b/empty', size: 0 },
    ]);
    assert.deepEqual(
      sized,
      full.map((object) => ({ name: object.name, size: object.size })),
    );
  } finally {
    await other.close();
    await removeTemporaryDirectory(otherRoot);
  }
});
