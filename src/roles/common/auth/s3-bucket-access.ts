// A bucket's S3 access control as both roles read it from bucket metadata (the default, owned by
// the cluster and private, for buckets that have none), and which canonical IDs (and emails) name
// users.
import { defaultBucketAccess, storedBucketAccess } from '../../../api/s3/access/index.js';
import type { S3AccessPropsJson } from '../../../wire/index.js';
import { lookupBucket } from '../bucket-lookup.js';
import type { NodeRuntime } from '../node-runtime.js';
import { s3Bucket } from '../s3-forwarding.js';

/** Throws NoSuchBucket when the bucket does not exist. */
export function bucketAccessOf(runtime: NodeRuntime, bucket: string): S3AccessPropsJson {
  return storedBucketAccess(lookupBucket(runtime, s3Bucket(bucket)).props.s3_access);
}

/** Undefined when the bucket does not exist. */
export function existingBucketAccess(
  runtime: NodeRuntime,
  bucket: string,
): S3AccessPropsJson | undefined {
  const entry = runtime.store.bucketMetadata?.get(s3Bucket(bucket));
  return entry === undefined ? undefined : storedBucketAccess(entry.props.s3_access);
}

/** With AuthN on, the owners of S3 keys (and the cluster); without it, any ID. */
export function isKnownS3User(runtime: NodeRuntime, id: string): boolean {
  if (id === '') return false;
  if (!runtime.auth.enabled) return true;
  return id === defaultBucketAccess().owner.id || runtime.auth.hasS3User(id);
}

/** The user whose email this is, with AuthN on (the AuthN service's users may have one). */
export function s3UserIdByEmail(runtime: NodeRuntime, email: string): string | undefined {
  return runtime.auth.enabled ? runtime.auth.s3UserByEmail(email) : undefined;
}
