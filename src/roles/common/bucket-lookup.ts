// Finds a bucket in the node's bucket metadata, with the checks every request needs.
import { validateBucketName, type BucketEntry, type BucketMetadata } from '../../cluster/index.js';
import {
  StoreError,
  bucketNotFound,
  bucketRenamed,
  isStoreError,
  notImplemented,
} from '../../errors/index.js';
import type { RequestContext } from '../../api/common/index.js';
import { isRemoteBucket } from '../../backends/index.js';
import type { BucketPort } from '../../api/native/index.js';
import {
  Query,
  bucketDisplayName,
  type ActionMessage,
  type BucketJson,
  type BucketPropsJson,
  type ListObjectsRequestJson,
  type ListPageJson,
} from '../../wire/index.js';
import type { NodeRuntime } from './node-runtime.js';

/** Validates the name and returns the bucket's entry (remote buckets must have been added). */
export function lookupBucket(runtime: NodeRuntime, bucket: BucketJson): BucketEntry {
  const bmd = runtime.store.bucketMetadata;
  return checkedBucketEntry(bucket, bmd, bmd?.get(bucket));
}

/**
 * Every bucket of `items` exists (else the first missing one's error): looked up once per run of
 * items in the same bucket (a GetBatch names a thousand items, usually all in the request's
 * bucket: a name check, key and map lookup each, before the batch's first byte).
 */
export function lookupBuckets(
  runtime: NodeRuntime,
  items: readonly { readonly bucket: BucketJson }[],
): void {
  let checked: BucketJson | undefined;
  for (const { bucket } of items) {
    if (checked !== undefined && sameBucket(bucket, checked)) continue;
    lookupBucket(runtime, bucket);
    checked = bucket;
  }
}

/** The same bucket (a namespace compared as the same object, or both without one). */
export function sameBucket(a: BucketJson, b: BucketJson): boolean {
  return a === b || (a.name === b.name && a.provider === b.provider && a.namespace === b.namespace);
}

/**
 * `lookupBucket` for a caller that looked the bucket up in the node's bucket metadata (`bmd`)
 * itself and found `entry`: the entry, or the same errors.
 */
export function checkedBucketEntry(
  bucket: BucketJson,
  bmd: BucketMetadata | undefined,
  entry: BucketEntry | undefined,
): BucketEntry {
  validateBucketName(bucket.name);
  if (bmd === undefined)
    throw new StoreError('ClusterNotReady', 'bucket metadata not received yet');
  if (entry !== undefined && entry.props.renamed_to !== undefined)
    throw bucketRenamed(bucket, entry.props.renamed_to);
  if (entry !== undefined) return entry;
  // Gateways add a remote bucket on first access; here it was not added (or the request said not to).
  if (isRemoteBucket(bucket))
    throw notImplemented(
      `using remote bucket ${bucketDisplayName(bucket)} without adding it to the cluster's buckets (it is added on first access unless ${Query.dontAddRemoteBucket} or DontAddRemote; or create it with create-bck)`,
    );
  throw bucketNotFound(bucket);
}

/**
 * The bucket's BucketNotFound when it is gone now: a write that failed because the bucket was
 * destroyed while it ran (its directories went first, the write failed on a missing work file or
 * directory) answers the bucket's 404, not a 500.
 */
export function bucketGoneError(runtime: NodeRuntime, bucket: BucketJson): StoreError | undefined {
  try {
    lookupBucket(runtime, bucket);
    return undefined;
  } catch (error) {
    return isStoreError(error) && error.code === 'BucketNotFound' ? error : undefined;
  }
}

/** What both roles answer the same way from bucket metadata; each adds control and listing. */
export abstract class KnownBuckets implements BucketPort {
  constructor(protected readonly runtime: NodeRuntime) {}

  listBuckets(provider: string | undefined): BucketJson[] {
    return (this.runtime.store.bucketMetadata?.list(provider) ?? [])
      .filter((entry) => entry.props.renamed_to === undefined)
      .map((entry) => entry.bucket);
  }

  props(bucket: BucketJson, _context?: RequestContext): Promise<BucketPropsJson> {
    return Promise.resolve(lookupBucket(this.runtime, bucket).props);
  }

  abstract control(
    bucket: BucketJson,
    message: ActionMessage,
    context: RequestContext,
  ): Promise<string | undefined>;
  abstract listObjects(bucket: BucketJson, request: ListObjectsRequestJson): Promise<ListPageJson>;
}
