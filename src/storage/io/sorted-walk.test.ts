// Unit tests for the sorted walk and the merge: global name order, bounds, pruning.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { makeTemporaryDirectory, removeTemporaryDirectory } from '../store-fixtures.js';
import {
  ListingDirectories,
  fromSortedArray,
  localDisk,
  mergeSorted,
  mergeSortedRuns,
  readSortedEntries,
  walkEntryRuns,
  walkSorted,
  type DirectoryReader,
  type WalkBounds,
  type WalkedFile,
} from './index.js';

let root = '';
// Chosen so that naive per-directory sorting gives the wrong global order: '-' < '/' < '0'.
const names = [
  'a',
  'a-b',
  'a0',
  'b/c.txt',
  'b/c-d/e',
  'b/c/d',
  'b/c0',
  'b-',
  'b0/x',
  'z/y/x/w',
  'é/ü',
  'A/B',
  ' space',
];

before(async () => {
  root = await makeTemporaryDirectory();
  // `a` must be a file and `a/...` cannot coexist, so the tree uses names without that clash.
  for (const name of names) {
    const path = join(root, name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, name);
  }
  await mkdir(join(root, 'empty/dir'), { recursive: true });
});

after(async () => {
  await removeTemporaryDirectory(root);
});

async function walk(bounds: Partial<WalkBounds>): Promise<string[]> {
  const found: string[] = [];
  const full = { prefix: '', startAfter: '', ...bounds };
  for await (const file of walkSorted(localDisk, root, full)) found.push(file.name);
  return found;
}

function expected(bounds: Partial<WalkBounds>): string[] {
  const prefix = bounds.prefix ?? '';
  const startAfter = bounds.startAfter ?? '';
  return [...names].sort().filter((name) => name.startsWith(prefix) && name > startAfter);
}

test('yields every file in global JS string order of the full names', async () => {
  assert.deepEqual(await walk({}), expected({}));
});

test('prefix and startAfter bounds match a brute-force filter for every cut', async () => {
  const cuts = ['', 'a', 'a-', 'a/', 'b', 'b/', 'b/c', 'b/c/', 'b/c-d', 'b/c/d', 'b0', 'z', 'zz'];
  for (const prefix of cuts) {
    for (const startAfter of [...cuts, ...names]) {
      assert.deepEqual(
        await walk({ prefix, startAfter }),
        expected({ prefix, startAfter }),
        `prefix=${prefix} startAfter=${startAfter}`,
      );
    }
  }
});

test('a missing root walks as empty', async () => {
  const found: string[] = [];
  for await (const file of walkSorted(localDisk, join(root, 'absent'), {
    prefix: '',
    startAfter: '',
  })) {
    found.push(file.name);
  }
  assert.deepEqual(found, []);
});

test('mergeSorted interleaves sorted sources and keeps equal keys together', async () => {
  const merged: string[] = [];
  const sources = [
    fromSortedArray(['a', 'c', 'e']),
    fromSortedArray(['b', 'c', 'f']),
    fromSortedArray([]),
  ];
  for await (const item of mergeSorted(sources, (value) => value)) merged.push(item);
  assert.deepEqual(merged, ['a', 'b', 'c', 'c', 'e', 'f']);
});

test('stopping a merge early returns its sources', async () => {
  let finished = false;
  async function* source(): AsyncGenerator<string> {
    try {
      yield* ['a', 'b', 'c'];
      await Promise.resolve();
    } finally {
      finished = true;
    }
  }
  for await (const item of mergeSorted([source()], (value) => value)) {
    if (item === 'a') break;
  }
  assert.ok(finished);
});

test('a page reads only the directories on its way: subtrees before startAfter are skipped', async () => {
  const tree = join(root, 'pruning');
  for (let top = 0; top < 30; top += 1) {
    for (let leaf = 0; leaf < 5; leaf += 1) {
      const path = join(tree, `d${String(top).padStart(2, '0')}`, `sub${leaf}`, 'file');
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, '');
    }
  }
  async function readsFor(bounds: WalkBounds, limit: number): Promise<string[]> {
    const reads: string[] = [];
    const reader: DirectoryReader = (disk, directory, base) => {
      reads.push(base);
      return readSortedEntries(disk, directory, base);
    };
    let count = 0;
    for await (const file of walkSorted(localDisk, tree, bounds, reader)) {
      assert.ok(file.name > bounds.startAfter && file.name.startsWith(bounds.prefix));
      if ((count += 1) >= limit) break;
    }
    return reads;
  }
  assert.deepEqual(await readsFor({ prefix: '', startAfter: 'd27/sub3/file' }, 2), [
    '',
    'd27/',
    'd27/sub3/',
    'd27/sub4/',
    'd28/',
    'd28/sub0/',
  ]);
  assert.deepEqual(await readsFor({ prefix: 'd05/sub2', startAfter: '' }, 100), [
    '',
    'd05/',
    'd05/sub2/',
  ]);
});

test('the walk in runs yields the same files, each run from one directory', async () => {
  const cuts = ['', 'a', 'b/', 'b/c', 'b0', 'é'];
  for (const prefix of cuts) {
    for (const startAfter of cuts) {
      const bounds = { prefix, startAfter };
      const runs: WalkedFile[][] = [];
      const entries = await readSortedEntries(localDisk, root, '');
      for await (const run of walkEntryRuns(localDisk, root, entries, bounds)) {
        runs.push(run);
      }
      assert.deepEqual(
        // The pruning test above added its own tree.
        runs
          .flat()
          .map((file) => file.name)
          .filter((name) => !name.startsWith('pruning/')),
        expected(bounds),
        `prefix=${prefix} startAfter=${startAfter}`,
      );
      for (const run of runs) {
        assert.ok(run.length > 0);
        for (const file of run) {
          assert.equal(file.directory, run[0]?.directory);
          assert.equal(join(file.directory, file.entry), file.path);
          assert.equal(file.path, join(root, file.name));
        }
      }
    }
  }
});

/** Runs as an async source, with an empty run thrown in (sources may yield them). */
async function* runsOf(runs: string[][]): AsyncGenerator<string[]> {
  for (const run of runs) {
    await Promise.resolve();
    yield run;
    yield [];
  }
}

test('mergeSortedRuns merges runs in order, keeping equal keys adjacent across runs', async () => {
  const merged: string[][] = [];
  const sources = [
    runsOf([
      ['a', 'c'],
      ['e', 'g', 'k'],
    ]),
    runsOf([['b'], ['c', 'f'], ['g'], ['g', 'z']]),
    runsOf([]),
  ];
  for await (const run of mergeSortedRuns(sources, (value) => value)) merged.push(run);
  assert.deepEqual(merged.flat(), ['a', 'b', 'c', 'c', 'e', 'f', 'g', 'g', 'g', 'k', 'z']);
  for (const run of merged) assert.ok(run.length > 0);
});

test('mergeSortedRuns against a brute-force sort, and stopping early returns the sources', async () => {
  let seed = 11;
  const random = (): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let round = 0; round < 30; round += 1) {
    const lists = Array.from({ length: 1 + Math.floor(random() * 4) }, () =>
      Array.from({ length: Math.floor(random() * 30) }, () => String(Math.floor(random() * 50)))
        .sort()
        .filter((value, index, all) => all.indexOf(value) === index),
    );
    const sources = lists.map((list) => {
      const runs: string[][] = [];
      for (let start = 0; start < list.length;) {
        const length = 1 + Math.floor(random() * 5);
        runs.push(list.slice(start, start + length));
        start += length;
      }
      return runsOf(runs);
    });
    const merged: string[] = [];
    for await (const run of mergeSortedRuns(sources, (value) => value)) merged.push(...run);
    assert.deepEqual(merged, lists.flat().sort(), `round ${round}`);
  }
  let finished = false;
  async function* source(): AsyncGenerator<string[]> {
    try {
      yield ['a', 'b'];
      await Promise.resolve();
      yield ['c'];
    } finally {
      finished = true;
    }
  }
  for await (const run of mergeSortedRuns([source()], (value) => value)) {
    if (run.includes('a')) break;
  }
  assert.ok(finished);
});

test('a listing keeps its roots and the directories it is in; those it passed are read again', async () => {
  const top = await makeTemporaryDirectory();
  try {
    const inner = join(top, 'd');
    await mkdir(inner);
    await writeFile(join(inner, '1'), '');
    const directories = new ListingDirectories();
    const entries = async (directory: string, base: string): Promise<string[]> =>
      (await directories.reader(localDisk, directory, base)).map((item) => item.key);
    assert.deepEqual(await entries(top, ''), ['d/']);
    assert.deepEqual(await entries(inner, 'd/'), ['d/1']);
    await writeFile(join(inner, '2'), '');
    await writeFile(join(top, 'e'), '');
    // A step that begins inside `d/` still uses the listing's read of it.
    directories.passed('d/1');
    assert.deepEqual(await entries(inner, 'd/'), ['d/1']);
    // A step past `d/` forgets it; the root is kept for the whole listing.
    directories.passed('d0');
    assert.deepEqual(await entries(inner, 'd/'), ['d/1', 'd/2']);
    assert.deepEqual(await entries(top, ''), ['d/']);
  } finally {
    await removeTemporaryDirectory(top);
  }
});

test("a walk after startAfter looks at a kept directory's entries before it only by binary search", async () => {
  // 1,000 directories of one file each, as a kept root the walk enters on every page: each key
  // read is counted, so a walk that compares every entry before startAfter reads about 1,000.
  let reads = 0;
  const counted = (
    key: string,
    directory: boolean,
  ): { key: string; entry: string; directory: boolean } => ({
    get key() {
      reads += 1;
      return key;
    },
    entry: directory ? key.slice(0, -1) : key.slice(key.lastIndexOf('/') + 1),
    directory,
  });
  const top = Array.from({ length: 1000 }, (_, index) =>
    counted(`d${String(index).padStart(4, '0')}/`, true),
  );
  const read: DirectoryReader = (_disk, _directory, base) =>
    Promise.resolve([counted(`${base}x`, false)]);
  const found: string[] = [];
  for await (const run of walkEntryRuns(
    localDisk,
    root,
    top,
    { prefix: '', startAfter: 'd0990/x' },
    read,
  )) {
    for (const file of run) found.push(file.name);
  }
  assert.deepEqual(
    found,
    Array.from({ length: 9 }, (_, index) => `d0${991 + index}/x`),
  );
  assert.ok(reads < 100, `${reads} keys read`);
});
