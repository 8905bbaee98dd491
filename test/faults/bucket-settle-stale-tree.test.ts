// A bucket destroyed and created again while this target was away: settling its directories moves
// the old incarnation's tree out of the way and marks them anew. The old tree may be large (a
// whole bucket); its recursive delete must not hold the settle, which a target's join (and so its
// object requests), its metasync answers and every later bucket-metadata change wait for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  putData,
  makeTemporaryDirectory,
  openTestStore,
  removeTemporaryDirectory,
  testBucket,
} from '../../src/storage/store-fixtures.js';
import { FaultyDisk } from '../harness/faulty-disk.js';

test('settling a destroyed incarnation does not wait for its old tree to be deleted', async () => {
  const root = await makeTemporaryDirectory();
  const disk = new FaultyDisk();
  const store = await openTestStore(root, 1, {}, 'target-1', { disk });
  try {
    await putData(store, testBucket, 'old', 'bytes of the destroyed incarnation');
    const none = new Set<string>();
    await store.settleBucket(testBucket, { bid: '1', formerBids: [], claimedBids: none });
    // A large old tree: its recursive delete takes a while (here every rm takes 8 s).
    const slow = disk.inject({ operations: ['rm'], fault: { delayMs: 8_000 } });
    const started = Date.now();
    const outcome = await store.settleBucket(testBucket, {
      bid: '2',
      formerBids: [],
      claimedBids: none,
    });
    const tookMs = Date.now() - started;
    slow.remove();
    assert.deepEqual(outcome, { removed: 1, claimed: 0 });
    assert.ok(tookMs < 4_000, `settle took ${tookMs} ms: it waited for the old tree's delete`);
  } finally {
    await store.close();
    await removeTemporaryDirectory(root);
  }
});
