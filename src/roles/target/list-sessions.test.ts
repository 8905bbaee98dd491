// Unit tests for a target's listing sessions: what a next page reuses, and when it must walk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ListSessions, type ListWalk } from './list-sessions.js';

/** A walk over a sorted list of names that records each call as `after:limit`. */
function walker(names: string[]): { walk: ListWalk<string>; calls: string[] } {
  const calls: string[] = [];
  const walk: ListWalk<string> = (after, limit) => {
    calls.push(`${after}:${limit}`);
    const read = names.filter((name) => name > after).slice(0, limit);
    return Promise.resolve({
      entries: read,
      readTo: read.length < limit ? undefined : read[read.length - 1],
    });
  };
  return { walk, calls };
}

const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];

test('a next page reuses what the session read after its token and walks on from there', async () => {
  const sessions = new ListSessions<string>((name) => name);
  const { walk, calls } = walker(names);
  assert.deepEqual(await sessions.page('u1', 'k', '', 4, walk), ['a', 'b', 'c', 'd']);
  // The merge used only a and b: c and d come from memory, e and f from the walk after d.
  assert.deepEqual(await sessions.page('u1', 'k', 'b', 4, walk), ['c', 'd', 'e', 'f']);
  assert.deepEqual(await sessions.page('u1', 'k', 'f', 4, walk), ['g']);
  // The walk ended: nothing more is read.
  assert.deepEqual(await sessions.page('u1', 'k', 'g', 4, walk), []);
  assert.deepEqual(calls, [':4', 'd:2', 'f:4']);
});

test('a page smaller than what is remembered needs no walk', async () => {
  const sessions = new ListSessions<string>((name) => name);
  const { walk, calls } = walker(names);
  await sessions.page('u1', 'k', '', 5, walk);
  assert.deepEqual(await sessions.page('u1', 'k', 'a', 2, walk), ['b', 'c']);
  assert.deepEqual(await sessions.page('u1', 'k', 'c', 2, walk), ['d', 'e']);
  assert.equal(calls.length, 1);
});

test('a page read in several steps keeps every step for the next page', async () => {
  const sessions = new ListSessions<string>((name) => name);
  const { walk, calls } = walker(names);
  // One page of a listing that starts after '' reads a..c, then d..f (as S3's roll-up does).
  await sessions.page('u1', 'k', '', 3, walk, { keepAfter: '' });
  await sessions.page('u1', 'k', 'c', 3, walk, { keepAfter: '' });
  // The merge used a and b: the next page finds c..f in memory and walks only after f.
  assert.deepEqual(await sessions.page('u1', 'k', 'b', 5, walk, { keepAfter: 'b' }), [
    'c',
    'd',
    'e',
    'f',
    'g',
  ]);
  assert.deepEqual(calls, [':3', 'c:3', 'f:1']);
});

test('another listing, a token outside what was read, or no session ID walk afresh', async () => {
  const sessions = new ListSessions<string>((name) => name);
  const { walk, calls } = walker(names);
  await sessions.page('u1', 'k', 'b', 2, walk); // read c, d
  await sessions.page('u1', 'other', 'c', 1, walk);
  await sessions.page('u2', 'k', 'c', 1, walk);
  await sessions.page('u1', 'k', 'e', 1, walk);
  await sessions.page('', 'k', '', 3, walk);
  await sessions.page('', 'k', 'a', 1, walk);
  assert.deepEqual(calls, ['b:2', 'c:1', 'c:1', 'e:1', ':3', 'a:1']);
});

test('sessions are bounded: the oldest are forgotten first', async () => {
  const sessions = new ListSessions<string>((name) => name);
  const { walk, calls } = walker(names);
  for (let index = 0; index < 100; index += 1) await sessions.page(`u${index}`, 'k', '', 3, walk);
  calls.length = 0;
  await sessions.page('u99', 'k', 'a', 2, walk);
  await sessions.page('u0', 'k', 'a', 2, walk);
  assert.deepEqual(calls, ['a:2']);
});

test('entries made from what was read wait until the walk has read every name before them', async () => {
  // An ArchDir walk: each shard read brings its files, and `a.tar/1` sorts after `a.tar.gz`.
  const objects = ['a.tar', 'a.tar.gz', 'a.tar.lz4', 'b'];
  const files: Record<string, string[]> = { 'a.tar': ['a.tar/1'], 'a.tar.lz4': ['a.tar.lz4/1'] };
  const walk: ListWalk<string> = (after, limit) => {
    const read = objects.filter((name) => name > after).slice(0, limit);
    const entries = read.flatMap((name) => [name, ...(files[name] ?? [])]).sort();
    return Promise.resolve({
      entries,
      readTo: read.length < limit ? undefined : read[read.length - 1],
    });
  };
  const sessions = new ListSessions<string>((name) => name);
  const pages: string[][] = [];
  let token = '';
  for (let page = 0; page < 10; page += 1) {
    const entries = await sessions.page('u1', 'k', token, 2, walk);
    pages.push(entries);
    if (entries.length < 2) break;
    token = entries[entries.length - 1] ?? '';
  }
  assert.deepEqual(pages.flat(), ['a.tar', 'a.tar.gz', 'a.tar.lz4', 'a.tar.lz4/1', 'a.tar/1', 'b']);
});

test("a listing's next pages walk with its first page's directory reads; another listing has its own", async () => {
  const sessions = new ListSessions<string>((name) => name);
  const seen: unknown[] = [];
  const walk: ListWalk<string> = (after, limit, directories) => {
    seen.push(directories);
    const read = names.filter((name) => name > after).slice(0, limit);
    return Promise.resolve({ entries: read, readTo: read[read.length - 1] });
  };
  await sessions.page('u1', 'k', '', 2, walk);
  await sessions.page('u1', 'k', 'b', 2, walk);
  await sessions.page('u2', 'k', '', 2, walk);
  assert.equal(seen.length, 3);
  assert.equal(seen[1], seen[0]);
  assert.notEqual(seen[2], seen[0]);
});

test('a read-ahead walks the next page once a page is answered; the next page takes it', async () => {
  const sessions = new ListSessions<string>((name) => name);
  const { walk, calls } = walker(names);
  const options = { readAhead: true };
  assert.deepEqual(await sessions.page('u1', 'k', '', 2, walk, options), ['a', 'b']);
  // Started with the answer, before the gateway asks after `b`: a page and an eighth.
  assert.deepEqual(calls, [':2', 'b:3']);
  assert.deepEqual(await sessions.page('u1', 'k', 'b', 2, walk, options), ['c', 'd']);
  // `e` is held already: the read-ahead tops it up to a page and an eighth again.
  assert.deepEqual(calls, [':2', 'b:3', 'e:2']);
  assert.deepEqual(await sessions.page('u1', 'k', 'd', 2, walk, options), ['e', 'f']);
  assert.deepEqual(await sessions.page('u1', 'k', 'f', 2, walk, options), ['g']);
  // The read-ahead after `g` found the end: nothing is read ahead of the last page.
  assert.deepEqual(calls, [':2', 'b:3', 'e:2', 'g:2']);
});

test('a read-ahead tops up what the session holds after the page; no session ID reads no more', async () => {
  const sessions = new ListSessions<string>((name) => name);
  const { walk, calls } = walker(names);
  const options = { readAhead: true };
  await sessions.page('u1', 'k', '', 4, walk, options); // a..d, then e..g read ahead (up to 5)
  // A gateway that took only a and b: c and d are held, the read-ahead's e, f, g complete it.
  assert.deepEqual(await sessions.page('u1', 'k', 'b', 4, walk, options), ['c', 'd', 'e', 'f']);
  // The read-ahead's `g` waits in the session for the page after.
  assert.deepEqual(await sessions.page('u1', 'k', 'f', 4, walk, options), ['g']);
  assert.deepEqual(calls, [':4', 'd:5']);
  await sessions.page('', 'k', '', 2, walk, options);
  assert.deepEqual(calls, [':4', 'd:5', ':2']);
});

test('a failed read-ahead is left out: the next page walks for itself', async () => {
  const sessions = new ListSessions<string>((name) => name);
  const { walk, calls } = walker(names);
  let failures = 1;
  const flaky: ListWalk<string> = (after, limit, directories) => {
    if (after === 'b' && failures > 0) {
      failures -= 1;
      calls.push(`failed ${after}:${limit}`);
      return Promise.reject(new Error('disk fault'));
    }
    return walk(after, limit, directories);
  };
  const options = { readAhead: true };
  await sessions.page('u1', 'k', '', 2, flaky, options);
  assert.deepEqual(await sessions.page('u1', 'k', 'b', 2, flaky, options), ['c', 'd']);
  assert.deepEqual(calls, [':2', 'failed b:3', 'b:2', 'd:3']);
});

test('a read-ahead keeps the names it read: an object made there later waits for the next listing', async () => {
  const sessions = new ListSessions<string>((name) => name);
  const live = ['a', 'b', 'd', 'e'];
  const { walk } = walker(live);
  const options = { readAhead: true };
  await sessions.page('u1', 'k', '', 2, walk, options); // a, b; d, e read ahead
  live.splice(2, 0, 'c'); // made after the read-ahead passed its place
  assert.deepEqual(await sessions.page('u1', 'k', 'b', 2, walk, options), ['d', 'e']);
  // A page whose token the session does not cover (an unknown or expired listing) walks afresh.
  assert.deepEqual(await sessions.page('u9', 'k', 'b', 2, walk, options), ['c', 'd']);
});

test('an expired session is not used: its token walks afresh and its read-ahead is left unread', async (t) => {
  const sessions = new ListSessions<string>((name) => name);
  const { walk, calls } = walker(names);
  const options = { readAhead: true };
  let now = 1_000_000;
  t.mock.method(Date, 'now', () => now);
  await sessions.page('u1', 'k', '', 2, walk, options); // a, b; c, d, e read ahead
  now += 60_000;
  assert.deepEqual(await sessions.page('u1', 'k', 'b', 2, walk, options), ['c', 'd']);
  assert.deepEqual(calls, [':2', 'b:3', 'b:2', 'd:3']);
});

test('a page finds its place in what the session holds by binary search, not a pass over it', async () => {
  // A session holding 10,000 entries: each later page reads names a few dozen times, where a
  // filter and merge over every held entry read them tens of thousands of times.
  let reads = 0;
  const sessions = new ListSessions<string>((name) => {
    reads += 1;
    return name;
  });
  const many = Array.from({ length: 30_000 }, (_, index) => `n${String(index).padStart(6, '0')}`);
  const { walk } = walker(many);
  await sessions.page('u1', 'k', '', 10_000, walk);
  reads = 0;
  const page = await sessions.page('u1', 'k', 'n004999', 5_000, walk);
  assert.equal(page.length, 5_000);
  assert.equal(page[0], 'n005000');
  assert.ok(reads < 200, `${reads} names read`);
});
