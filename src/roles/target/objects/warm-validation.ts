// A warm GET that checks the remote first (AIStore's `latest-ver` query, bucket props
// `versioning.validate_warm_get` and `versioning.synchronize`): the backend is asked for the
// object's attributes; a changed object (another version, ETag, or size and time) is fetched
// again before it is read, and one the backend no longer has is a 404, whose cached copy
// `synchronize` also evicts.
import { RemoteMetadataKey, type Backend, type RemoteObject } from '../../../backends/index.js';
import { isStoreError } from '../../../errors/index.js';
import type { StoredObject } from '../../../storage/index.js';
import type { ResolvedBucket } from './object-types.js';

/** What a validated warm GET found. */
export type WarmCheck = 'absent' | 'unchanged' | 'changed' | 'removed';

/** Whether a warm GET of this bucket checks the remote (`latest-ver` asked, or the bucket says so). */
export function validatesWarmGet(bucket: ResolvedBucket, latestVersion: boolean): boolean {
  const { versioning } = bucket.props;
  return latestVersion || versioning.validate_warm_get || versioning.synchronize;
}

/** Whether eviction follows a remote delete (`versioning.synchronize`). */
export function synchronizes(bucket: ResolvedBucket): boolean {
  return bucket.props.versioning.synchronize;
}

/**
 * Compares the cached object (undefined: not cached) with what the backend has now. A backend 404
 * is `removed`; every other backend failure is thrown (the read fails rather than serving what
 * may be stale: the client asked for the latest).
 */
export async function checkRemote(
  cached: StoredObject | undefined,
  backend: Backend,
  name: string,
): Promise<WarmCheck> {
  if (cached === undefined) return 'absent';
  let remote: RemoteObject;
  try {
    remote = await backend.head(name);
  } catch (error) {
    if (isStoreError(error) && error.code === 'ObjectNotFound') return 'removed';
    throw error;
  }
  return remoteChanged(cached, remote) ? 'changed' : 'unchanged';
}

/**
 * True when the remote object is not the one cached: by version when both have one, else by ETag,
 * else by size and last-modified time (a remote that gives neither).
 */
export function remoteChanged(cached: StoredObject, remote: RemoteObject): boolean {
  const metadata = cached.customMetadata;
  const version = metadata[RemoteMetadataKey.version];
  if (remote.version !== undefined && version !== undefined) return remote.version !== version;
  const etag = metadata[RemoteMetadataKey.etag];
  if (remote.etag !== undefined && etag !== undefined) return remote.etag !== etag;
  if (remote.size !== cached.size) return true;
  const lastModified = metadata[RemoteMetadataKey.lastModified];
  if (remote.lastModifiedMs === undefined || lastModified === undefined) return false;
  return new Date(remote.lastModifiedMs).toUTCString() !== lastModified;
}
