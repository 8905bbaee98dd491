// Unit tests for table formatting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamingTable, formatTable } from './table.js';
import { entryRow } from './ls-command.js';
import { clusterTable } from './views/cluster-view.js';
import { formatNanoseconds } from './object-commands.js';
import type { NodeStatusJson } from '../sdk/index.js';

test('columns are padded to the widest cell; right alignment for numbers', () => {
  const lines = formatTable(
    [{ header: 'NAME' }, { header: 'SIZE', alignRight: true }],
    [
      ['a', '1B'],
      ['longer-name', '10.00KiB'],
    ],
  );
  assert.deepEqual(lines, [
    'NAME             SIZE',
    'a                  1B',
    'longer-name  10.00KiB',
  ]);
});

test('a streaming table prints the header once and only widens columns', () => {
  const lines: string[] = [];
  const table = new StreamingTable([{ header: 'NAME' }, { header: 'X' }], (line) =>
    lines.push(line),
  );
  table.add([['ab', '1']]);
  table.add([['abcdef', '2']]);
  table.add([]);
  assert.deepEqual(lines, ['NAME  X', 'ab    1', 'abcdef  2']);
});

test('list entries: human sizes and requested props', () => {
  assert.deepEqual(
    entryRow({ name: 'o', size: '2048', checksum: 'abc', copies: 2 }, [
      'checksum',
      'copies',
      'version',
    ]),
    ['o', '2.00KiB', 'abc', '2', '-'],
  );
  assert.deepEqual(entryRow({ name: 'o', 'custom-md': 'k=v' }, ['custom']), ['o', '-', 'k=v']);
});

test('cluster table marks the primary and sums target capacity, each file system once', () => {
  const sizes = { enabled: true, total_bytes: 1024, used_bytes: 256, available_bytes: 768 };
  const capacity = [
    { mountpath: '/a', filesystem: '2049', ...sizes },
    { mountpath: '/b', filesystem: '2050', ...sizes },
    { mountpath: '/c', filesystem: '2050', ...sizes },
  ];
  // Only the mountpath capacity matters to the table.
  const status = { mountpath_capacity: capacity } as Partial<NodeStatusJson> as NodeStatusJson;
  const lines = clusterTable([
    { id: 'p1', role: 'proxy', primary: true, publicUrl: 'http://h:1', state: 'online' },
    { id: 't1', role: 'target', primary: false, publicUrl: 'http://h:2', state: 'online', status },
    { id: 't2', role: 'target', primary: false, publicUrl: 'http://h:3', state: 'unreachable' },
  ]);
  assert.deepEqual(lines, [
    'ID  ROLE             PUBLIC URL  STATE        MOUNTPATHS          USED/TOTAL',
    'p1  proxy (primary)  http://h:1  online                -                   -',
    't1  target           http://h:2  online                3  512B/2.00KiB (25%)',
    't2  target           http://h:3  unreachable           -                   -',
  ]);
});

test('nanosecond times', () => {
  assert.equal(formatNanoseconds(0n), '-');
  assert.equal(formatNanoseconds(1_700_000_000_123_456_789n), '2023-11-14T22:13:20.123Z');
});
