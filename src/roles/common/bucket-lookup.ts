// Finds a bucket in the node's bucket metadata, with the checks every request needs.
import { validateBucketName, type BucketEntry } from '../../cluster/index.js';
import { StoreError, bucketNotFound, notImplemented } from '../../errors/index.js';
import type { BucketJson } from '../../wire/index.js';
import type { NodeRuntime } from './node-runtime.js';

/** Validates the name, refuses remote providers (not built yet), and returns the bucket's entry. */
export function lookupBucket(runtime: NodeRuntime, bucket: BucketJson): BucketEntry {
  validateBucketName(bucket.name);
  const bmd = runtime.store.bucketMetadata;
  if (bmd === undefined)
    throw new StoreError('ClusterNotReady', 'bucket metadata not received yet');
  const entry = bmd.get(bucket);
  if (entry !== undefined) return entry;
  if (bucket.provider !== 'ais') throw notImplemented(`remote buckets (${bucket.provider}://)`);
  throw bucketNotFound(bucket);
}
