// Finds an object's replica: home mountpath first, then the others; on each, the natural path
// first, then the hashed one. Opens it and reads its metadata through the descriptor. A mountpath
// whose disk fails is passed over (and reported) in favour of a copy on another one.
import type { BucketJson } from '../wire/index.js';
import { hasErrnoCode, objectUnreadable } from '../errors/index.js';
import { isDiskFault, openFlags, type BigIntStats, type DiskFile } from './io/index.js';
import { replicaPaths, type ReplicaPath, type StoredContentType } from './layout/index.js';
import { readFileMetadata, type ObjectMetadata } from './meta/index.js';
import type { Mountpath } from './mountpath/index.js';
import { describeObject, mountpathsFor, unameOf, type StoreContext } from './store-context.js';

/** An open replica; the caller must close `handle`. */
export interface OpenReplica {
  readonly handle: DiskFile;
  readonly stats: BigIntStats;
  readonly metadata: ObjectMetadata;
  readonly mountpath: Mountpath;
  readonly location: ReplicaPath;
}

/**
 * Opens the replica of `name`, or returns undefined when there is none. Takes no lock: callers
 * hold the object's read lock (or its write lock) around this call. A disk fault on a mountpath
 * sends the search on to the next one; when no other holds a replica the object is unreadable
 * (ObjectCorrupted, so that a protected object is restored), never "not found".
 */
export async function findReplica(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  type: StoredContentType = 'ob',
  skipMountpath?: string,
): Promise<OpenReplica | undefined> {
  let fault: unknown;
  for (const mountpath of mountpathsFor(context, unameOf(bucket, name))) {
    if (mountpath.path === skipMountpath) continue;
    try {
      for (const location of replicaPaths(mountpath.path, bucket, name, type)) {
        const replica = await openReplica(context, location, mountpath, bucket, name);
        if (replica !== undefined) return replica;
      }
    } catch (error) {
      if (!isDiskFault(error)) throw error;
      context.faults.report(error, mountpath.path);
      fault ??= error;
    }
  }
  if (fault === undefined) return undefined;
  throw objectUnreadable(describeObject(bucket, name), { cause: fault });
}

/** Opens the file at `location` as a replica of `name`; undefined when there is no such file. */
export async function openReplica(
  context: StoreContext,
  location: ReplicaPath,
  mountpath: Mountpath,
  bucket: BucketJson,
  name: string,
): Promise<OpenReplica | undefined> {
  const { disk } = context;
  let handle: DiskFile;
  try {
    handle = await disk.open(location.path, openFlags.replica);
  } catch (error) {
    if (hasErrnoCode(error, 'ENOENT', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG')) return undefined;
    throw error;
  }
  try {
    const stats = await handle.stat({ bigint: true });
    // `a` may be the directory that holds `a/b`: then `a` itself is stored hashed, if at all.
    if (!stats.isFile()) {
      await handle.close();
      return undefined;
    }
    const metadata = await readFileMetadata(disk, handle, describeObject(bucket, name));
    // A hashed file's name is in its metadata; a mismatch would take a SHA-256 collision.
    if (location.hashed && metadata.name !== name) {
      await handle.close();
      return undefined;
    }
    return { handle, stats, metadata, mountpath, location };
  } catch (error) {
    await handle.close();
    throw error;
  }
}
