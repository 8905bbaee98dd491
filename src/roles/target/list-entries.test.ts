// Unit tests for a target's list entries: what each property set and flag costs per object, and
// the fast entry maker giving the same entries as the general one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ListFlag } from '../../wire/index.js';
import { listEntryMaker, listPropsOf, toListEntry } from './list-entries.js';

test('names only read nothing, sizes a stat, anything else the metadata', () => {
  assert.equal(listPropsOf(undefined, 0n).reads, 'sizes', 'the default: name,size,cached');
  assert.equal(listPropsOf('', 0n).reads, 'sizes');
  assert.equal(listPropsOf('name,size', 0n).reads, 'sizes');
  assert.equal(listPropsOf('name', 0n).reads, 'names');
  assert.equal(listPropsOf('name,cached,status', 0n).reads, 'names');
  assert.equal(listPropsOf('name,size', ListFlag.nameOnly).reads, 'names');
  assert.equal(listPropsOf('checksum', ListFlag.nameSize).reads, 'sizes');
  assert.equal(listPropsOf('name,size,checksum', 0n).reads, 'metadata');
  assert.equal(listPropsOf('atime', 0n).reads, 'metadata');
  assert.deepEqual([...listPropsOf('name,size', ListFlag.nameOnly).props], ['name']);
});

test('the entry maker gives the entries toListEntry gives, for every property set', () => {
  const objects = [
    { name: 'a', size: 0 },
    { name: 'b', size: 12 },
    { name: 'c' },
    {
      name: 'd',
      size: 5,
      checksum: { type: 'xxhash' as const, value: 'ff' },
      version: '2',
      copies: ['/x'],
      mountpath: '/mp',
      accessTimeNs: 1_700_000_000_000_000_000n,
      customMetadata: { k: 'v' },
    },
  ];
  const propSets = ['', 'name', 'name,size', 'name,size,cached', 'name,checksum,size,location'];
  for (const props of propSets) {
    const { props: set } = listPropsOf(props, 0n);
    const make = listEntryMaker(set, 'node1');
    for (const object of objects) {
      assert.deepEqual(make(object), toListEntry(object, set, 'node1'), `${props} ${object.name}`);
    }
  }
  assert.deepEqual(listEntryMaker(new Set(['name', 'size']), 'n')({ name: 'x', size: 3 }), {
    name: 'x',
    flags: 64,
    size: '3',
  });
});
