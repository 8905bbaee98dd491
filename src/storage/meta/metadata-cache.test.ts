// Unit tests of the metadata cache: a record is served only for the file state it was read from,
// reads that raced an invalidation are not kept, and memory stays within the limit (oldest first).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FileState } from '../io/index.js';
import { MetadataCache, chargeOf, encodeObjectMetadata, type ObjectMetadata } from './index.js';
import { movedOnHit } from './content-cache.js';

function metadataOf(size: number): ObjectMetadata {
  return {
    size,
    checksum: { type: 'xxhash', value: size.toString(16) },
    customMetadata: { owner: 'test' },
    copies: [],
    flags: 0,
  };
}

function stateOf(ino: number, size = 10): FileState {
  return { dev: 1n, ino: BigInt(ino), size: BigInt(size), mtimeNs: 5n, ctimeNs: 7n };
}

const recordBytes = encodeObjectMetadata(metadataOf(10)).length;

test('a record is served while the file keeps the state it was read from', () => {
  const cache = new MetadataCache(1024 * 1024);
  const kept = cache.remember('/a', stateOf(1), metadataOf(10), recordBytes, cache.epoch);
  assert.equal(cache.lookup('/a', stateOf(1)), kept);
  assert.equal(Object.isFrozen(kept), true);
  assert.equal(Object.isFrozen(kept.customMetadata), true);
  for (const changed of [
    stateOf(2),
    stateOf(1, 11),
    { ...stateOf(1), mtimeNs: 6n },
    { ...stateOf(1), ctimeNs: 8n },
    { ...stateOf(1), dev: 2n },
  ]) {
    assert.equal(cache.lookup('/a', changed), undefined, JSON.stringify(changed, String));
  }
  assert.equal(cache.lookup('/b', stateOf(1)), undefined);
  assert.deepEqual(cache.stats(), {
    entries: 1,
    bytes: chargeOf('/a', recordBytes),
    hits: 1,
    misses: 1,
  });
});

test('an invalidated path is dropped, and a read begun before the invalidation is not kept', () => {
  const cache = new MetadataCache(1024 * 1024);
  cache.remember('/a', stateOf(1), metadataOf(10), recordBytes, cache.epoch);
  const epoch = cache.epoch;
  cache.invalidate('/a');
  assert.equal(cache.peek('/a'), undefined);
  cache.remember('/a', stateOf(1), metadataOf(10), recordBytes, epoch);
  assert.equal(cache.peek('/a'), undefined, 'the read may have seen the file before the change');
  // Another path's invalidation does not stop it; too many to tell apart do.
  const later = cache.epoch;
  cache.invalidate('/other');
  cache.remember('/a', stateOf(1), metadataOf(10), recordBytes, later);
  assert.notEqual(cache.peek('/a'), undefined);
  const before = cache.epoch;
  for (let index = 0; index < 300; index += 1) cache.invalidate(`/other-${index}`);
  cache.remember('/b', stateOf(2), metadataOf(10), recordBytes, before);
  assert.equal(cache.peek('/b'), undefined);
});

test('memory stays within the limit: least recently used entries go first', () => {
  const charge = chargeOf('/p0', recordBytes);
  const cache = new MetadataCache(charge * 3);
  for (const path of ['/p0', '/p1', '/p2']) {
    cache.remember(path, stateOf(1), metadataOf(10), recordBytes, cache.epoch);
  }
  assert.notEqual(cache.lookup('/p0', stateOf(1)), undefined, 'used: now the most recent');
  cache.remember('/p3', stateOf(1), metadataOf(10), recordBytes, cache.epoch);
  assert.equal(cache.peek('/p1'), undefined, 'the least recently used went');
  for (const path of ['/p0', '/p2', '/p3']) assert.notEqual(cache.peek(path), undefined, path);
  assert.equal(cache.stats().bytes, charge * 3);
  // Replacing an entry does not count it twice.
  cache.remember('/p3', stateOf(2), metadataOf(10), recordBytes, cache.epoch);
  assert.equal(cache.stats().entries, 3);
  assert.equal(cache.stats().bytes, charge * 3);
});

test('a limit of 0 keeps nothing but still returns what was read', () => {
  const cache = new MetadataCache(0);
  const metadata = metadataOf(10);
  assert.equal(cache.remember('/a', stateOf(1), metadata, recordBytes, cache.epoch), metadata);
  assert.equal(cache.stats().entries, 0);
  assert.equal(cache.lookup('/a', stateOf(1)), undefined);
});

test('a hit moves an entry to the end of the use order only once it is in the older half', () => {
  const charge = chargeOf('/p0', recordBytes);
  const cache = new MetadataCache(charge * 4);
  for (const path of ['/p0', '/p1', '/p2', '/p3']) {
    cache.remember(path, stateOf(1), metadataOf(10), recordBytes, cache.epoch);
  }
  // '/p3' and '/p2' are the newest half: hits leave them where they are (no delete and set)...
  assert.notEqual(cache.lookup('/p3', stateOf(1)), undefined);
  assert.notEqual(cache.lookup('/p2', stateOf(1)), undefined);
  // ...'/p1' is older: a hit moves it to the end.
  assert.notEqual(cache.lookup('/p1', stateOf(1)), undefined);
  assert.equal(cache.stats().hits, 3);
  const evicted: string[][] = [];
  for (const path of ['/p4', '/p5', '/p6', '/p7']) {
    cache.remember(path, stateOf(1), metadataOf(10), recordBytes, cache.epoch);
    evicted.push(['/p0', '/p1', '/p2', '/p3'].filter((old) => cache.peek(old) === undefined));
  }
  assert.deepEqual(
    evicted.map((gone) => gone.join(',')),
    ['/p0', '/p0,/p2', '/p0,/p2,/p3', '/p0,/p1,/p2,/p3'],
  );
});

test('movedOnHit: not while among the newest half of the entries', () => {
  assert.equal(movedOnHit(10, 9, 10), false);
  assert.equal(movedOnHit(10, 5, 10), false);
  assert.equal(movedOnHit(10, 4, 10), true);
  assert.equal(movedOnHit(1, 0, 1), true);
  assert.equal(movedOnHit(3, 0, 3), true);
});
