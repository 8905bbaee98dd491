// Unit tests for the LRU selection: the oldest candidates that free enough, in one bounded pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LruSelection } from './lru-selection.js';

type Candidate = ReturnType<typeof candidate>;

const candidate = (name: string, atime: number, size: number) => ({
  bucketIndex: 0,
  name,
  atimeNs: BigInt(atime),
  size,
});

test('keeps the least recently used candidates that free the bytes asked, oldest first', () => {
  const selection = new LruSelection<Candidate>(250);
  // Shuffled access times: 1..10, 100 bytes each.
  for (const atime of [7, 3, 9, 1, 10, 5, 2, 8, 6, 4])
    selection.add(candidate(`o${atime}`, atime, 100));
  assert.deepEqual(
    selection.oldestFirst().map((item) => item.name),
    ['o1', 'o2', 'o3'],
  );
  assert.equal(selection.bytes, 300);
});

test('a large old object alone may be enough; newer ones are dropped', () => {
  const selection = new LruSelection<Candidate>(500);
  selection.add(candidate('new-small', 50, 10));
  selection.add(candidate('old-big', 1, 1000));
  selection.add(candidate('mid', 20, 100));
  assert.deepEqual(
    selection.oldestFirst().map((item) => item.name),
    ['old-big'],
  );
});

test('too few candidates: all of them, short of the goal', () => {
  const selection = new LruSelection<Candidate>(10_000);
  selection.add(candidate('b', 2, 100));
  selection.add(candidate('a', 1, 100));
  assert.deepEqual(
    selection.oldestFirst().map((item) => item.name),
    ['a', 'b'],
  );
  assert.equal(selection.bytes, 200);
});

test('many candidates: memory holds only the chosen ones', () => {
  const selection = new LruSelection<Candidate>(1000);
  for (let index = 20_000; index > 0; index -= 1) selection.add(candidate(`o${index}`, index, 10));
  const chosen = selection.oldestFirst();
  assert.equal(chosen.length, 100);
  assert.equal(chosen[0]?.name, 'o1');
  assert.equal(chosen[99]?.name, 'o100');
});
