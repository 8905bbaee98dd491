// Bucket IDs: a bucket created again after a destroy gets an ID no earlier bucket had (targets
// that missed the destroy tell the incarnations apart by it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BucketMetadata } from './bucket-metadata.js';
import { defaultBucketProps } from './bucket-props.js';

test('a bucket destroyed and created again gets a new bucket ID', () => {
  const bucket = { name: 'b', provider: 'ais' };
  const empty = BucketMetadata.empty('uuid');
  const firstId = empty.nextBucketId();
  const created = empty.withBucket(bucket, defaultBucketProps('ais', 'xxhash', firstId));
  const destroyed = created.withoutBucket(bucket);
  const secondId = destroyed.nextBucketId();
  assert.ok(secondId > firstId, `${secondId} > ${firstId}`);
  // An ID above the version (a bucket of an older cluster) is still exceeded.
  const other = { name: 'o', provider: 'ais' };
  const high = destroyed.withBucket(other, defaultBucketProps('ais', 'xxhash', 100n));
  assert.equal(high.nextBucketId(), 101n);
});
