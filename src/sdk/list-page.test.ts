// Unit tests for list-objects page decoding (JSON and msgpack).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encode } from '@msgpack/msgpack';
import type { ListPageJson } from '../wire/index.js';
import { Client } from './client.js';
import { decodeListPage } from './list-page.js';

test('decodes a JSON page; null entries become empty, numeric sizes become strings', () => {
  const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
  const page = decodeListPage(
    json({
      uuid: 'u1',
      continuation_token: 'b',
      entries: [
        { name: 'a', size: '10', flags: 64 },
        { name: 'b', size: 7 },
      ],
      flags: 0,
    }),
    'application/json',
  );
  assert.deepEqual(page, {
    uuid: 'u1',
    continuation_token: 'b',
    entries: [
      { name: 'a', size: '10', flags: 64 },
      { name: 'b', size: '7' },
    ],
    flags: 0,
  });
  const empty = decodeListPage(
    json({ uuid: '', continuation_token: '', entries: null }),
    'application/json',
  );
  assert.deepEqual(empty.entries, []);
});

test('decodes a msgpack page with short entry keys', () => {
  const payload = encode({
    UUID: 'u2',
    ContinuationToken: '',
    Entries: [
      { n: 'x/y', s: 123, cs: 'abc', a: 'now', v: '2', t: 't[1]:/m', m: 'k=v', c: 2, f: 64 },
    ],
    Flags: 0,
  });
  const page = decodeListPage(payload, 'application/msgpack');
  assert.deepEqual(page.entries, [
    {
      name: 'x/y',
      size: '123',
      checksum: 'abc',
      atime: 'now',
      version: '2',
      location: 't[1]:/m',
      'custom-md': 'k=v',
      copies: 2,
      flags: 64,
    },
  ]);
  assert.equal(page.uuid, 'u2');
});

test('rejects malformed pages', () => {
  assert.throws(() => decodeListPage(Buffer.from('[]'), 'application/json'), /not an object/);
  assert.throws(
    () => decodeListPage(Buffer.from('{"entries":[{"size":"1"}]}'), 'application/json'),
    /without a name/,
  );
});

/** A client whose pages come from `pages` without HTTP, each after the token of the one before. */
function clientOfPages(pages: ListPageJson[]): { client: Client; asked: unknown[] } {
  const client = new Client('http://127.0.0.1:1');
  const asked: unknown[] = [];
  client.listObjectsPage = (_bucket, request) => {
    asked.push(request);
    const page = pages[asked.length - 1];
    return page === undefined ? Promise.reject(new Error('no such page')) : Promise.resolve(page);
  };
  return { client, asked };
}

const listBucket = { name: 'b', provider: 'ais' };
const entriesOf = (from: number, count: number): ListPageJson['entries'] =>
  Array.from({ length: count }, (_, index) => ({
    name: `n${String(from + index).padStart(5, '0')}`,
  }));

test("listObjects hands out a page's entries one promise turn each (an async generator took three)", async () => {
  const { client } = clientOfPages([
    { uuid: 'u', continuation_token: 'n00999', entries: entriesOf(0, 1000), flags: 0 },
    { uuid: 'u', continuation_token: '', entries: entriesOf(1000, 1000), flags: 0 },
  ]);
  // A chain of microtasks counts the promise turns the listing takes; no I/O runs meanwhile.
  let turns = 0;
  let counting = true;
  const count = (): void => {
    turns += 1;
    if (counting) queueMicrotask(count);
  };
  queueMicrotask(count);
  let listed = 0;
  for await (const entry of client.listObjects(listBucket)) if (entry.name !== '') listed += 1;
  counting = false;
  assert.equal(listed, 2000);
  assert.ok(turns < 2 * listed, `${turns} promise turns for ${listed} entries`);
});

test('listObjects called for its next entries without waiting hands each out once, in order', async () => {
  const { client, asked } = clientOfPages([
    { uuid: 'u', continuation_token: 'n00001', entries: entriesOf(0, 2), flags: 0 },
    { uuid: 'u', continuation_token: '', entries: entriesOf(2, 2), flags: 0 },
  ]);
  const listing = client.listObjects(listBucket)[Symbol.asyncIterator]();
  const results = await Promise.all(Array.from({ length: 5 }, () => listing.next()));
  assert.deepEqual(
    results.map((result) => (result.done === true ? 'done' : result.value.name)),
    ['n00000', 'n00001', 'n00002', 'n00003', 'done'],
  );
  assert.equal(asked.length, 2);
});

test('listObjects lists a page that does not advance, then fails; stops asking when the caller stops', async () => {
  const stuck = clientOfPages([
    { uuid: 'u', continuation_token: 'b', entries: entriesOf(0, 2), flags: 0 },
    { uuid: 'u', continuation_token: '', entries: [], flags: 0 },
    { uuid: 'u', continuation_token: 'b', entries: entriesOf(2, 1), flags: 0 },
  ]);
  const names: string[] = [];
  const listing = async (): Promise<void> => {
    for await (const entry of stuck.client.listObjects(listBucket, { continuation_token: 'b' }))
      names.push(entry.name);
  };
  await assert.rejects(listing(), /does not advance past "b"/);
  assert.deepEqual(names, ['n00000', 'n00001']);
  assert.equal(stuck.asked.length, 1);

  const stopped = clientOfPages([
    { uuid: 'u', continuation_token: 'n00001', entries: entriesOf(0, 2), flags: 0 },
    { uuid: 'u', continuation_token: '', entries: entriesOf(2, 2), flags: 0 },
  ]);
  for await (const entry of stopped.client.listObjects(listBucket)) if (entry.name !== '') break;
  assert.equal(stopped.asked.length, 1);
  // Empty pages in between are skipped; the session uuid goes with every later ask.
  const gaps = clientOfPages([
    { uuid: 'u', continuation_token: 'a', entries: [], flags: 0 },
    { uuid: 'u', continuation_token: 'c', entries: entriesOf(0, 1), flags: 0 },
    { uuid: 'u', continuation_token: '', entries: [], flags: 0 },
  ]);
  const all: string[] = [];
  for await (const entry of gaps.client.listObjects(listBucket, { prefix: 'n' }))
    all.push(entry.name);
  assert.deepEqual(all, ['n00000']);
  assert.deepEqual(gaps.asked, [
    { prefix: 'n' },
    { prefix: 'n', continuation_token: 'a', uuid: 'u' },
    { prefix: 'n', continuation_token: 'c', uuid: 'u' },
  ]);
});

test('listObjects stopped while a page is on its way hands out nothing after', async () => {
  const client = new Client('http://127.0.0.1:1');
  let arrive: (page: ListPageJson) => void = () => undefined;
  client.listObjectsPage = () => new Promise((resolve) => (arrive = resolve));
  const listing = client.listObjects(listBucket)[Symbol.asyncIterator]();
  const pending = listing.next();
  await listing.return?.();
  arrive({ uuid: 'u', continuation_token: '', entries: entriesOf(0, 3), flags: 0 });
  assert.equal((await pending).done, true);
  assert.equal((await listing.next()).done, true);
});
