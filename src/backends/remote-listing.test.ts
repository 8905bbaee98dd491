// The remote listing merge over a fake backend and a fake cluster listing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isStoreError } from '../errors/index.js';
import {
  EntryFlag,
  ListFlag,
  type ListEntryJson,
  type ListObjectsRequestJson,
  type ListPageJson,
} from '../wire/index.js';
import type { Backend, RemoteListOptions, RemotePage } from './backend.js';
import { listRemotePage, listsCachedOnly } from './remote-listing.js';

const remoteNames = ['a', 'b', 'c', 'd', 'e'];

/** A backend whose listing pages `remoteNames` with numeric tokens. */
function fakeBackend(): Backend & { calls: RemoteListOptions[] } {
  const calls: RemoteListOptions[] = [];
  const list = (options: RemoteListOptions): Promise<RemotePage> => {
    calls.push(options);
    const skipped = remoteNames.filter((name) => name <= (options.startAfter ?? '')).length;
    const from = Number(options.continuationToken ?? String(skipped));
    const entries = remoteNames
      .slice(from, from + options.limit)
      .map((name) => ({ name, size: 10, customMetadata: {} }));
    const next = from + options.limit;
    return Promise.resolve(
      next < remoteNames.length ? { entries, continuationToken: String(next) } : { entries },
    );
  };
  const unused = (): Promise<never> => Promise.reject(new Error('not used'));
  return {
    calls,
    description: 'fake',
    headBucket: unused,
    list,
    head: unused,
    get: unused,
    put: unused,
    delete: unused,
  };
}

/**
 * The cluster holds `b` and `d` (and `c0`, which the remote no longer has), one per page; `extra`
 * adds properties to some (a size the remote does not have, custom metadata).
 */
function localListing(
  requests: ListObjectsRequestJson[],
  extra: Record<string, Partial<ListEntryJson>> = {},
) {
  const held = ['b', 'c0', 'd'];
  return (request: ListObjectsRequestJson): Promise<ListPageJson> => {
    requests.push(request);
    const after = request.continuation_token || request.start_after || '';
    const next = held.find((name) => name > after);
    const entries =
      next === undefined ? [] : [{ name: next, checksum: 'x', flags: 0, ...extra[next] }];
    const more = next !== undefined && next !== held[held.length - 1];
    return Promise.resolve({
      uuid: 'u',
      continuation_token: more ? next : '',
      entries,
      flags: 0,
    });
  };
}

async function listAll(flags: bigint): Promise<Array<[string, boolean]>> {
  const backend = fakeBackend();
  const seen: Array<[string, boolean]> = [];
  let token = '';
  for (let pages = 0; pages < 10; pages += 1) {
    const page = await listRemotePage(
      backend,
      { continuation_token: token, flags: String(flags) },
      2,
      localListing([]),
    );
    for (const entry of page.entries)
      seen.push([entry.name, ((entry.flags ?? 0) & EntryFlag.isCached) !== 0]);
    token = page.continuation_token;
    if (token === '') return seen;
  }
  throw new Error('listing did not end');
}

test('remote pages merged with the cluster: cached flags, the remote token carried', async () => {
  assert.deepEqual(await listAll(0n), [
    ['a', false],
    ['b', true],
    ['c', false],
    ['d', true],
    ['e', false],
  ]);
  assert.deepEqual(await listAll(ListFlag.notCached), [
    ['a', false],
    ['c', false],
    ['e', false],
  ]);
});

test('a cached entry keeps the cluster properties; the local listing asks for cached only', async () => {
  const requests: ListObjectsRequestJson[] = [];
  const page = await listRemotePage(fakeBackend(), { prefix: 'p' }, 2, localListing(requests));
  assert.deepEqual(page.entries[1], { name: 'b', checksum: 'x', flags: EntryFlag.isCached });
  const aws = { name: 'b', provider: 'aws' };
  assert.ok(requests.every((request) => listsCachedOnly(request, aws) && request.prefix === 'p'));
  assert.equal(listsCachedOnly({ flags: String(ListFlag.notCached) }, aws), false);
  // An HTTP origin has no listing: what the cluster holds.
  assert.equal(listsCachedOnly({}, { name: 'b', provider: 'ht' }), true);
});

test('a continuation token not made here, or bad flags: 400', async () => {
  for (const request of [{ continuation_token: 'not-a-token' }, { flags: 'x' }]) {
    await assert.rejects(
      listRemotePage(fakeBackend(), request, 2, localListing([])),
      (error: unknown) => isStoreError(error) && error.code === 'BadRequest',
    );
  }
});

test('Diff: a cached object unlike the remote is VerChanged, one the remote lost VerRemoved', async () => {
  const requests: ListObjectsRequestJson[] = [];
  const extra = {
    b: { size: '10', 'custom-md': JSON.stringify({ ETag: 'e-b' }) },
    c0: { size: '10' },
    d: { size: '11' },
  };
  const seen: Array<[string, number]> = [];
  let token = '';
  for (let pages = 0; pages < 10 && (pages === 0 || token !== ''); pages += 1) {
    const request = { continuation_token: token, flags: String(ListFlag.diff), props: 'name,size' };
    const page = await listRemotePage(fakeBackend(), request, 2, localListing(requests, extra));
    for (const entry of page.entries) {
      assert.equal(entry['custom-md'], undefined, 'compared, not asked for: left out');
      seen.push([entry.name, entry.flags ?? 0]);
    }
    token = page.continuation_token;
  }
  const { isCached, verChanged, verRemoved } = EntryFlag;
  assert.deepEqual(seen, [
    ['a', 0],
    ['b', isCached],
    ['c', 0],
    ['c0', isCached | verRemoved],
    ['d', isCached | verChanged],
    ['e', 0],
  ]);
  assert.ok(requests.every((request) => /version/.test(request.props ?? '')));
  assert.ok(requests.every((request) => /custom/.test(request.props ?? '')));
});

test('start_after: the remote is asked from there, and cached flags hold past it', async () => {
  const backend = fakeBackend();
  const requests: ListObjectsRequestJson[] = [];
  const page = await listRemotePage(backend, { start_after: 'b' }, 10, localListing(requests));
  assert.deepEqual(backend.calls[0]?.startAfter, 'b');
  assert.deepEqual(
    page.entries.map((entry) => [entry.name, ((entry.flags ?? 0) & EntryFlag.isCached) !== 0]),
    [
      ['c', false],
      ['d', true],
      ['e', false],
    ],
  );
});
