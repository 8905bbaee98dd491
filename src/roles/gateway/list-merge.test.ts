// Unit tests for merging per-target listings into pages and remembering them between pages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ListCursors,
  mergeStreams,
  missingEntries,
  newStream,
  receive,
  type ListCursor,
  type TargetStream,
} from './list-merge.js';

const entries = (names: string[]): { name: string }[] => names.map((name) => ({ name }));

function streamOf(names: string[], done: boolean): TargetStream {
  const stream = newStream('t', 'http://t', '');
  receive(stream, entries(names), done ? names.length + 1 : names.length);
  return stream;
}

test('merges sorted, dedupes, truncates, and says more may follow', () => {
  const merged = mergeStreams([streamOf(['a', 'd'], true), streamOf(['b', 'c', 'e'], false)], 3);
  assert.deepEqual(
    merged.entries.map((entry) => entry.name),
    ['a', 'b', 'c'],
  );
  assert.equal(merged.more, true);
});

test('a last partial page has nothing more', () => {
  const merged = mergeStreams([streamOf(['x'], true), streamOf(['y'], true)], 5);
  assert.deepEqual(
    merged.entries.map((entry) => entry.name),
    ['x', 'y'],
  );
  assert.equal(merged.more, false);
});

test('an exactly full final page with every target done ends the listing', () => {
  const merged = mergeStreams([streamOf(['x'], true), streamOf(['y'], true)], 2);
  assert.equal(merged.more, false);
});

test('a name on two targets is listed once, from the first target', () => {
  const first = newStream('t1', 'http://t1', '');
  receive(first, [{ name: 'a', size: '1' }, { name: 'b' }], 5);
  const second = newStream('t2', 'http://t2', '');
  receive(second, [{ name: 'a', size: '2' }, { name: 'c' }], 5);
  const merged = mergeStreams([first, second], 10);
  assert.deepEqual(merged.entries, [{ name: 'a', size: '1' }, { name: 'b' }, { name: 'c' }]);
});

test('nothing beyond the last name of a target that may have more is taken', () => {
  // t2 sent up to 'b' and is not done: it may still hold 'c', so 'd' must wait.
  const merged = mergeStreams([streamOf(['a', 'd'], true), streamOf(['b'], false)], 10);
  assert.deepEqual(
    merged.entries.map((entry) => entry.name),
    ['a', 'b'],
  );
  assert.equal(merged.more, true);
});

test('a stream asks only for what it lacks of a page, after the last name it received', () => {
  const stream = newStream('t', 'http://t', '');
  assert.equal(missingEntries(stream, 4), 4);
  receive(stream, entries(['a', 'b', 'c', 'd']), 4);
  stream.position = 3;
  assert.equal(missingEntries(stream, 4), 3);
  assert.equal(stream.after, 'd');
  receive(stream, entries(['e']), 3);
  assert.deepEqual(
    stream.entries.map((entry) => entry.name),
    ['d', 'e'],
  );
  assert.equal(stream.done, true);
  assert.equal(missingEntries(stream, 4), 0);
});

/** Pages through targets holding `held` as the gateway does; returns every page's names. */
function pageThrough(held: string[][], pageSize: number): { pages: string[][]; asked: number } {
  const streams = held.map((_, index) => newStream(`t${index}`, '', ''));
  const pages: string[][] = [];
  let asked = 0;
  for (let guard = 0; guard < 10_000; guard += 1) {
    streams.forEach((stream, index) => {
      const wanted = missingEntries(stream, pageSize);
      if (wanted === 0) return;
      const answer = (held[index] ?? []).filter((name) => name > stream.after).slice(0, wanted);
      asked += answer.length;
      receive(stream, entries(answer), wanted);
    });
    const { entries: page, more } = mergeStreams(streams, pageSize);
    pages.push(page.map((entry) => entry.name));
    if (!more) return { pages, asked };
    assert.equal(page.length, pageSize, 'only the last page may be short');
  }
  throw new Error('the listing did not end');
}

test('paging through several targets lists every name once, in order, each sent once', () => {
  let seed = 7;
  const random = (): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let round = 0; round < 40; round += 1) {
    const targets = 1 + Math.floor(random() * 4);
    const held: string[][] = Array.from({ length: targets }, () => []);
    const all = new Set<string>();
    for (let index = 0; index < 200; index += 1) {
      const name = `n${Math.floor(random() * 300)
        .toString()
        .padStart(3, '0')}`;
      all.add(name);
      // Mostly one owner; sometimes a second copy elsewhere (a rebalance in progress).
      const owner = Math.floor(random() * targets);
      held[owner]?.push(name);
      if (random() < 0.1) held[(owner + 1) % targets]?.push(name);
    }
    const sorted = held.map((names) => [...new Set(names)].sort());
    const pageSize = 1 + Math.floor(random() * 40);
    const { pages, asked } = pageThrough(sorted, pageSize);
    assert.deepEqual(pages.flat(), [...all].sort(), `round ${round}`);
    assert.equal(
      asked,
      sorted.reduce((sum, names) => sum + names.length, 0),
      'every target entry is sent to the gateway once',
    );
  }
});

test('a cursor continues only the same listing from the token it gave out', () => {
  const cursors = new ListCursors();
  const cursor = (token: string): ListCursor => ({
    key: 'k',
    targets: 't1,t2',
    streams: [],
    token,
    touchedAt: Date.now(),
  });
  assert.equal(cursors.keep('u1', cursor('m')), true);
  assert.equal(cursors.take('u1', 'k', 'other', 't1,t2'), undefined);
  // Taken (and dropped) by the mismatch: a concurrent or repeated page never shares it.
  assert.equal(cursors.take('u1', 'k', 'm', 't1,t2'), undefined);
  cursors.keep('u1', cursor('m'));
  assert.equal(cursors.take('u1', 'k', 'm', 't1,t3'), undefined, 'the targets changed');
  cursors.keep('u1', cursor('m'));
  assert.equal(cursors.take('u1', 'other key', 'm', 't1,t2'), undefined);
  const kept = cursor('m');
  cursors.keep('u1', kept);
  assert.equal(cursors.take('u1', 'k', 'm', 't1,t2'), kept);
  assert.equal(cursors.take('u1', 'k', 'm', 't1,t2'), undefined, 'taken once');
  assert.equal(cursors.keep('', cursor('m')), false, 'a listing without a UUID is not kept');
});

test('an answer out of order, or not after the name asked from, is refused', () => {
  const stream = newStream('t', 'http://t', 'm');
  assert.throws(() => receive(stream, entries(['n', 'p', 'o']), 5), /not ascending/);
  assert.throws(() => receive(stream, entries(['m']), 5), /not ascending/);
  receive(stream, entries(['n']), 5);
  assert.equal(stream.after, 'n');
});
