// Unit tests for the bucket marker: a bucket's directories keep the content of its current
// incarnation (and of the names it was renamed from), adopt unmarked content, and lose the content
// of a destroyed bucket of the same name, but never content another bucket claims.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  bodyOf,
  makeTemporaryDirectory,
  openTestStore,
  removeTemporaryDirectory,
  testBucket,
} from '../store-fixtures.js';
import type { LocalStore } from '../local-store.js';
import type { SettleOutcome } from './bucket-incarnation.js';

let root = '';
before(async () => {
  root = await makeTemporaryDirectory();
});
after(async () => {
  await removeTemporaryDirectory(root);
});

async function put(store: LocalStore, name: string): Promise<void> {
  await store.putObject({
    bucket: testBucket,
    name,
    body: bodyOf(`bytes of ${name}`),
    checksumType: 'xxhash',
    versioning: false,
  });
}

async function present(store: LocalStore, name: string): Promise<boolean> {
  try {
    await store.headObject(testBucket, name);
    return true;
  } catch {
    return false;
  }
}

function settle(
  store: LocalStore,
  bid: string,
  formerBids: string[],
  claimed: string[] = [],
): Promise<SettleOutcome> {
  return store.settleBucket(testBucket, { bid, formerBids, claimedBids: new Set(claimed) });
}

test('unmarked content is adopted, the same ID keeps it, another ID removes it', async () => {
  const store = await openTestStore(join(root, 'cycle'), 2);
  try {
    await put(store, 'written-before-markers');
    assert.deepEqual(await settle(store, '7', []), { removed: 0, claimed: 0 });
    assert.equal(await present(store, 'written-before-markers'), true);
    const marker = await readFile(
      join(root, 'cycle', 'mp0', '@ais', 'bucket', '.cairn.bucket.json'),
      'utf8',
    );
    assert.deepEqual(JSON.parse(marker), { formatVersion: 1, bid: '7' });

    assert.deepEqual(await settle(store, '7', []), { removed: 0, claimed: 0 });
    assert.equal(await present(store, 'written-before-markers'), true);

    // Renamed here from a bucket with ID 7: the content is the new bucket's.
    assert.deepEqual(await settle(store, '9', ['7']), { removed: 0, claimed: 0 });
    assert.equal(await present(store, 'written-before-markers'), true);

    // Destroyed and created again (ID 12): the content of ID 9 goes, on both mountpaths.
    assert.deepEqual(await settle(store, '12', []), { removed: 2, claimed: 0 });
    assert.equal(await present(store, 'written-before-markers'), false);
    await put(store, 'new');
    assert.deepEqual(await settle(store, '12', []), { removed: 0, claimed: 0 });
    assert.equal(await present(store, 'new'), true);

    // Marked with an ID another bucket claims (a rename not carried out here): left as it is.
    assert.deepEqual(await settle(store, '14', [], ['12']), { removed: 0, claimed: 2 });
    assert.equal(await present(store, 'new'), true);
  } finally {
    await store.close();
  }
});
