// missedRenames: which buckets a target that was away during a move-bck renames instead of
// destroying (by the renamed bucket ID, not only its name).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BucketMetadata, defaultBucketProps } from '../../../cluster/index.js';
import { missedRenames } from './bucket-renames.js';

const from = { name: 'from', provider: 'ais' };
const to = { name: 'to', provider: 'ais' };
const props = (bid: bigint) => defaultBucketProps('ais', 'xxhash', bid);

/** After `from` (bucket ID 1) was renamed to `to` and its entry removed. */
const renamed = BucketMetadata.empty('u').withBucket(to, {
  ...props(2n),
  renamed_from: [{ bucket: from, bid: '1' }],
});

test('a rename the target missed entirely: from its old name to the new one', () => {
  const previous = BucketMetadata.empty('u').withBucket(from, props(1n));
  assert.deepEqual(missedRenames({ previous, current: renamed }), [{ from, to }]);
});

test('a later bucket of the old name that was destroyed is not renamed', () => {
  const previous = BucketMetadata.empty('u').withBucket(from, props(3n));
  assert.deepEqual(missedRenames({ previous, current: renamed }), []);
});

test('nothing missed when the old name is still there or was never known', () => {
  const previous = BucketMetadata.empty('u').withBucket(from, props(1n));
  const marked = renamed.withBucket(from, { ...props(1n), renamed: 'move-bck', renamed_to: to });
  assert.deepEqual(missedRenames({ previous, current: marked }), []);
  assert.deepEqual(missedRenames({ previous: undefined, current: renamed }), []);
  assert.deepEqual(missedRenames({ previous: BucketMetadata.empty('u'), current: renamed }), []);
});

test('the old name created again while the target was away: renamed all the same', () => {
  const previous = BucketMetadata.empty('u').withBucket(from, props(1n));
  const recreated = renamed.withBucket(from, props(3n));
  assert.deepEqual(missedRenames({ previous, current: recreated }), [{ from, to }]);
});

test('renamed back to its old name: its directories are already where they belong', () => {
  const previous = BucketMetadata.empty('u').withBucket(from, props(1n));
  const back = BucketMetadata.empty('u').withBucket(from, {
    ...props(3n),
    renamed_from: [
      { bucket: from, bid: '1' },
      { bucket: to, bid: '2' },
    ],
  });
  assert.deepEqual(missedRenames({ previous, current: back }), []);
});
