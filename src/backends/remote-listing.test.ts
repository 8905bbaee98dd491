// The remote listing merge over a fake backend and a fake cluster listing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isStoreError } from '../errors/index.js';
import {
  EntryFlag,
  ListFlag,
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
    const from = Number(options.continuationToken ?? '0');
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

/** The cluster holds `b` and `d` (and `c0`, which the remote no longer has), one per page. */
function localListing(requests: ListObjectsRequestJson[]) {
  const held = ['b', 'c0', 'd'];
  return (request: ListObjectsRequestJson): Promise<ListPageJson> => {
    requests.push(request);
    const after = request.continuation_token || request.start_after || '';
    const next = held.find((name) => name > after);
    const entries = next === undefined ? [] : [{ name: next, checksum: 'x', flags: 0 }];
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
  assert.ok(requests.every((request) => listsCachedOnly(request) && request.prefix === 'p'));
  assert.equal(listsCachedOnly({ flags: String(ListFlag.notCached) }), false);
});

test('a continuation token not made here, or bad flags: 400', async () => {
  for (const request of [{ continuation_token: 'not-a-token' }, { flags: 'x' }]) {
    await assert.rejects(
      listRemotePage(fakeBackend(), request, 2, localListing([])),
      (error: unknown) => isStoreError(error) && error.code === 'BadRequest',
    );
  }
});
