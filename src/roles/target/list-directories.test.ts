// Unit tests for the non-recursive listing: the directory rule against a model of AIStore's walk
// (`CheckDirNoRecurs` applied to each directory below where the walk starts), and pages of every
// size concatenating to the whole listing, with and without directories.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EntryFlag, type ListEntryJson } from '../../wire/index.js';
import { directoryOf, listOneLevel } from './list-directories.js';

/** AIStore's decision for a directory `relPath` met by the walk: add it, and walk into it. */
function checkDirNoRecurs(prefix: string, relPath: string): { add: boolean; enter: boolean } {
  if (prefix === '' || prefix === '/') return { add: true, enter: false };
  const base = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  if (!relPath.startsWith(base)) return { add: false, enter: false };
  const suffix = relPath.slice(base.length).replace(/^\//, '');
  if (suffix === '') return { add: false, enter: true };
  return { add: !suffix.includes('/'), enter: false };
}

/** The model: what AIStore's walk lists for `name` (an object, a directory, or nothing). */
function modelEntry(name: string, prefix: string): ListEntryJson | undefined {
  if (!name.startsWith(prefix === '/' ? '' : prefix)) return undefined;
  const start = prefix === '/' ? -1 : prefix.lastIndexOf('/');
  const parts = name.slice(start + 1).split('/');
  let directory = name.slice(0, start + 1);
  for (const part of parts.slice(0, -1)) {
    directory += part;
    const { add, enter } = checkDirNoRecurs(prefix, directory);
    if (add) return { name: `${directory}/`, flags: EntryFlag.isDirectory };
    if (!enter) return undefined;
    directory += '/';
  }
  return { name, flags: EntryFlag.isCached };
}

const names = [
  'a',
  'aaa',
  'aaa/b/c',
  'aaa/b/d',
  'aaa/x',
  'aaab/y',
  'aaaz',
  'b/1',
  'b/2/3',
  'b/2/4/5',
  'b0',
  'c/',
  'dir/a',
  'dir/b/',
  'dir/sub/x',
  'dir/sub2/y',
  'dir/z',
  'x/y/z/w',
  'x/yz/q',
  'x/y/v',
].sort();

function modelListing(prefix: string, noDirs: boolean): ListEntryJson[] {
  const entries = new Map<string, ListEntryJson>();
  for (const name of names) {
    const entry = modelEntry(name, prefix);
    if (entry !== undefined && !(noDirs && entry.flags === EntryFlag.isDirectory))
      entries.set(entry.name, entry);
  }
  return [...entries.values()].sort((l, r) => (l.name < r.name ? -1 : 1));
}

/** The store's walk: names with the prefix after `after`, ascending. */
const walk = (prefix: string, after: string, limit: number): Promise<ListEntryJson[]> =>
  Promise.resolve(
    names
      .filter((name) => name.startsWith(prefix) && name > after)
      .slice(0, limit)
      .map((name) => ({ name, flags: EntryFlag.isCached })),
  );

const prefixes = ['', '/', 'a', 'aaa', 'aaa/', 'b', 'dir/', 'dir', 'x/y', 'x/y/', 'x/', 'nothing/'];

test('directories and objects one level down, as AIStore lists them', () => {
  assert.equal(directoryOf('aaa/b/c', 'aaa/'), 'aaa/b/');
  assert.equal(directoryOf('aaa/x', 'aaa/'), undefined);
  assert.equal(directoryOf('aaab/y', 'aaa'), 'aaab/', 'a sibling of a prefix without a slash');
  assert.equal(
    directoryOf('aaa/x', 'aaa'),
    undefined,
    'the directory named as the prefix is entered',
  );
  assert.equal(directoryOf('aaa/b/c', 'aaa'), 'aaa/b/');
  assert.equal(directoryOf('b/2/3', ''), 'b/');
  assert.equal(directoryOf('b/2/3', '/'), 'b/');
  for (const prefix of prefixes) {
    for (const name of names) {
      const expected = modelEntry(name, prefix);
      const directory = directoryOf(name, prefix);
      if (expected === undefined) continue;
      assert.equal(directory, expected.flags === EntryFlag.isDirectory ? expected.name : undefined);
    }
  }
});

test('pages of every size concatenate to the listing; a directory token skips its subtree', async () => {
  for (const prefix of prefixes) {
    for (const noDirs of [false, true]) {
      const expected = modelListing(prefix, noDirs);
      for (let limit = 1; limit <= expected.length + 1; limit += 1) {
        const listed: ListEntryJson[] = [];
        let token = '';
        for (let page = 0; page < 100; page += 1) {
          const { entries, more } = await listOneLevel(prefix, token, limit, noDirs, (after, n) =>
            walk(prefix === '/' ? '' : prefix, after, n),
          );
          assert.ok(entries.length <= limit);
          listed.push(...entries);
          const last = entries[entries.length - 1];
          if (!more || last === undefined) break;
          token = last.name;
        }
        assert.deepEqual(listed, expected, `prefix "${prefix}" limit ${limit} noDirs ${noDirs}`);
      }
    }
  }
});
