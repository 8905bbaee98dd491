// Removing an object's replicas: all of them (DELETE), all of them only if still the version a
// rebalance sent away, the one copy a resilver moved off a mountpath, or a batch of cold cached
// objects (LRU eviction) while each is still unread and unchanged.
import { dirname } from 'node:path';
import { hasErrnoCode, isStoreError, objectNotFound } from '../errors/index.js';
import type { BucketJson } from '../wire/index.js';
import { removeEmptyParents, type UnlinkResult } from './io/index.js';
import {
  contentDirectory,
  objectRoot,
  replicaPaths,
  validateObjectName,
  type ReplicaPath,
  type StoredContentType,
} from './layout/index.js';
import { readObjectMetadata } from './meta/index.js';
import { removeObjectFile } from './object-placement.js';
import type { WritePrecondition } from './store-types.js';
import { currentObject } from './versions/version-history.js';
import { removeChunkSet } from './multipart/chunk-sets.js';
import { findReplica } from './replica-lookup.js';
import {
  homeMountpath,
  lockKeyOf,
  mountpathsFor,
  unameOf,
  type StoreContext,
} from './store-context.js';

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
 * Removes every replica of the object in the `type` tree (its chunk set too), under its write lock
 * and after `precondition` accepts the current object; objectNotFound when there was none.
 */
export async function removeEveryReplica(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  type: StoredContentType,
  precondition?: WritePrecondition,
): Promise<void> {
  validateObjectName(name);
  const uname = unameOf(bucket, name);
  const removed = await context.locks.withWriteLock(lockKeyOf(bucket, name, type), async () => {
    if (precondition !== undefined) precondition(await currentObject(context, bucket, name));
    let count = 0;
    for (const mountpath of mountpathsFor(context, uname)) {
      for (const location of replicaPaths(mountpath.path, bucket, name, type)) {
        // Chunk sets belong to objects: EC slices and metafiles never have one.
        const chunks =
          type === 'ob'
            ? await readObjectMetadata(context.disk, location.path, location.path).then(
                (metadata) => metadata.chunks,
                () => undefined,
              )
            : undefined;
        try {
          await removeObjectFile(context, location, contentDirectory(mountpath.path, bucket, type));
          if (chunks !== undefined) await removeChunkSet(context, bucket, chunks);
        } catch (error) {
          // Absent, below a file, or a directory (`a` while `a/b` exists): nothing here.
          if (hasErrnoCode(error, 'ENOENT', 'ENOTDIR', 'EISDIR', 'EPERM')) continue;
          throw error;
        }
        count += 1;
      }
    }
    return count;
  });
  if (removed === 0) throw objectNotFound(context.nodeId, bucket, name);
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

/** A cached object LRU chose, as its listing saw it. */
export interface ColdReplica {
  readonly name: string;
  /** The mountpath the listing found its replica on. */
  readonly mountpath: string;
  /** Its file's modification time then: a file rewritten since is another object, kept. */
  readonly modifiedTimeMs: number;
  /** Its mirror copies' paths then (the record's `copies`). */
  readonly copies: readonly string[];
  /** A chunked object then: such an object is evicted by the general path. */
  readonly chunked: boolean;
}

/**
 * What became of a cold replica: evicted; kept (in use now, read or rewritten since it was
 * listed); or not where the listing saw it (moved, stored hashed after a name collision, gone):
 * the caller evicts that one by the general path, which looks everywhere.
 */
export type ColdOutcome = 'evicted' | 'kept' | 'elsewhere';

/**
 * Evicts a batch of one bucket's cold replicas in a few thread-pool jobs (the object's replica
 * and its mirror copies), where the general eviction costs several per object: each goes only
 * if its write lock is free now and its file was not read after `accessedBeforeNs` nor
 * rewritten, checked and unlinked in one step per file. Chunked objects, and objects away from
 * their home mountpath, are left to the general path ('elsewhere'). A disk fault fails the batch
 * after what was removed is tidied.
 */
export async function evictColdReplicas(
  context: StoreContext,
  bucket: BucketJson,
  replicas: readonly ColdReplica[],
  accessedBeforeNs: bigint,
): Promise<ColdOutcome[]> {
  const keys = replicas.map(({ name }) => lockKeyOf(bucket, name, 'ob'));
  return await context.locks.withFreeWriteLocks(keys, async (taken) => {
    const outcomes: ColdOutcome[] = replicas.map(() => 'kept');
    const chosen = replicas.flatMap((replica, index) => {
      if (!taken[index]) return [];
      // Away from its home (a resilver has yet to move it), another replica may be left over.
      if (
        replica.chunked ||
        homeMountpath(context, unameOf(bucket, replica.name)).path !== replica.mountpath
      ) {
        outcomes[index] = 'elsewhere';
        return [];
      }
      const [location] = replicaPaths(replica.mountpath, bucket, replica.name);
      return location === undefined ? [] : [{ index, replica, location }];
    });
    const results = await context.disk.unlinkFiles(
      chosen.map(({ location }) => location.path),
      chosen.map(({ replica }) => ({ accessedBeforeNs, modifiedMs: replica.modifiedTimeMs })),
    );
    const removed: string[] = [];
    const copies: string[] = [];
    let fault: NodeJS.ErrnoException | undefined;
    for (const [position, { index, replica, location }] of chosen.entries()) {
      const result = results[position] as UnlinkResult;
      if (result === 'removed') {
        outcomes[index] = 'evicted';
        removed.push(location.path);
        copies.push(...replica.copies);
      } else if (result === 'not-regular' || (typeof result !== 'string' && isAbsent(result))) {
        outcomes[index] = 'elsewhere';
      } else if (typeof result !== 'string') {
        fault ??= result;
      }
    }
    for (const [index, result] of (await context.disk.unlinkFiles(copies)).entries()) {
      if (result === 'removed') removed.push(copies[index] as string);
      else if (typeof result !== 'string' && !isAbsent(result)) fault ??= result;
    }
    await tidyParents(context, bucket, removed);
    if (fault !== undefined) throw fault;
    return outcomes;
  });
}

/** Absent at that path, below a file, or a directory (`a` while `a/b` exists). */
function isAbsent(error: NodeJS.ErrnoException): boolean {
  return hasErrnoCode(error, 'ENOENT', 'ENOTDIR', 'EISDIR', 'EPERM');
}

/**
 * The directories that lost entries: synced when objects are fsynced, and pruned while empty so
 * that a later `a` next to a gone `a/x` is not forced into hashed form; one job per level (deepest
 * first within it), not one rmdir per directory. The object roots themselves stay.
 */
async function tidyParents(
  context: StoreContext,
  bucket: BucketJson,
  paths: readonly string[],
): Promise<void> {
  let level = new Map<string, string>();
  for (const path of paths) {
    const mountpath = context.mountpaths.find((each) => path.startsWith(`${each.path}/`));
    if (mountpath !== undefined) level.set(dirname(path), objectRoot(mountpath.path, bucket));
  }
  if (context.options.fsyncObjects)
    for (const parent of level.keys()) await context.syncs.sync(parent);
  for (;;) {
    const below = [...level].filter(([directory, root]) => directory.startsWith(`${root}/`));
    if (below.length === 0) return;
    below.sort(([a], [b]) => b.length - a.length);
    const results = await context.disk.removeDirectories(below.map(([directory]) => directory));
    level = new Map();
    for (const [index, error] of results.entries()) {
      const [directory, root] = below[index] as [string, string];
      if (error === undefined) level.set(dirname(directory), root);
      else if (!hasErrnoCode(error, 'ENOTEMPTY', 'EEXIST', 'ENOENT', 'ENOTDIR', 'EBUSY'))
        throw error;
    }
  }
}
