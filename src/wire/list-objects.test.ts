// Unit tests for a target's list page in columns: the gateway gets back the same entries, byte for
// byte once encoded as JSON again, and pages the columns cannot carry are sent as objects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  EntryFlag,
  listEntriesOf,
  listPageToColumns,
  type ListEntryJson,
  type ListPageJson,
} from './list-objects.js';

const pageOf = (entries: ListEntryJson[]): ListPageJson => ({
  uuid: 'u1',
  continuation_token: 'b/"q"',
  entries,
  flags: 0,
});

test('columns carry names, flags and sizes, and give back the same JSON', () => {
  const entries: ListEntryJson[] = [
    { name: 'a/1', flags: EntryFlag.isCached, size: '0' },
    { name: 'a/\u00e9 "quoted"\\', flags: EntryFlag.isCached, size: '12345678901' },
    { name: 'b/', flags: EntryFlag.isDirectory },
    { name: 'c', flags: EntryFlag.isCached },
  ];
  const columns = listPageToColumns(pageOf(entries));
  assert.ok(columns !== undefined);
  assert.deepEqual(columns.names, ['a/1', 'a/\u00e9 "quoted"\\', 'b/', 'c']);
  assert.deepEqual(columns.sizes, ['0', '12345678901', null, null]);
  assert.equal(columns.continuation_token, 'b/"q"');
  const received = JSON.parse(JSON.stringify(columns)) as typeof columns;
  const back = listEntriesOf(received);
  assert.equal(JSON.stringify(back), JSON.stringify(entries));
  assert.deepEqual(listEntriesOf(pageOf(entries)), entries);
});

test('an empty page has empty columns', () => {
  const columns = listPageToColumns(pageOf([]));
  assert.deepEqual(columns?.names, []);
  assert.deepEqual(listEntriesOf(JSON.parse(JSON.stringify(columns)) as typeof columns & {}), []);
});

test('entries with more than name, flags and size are not sent in columns', () => {
  for (const extra of [
    { checksum: 'abc' },
    { atime: '02 Jan 06 15:04 UTC' },
    { version: '1' },
    { location: 't[x]:/mp' },
    { 'custom-md': '{}' },
    { copies: 2 },
  ]) {
    const entries = [
      { name: 'a', flags: EntryFlag.isCached },
      { name: 'b', flags: 64, ...extra },
    ];
    assert.equal(listPageToColumns(pageOf(entries)), undefined, JSON.stringify(extra));
  }
  assert.equal(listPageToColumns(pageOf([{ name: 'a' }])), undefined, 'no flags');
  // A field entries may get later is not dropped from clients' pages: only the three known go.
  const future = { name: 'b', flags: 64, size: '1', tier: 'cold' } as ListEntryJson;
  assert.equal(listPageToColumns(pageOf([future])), undefined, 'a field columns do not carry');
  // Columns give entries back as name, flags, size: another key order would change the bytes.
  const reordered = { name: 'b', size: '1', flags: 64 };
  assert.equal(listPageToColumns(pageOf([reordered])), undefined, 'name, size, flags');
});

test('columns of unequal lengths are refused', () => {
  const columns = { uuid: '', continuation_token: '', flags: 0, names: ['a', 'b'] };
  assert.equal(listEntriesOf({ ...columns, entryFlags: [64], sizes: ['0', '0'] }), undefined);
  assert.equal(listEntriesOf({ ...columns, entryFlags: [64, 64], sizes: ['0'] }), undefined);
});
