// Removing an object's replicas: all of them (DELETE), all of them only if still the version a
// rebalance sent away, or the one copy a resilver moved off a mountpath.
import { dirname } from 'node:path';
import { hasErrnoCode, isStoreError } from '../errors/index.js';
import type { BucketJson } from '../wire/index.js';
import { removeEmptyParents } from './io/index.js';
import { objectRoot, replicaPaths, type ReplicaPath } from './layout/index.js';
import { removeChunkSet } from './multipart/chunk-sets.js';
import { findReplica } from './replica-lookup.js';
import { mountpathsFor, unameOf, type StoreContext } from './store-context.js';

/** Which version of an object a conditional removal expects to find. */
export interface ReplicaIdentity {
  modifiedTimeMs: number;
  checksumValue: string;
}

/** Unlinks every replica of the object; returns how many. The caller holds the write lock. */
export async function unlinkAllReplicas(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
): Promise<number> {
  let count = 0;
  for (const mountpath of mountpathsFor(context, unameOf(bucket, name))) {
    for (const location of replicaPaths(mountpath.path, bucket, name)) {
      if (await unlinkReplica(context, location, objectRoot(mountpath.path, bucket))) count += 1;
    }
  }
  return count;
}

/**
 * Removes every replica of the object if the one a read finds is still `expected` (a rebalance
 * sent that version away and the receiver committed it). Returns false, keeping the object, when
 * it changed meanwhile or is gone.
 */
export async function removeIfUnchanged(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  expected: ReplicaIdentity,
): Promise<boolean> {
  const removed = await context.locks.withWriteLock(unameOf(bucket, name), async () => {
    let replica;
    try {
      replica = await findReplica(context, bucket, name);
    } catch (error) {
      if (isStoreError(error) && error.code === 'ObjectCorrupted') return undefined;
      throw error;
    }
    if (replica === undefined) return undefined;
    await replica.handle.close();
    const modifiedTimeMs = Number(replica.stats.mtimeNs / 1_000_000n);
    if (
      modifiedTimeMs !== expected.modifiedTimeMs ||
      replica.metadata.checksum.value !== expected.checksumValue
    ) {
      return undefined;
    }
    if ((await unlinkAllReplicas(context, bucket, name)) === 0) return undefined;
    return { chunks: replica.metadata.chunks };
  });
  // A chunked object's set goes with it (the new owner holds the bytes).
  if (removed?.chunks !== undefined) await removeChunkSet(context, bucket, removed.chunks);
  return removed !== undefined;
}

/**
 * Unlinks the replica at `location` on `mountpath` if it is still the file `inode` (the copy a
 * resilver just moved to the object's home); the caller holds the object's write lock.
 */
export async function unlinkMovedReplica(
  context: StoreContext,
  location: ReplicaPath,
  inode: bigint,
  root: string,
): Promise<boolean> {
  try {
    const stats = await context.disk.stat(location.path, { bigint: true });
    if (stats.ino !== inode) return false;
  } catch (error) {
    if (hasErrnoCode(error, 'ENOENT', 'ENOTDIR')) return false;
    throw error;
  }
  return unlinkReplica(context, location, root);
}

async function unlinkReplica(
  context: StoreContext,
  location: ReplicaPath,
  root: string,
): Promise<boolean> {
  const { disk } = context;
  try {
    await disk.unlink(location.path);
  } catch (error) {
    // Absent, below a file, or a directory (`a` while `a/b` exists): nothing here.
    if (hasErrnoCode(error, 'ENOENT', 'ENOTDIR', 'EISDIR', 'EPERM')) return false;
    throw error;
  }
  const parent = dirname(location.path);
  if (context.options.fsyncObjects) await context.syncs.sync(parent);
  // Emptied directories would force a later `a` next to a gone `a/x` into hashed form.
  if (!location.hashed) await removeEmptyParents(disk, parent, root);
  return true;
}
