// Mirror copies: an object's replicas on other mountpaths of the same target. One operation makes
// the set right under the object's write lock: it checks what is there, quarantines bad replicas,
// copies an intact one to every mountpath that should hold one (the home first), drops the rest,
// and records the copy list in every replica's metadata.
import { dirname } from 'node:path';
import { hasErrnoCode, isStoreError } from '../errors/index.js';
import type { BucketJson } from '../wire/index.js';
import {
  isDiskFault,
  isMissing,
  makeDirectories,
  quarantineReplica,
  removeFileQuietly,
  renameIntoPlace,
  syncFile,
  toStorageError,
} from './io/index.js';
import {
  replicaPaths,
  validateObjectName,
  versionPaths,
  workFilePath,
  type ReplicaPath,
} from './layout/index.js';
import { writeObjectMetadata, type ObjectMetadata } from './meta/index.js';
import type { Mountpath } from './mountpath/index.js';
import { chunksIntact } from './multipart/chunk-check.js';
import { findManifest } from './multipart/chunk-sets.js';
import { dropChunkSetCopy, mirrorChunkSet } from './multipart/chunk-set-moves.js';
import { checkReplica } from './read/read-object.js';
import { openReplica, type OpenReplica } from './replica-lookup.js';
import { mountpathsFor, unameOf, type StoreContext } from './store-context.js';

export interface CopiesRequest {
  bucket: BucketJson;
  name: string;
  /** Replicas wanted in all, the home one included (1 = no mirror); capped by the mountpaths. */
  copies: number;
  /** Read and check every replica first (recovery, scrub); false trusts them (right after a PUT). */
  verify: boolean;
  /** A kept version (its files under `%vr`) instead of the current object. */
  versionId?: string | undefined;
}

/** What a repair found and did. */
export interface CopiesReport {
  /** False when no intact replica exists: nothing was changed. */
  intact: boolean;
  /** Replicas that failed their checksum or whose record is unreadable (now quarantined). */
  corrupt: number;
  /** Replicas written, the home one included when it had to be restored. */
  created: number;
  /** Replicas removed: copies beyond the wanted count, and stale ones. */
  removed: number;
  /** Paths of the copies now recorded (the home replica's path is not among them). */
  copies: string[];
}

/** A file found where the object may live; `replica` is undefined when its record is unreadable. */
interface FoundReplica {
  mountpath: Mountpath;
  location: ReplicaPath;
  replica: OpenReplica | undefined;
  intact: boolean;
}

/** Makes the object's replicas exactly: the home one plus `copies - 1` copies, all intact. */
export async function repairCopies(
  context: StoreContext,
  request: CopiesRequest,
): Promise<CopiesReport> {
  const { bucket, name } = request;
  validateObjectName(name);
  const uname = unameOf(bucket, name);
  return context.locks.withWriteLock(uname, async () => {
    const order = mountpathsFor(context, uname);
    const found = await collectReplicas(context, request, order);
    try {
      return await reconcile(context, request, order, found);
    } finally {
      for (const item of found) await item.replica?.handle.close();
    }
  });
}

async function reconcile(
  context: StoreContext,
  request: CopiesRequest,
  order: readonly Mountpath[],
  found: FoundReplica[],
): Promise<CopiesReport> {
  const report: CopiesReport = { intact: false, corrupt: 0, created: 0, removed: 0, copies: [] };
  const broken = found.filter((entry) => !entry.intact);
  for (const item of broken) {
    report.corrupt += 1;
    await quarantineFile(context, item);
  }
  const intact = found.filter((entry) => entry.intact);
  const home = order[0];
  const source = pickSource(intact, home);
  if (source?.replica === undefined || home === undefined) return report;
  report.intact = true;
  await dropBrokenChunkSets(context, request.bucket, broken, source);
  const same = intact.filter((entry) => sameContent(entry.replica, source.replica));
  const wanted = chooseMountpaths(order, same, Math.max(1, request.copies));
  const kept = new Map<Mountpath, ReplicaPath>();
  const chunks = source.replica.metadata.chunks;
  for (const mountpath of wanted) {
    // A copy of a chunked object needs the chunk set on its own mountpath too.
    if (chunks !== undefined && request.copies > 1)
      await mirrorChunkSet(context, request.bucket, chunks, mountpath);
    const existing = same.find((entry) => entry.mountpath === mountpath);
    if (existing !== undefined) {
      kept.set(mountpath, existing.location);
      continue;
    }
    kept.set(mountpath, await copyReplica(context, request, source, mountpath));
    report.created += 1;
  }
  for (const entry of intact) {
    if (kept.get(entry.mountpath)?.path === entry.location.path) continue;
    await removeFileQuietly(context.disk, entry.location.path);
    report.removed += 1;
  }
  report.copies = [...kept]
    .filter(([mountpath]) => mountpath !== home)
    .map(([, location]) => location.path);
  const metadata: ObjectMetadata = { ...source.replica.metadata, copies: report.copies };
  for (const location of kept.values()) {
    // A file stored under a hashed name needs the full name in its record.
    const record = location.hashed ? { ...metadata, name: request.name } : metadata;
    await writeObjectMetadata(context.disk, location.path, record);
  }
  return report;
}

/**
 * Every file on every mountpath (natural and hashed paths) that holds the object's bytes. A replica
 * whose record is corrupt, or that cannot be read (a disk fault), is found but not intact.
 */
async function collectReplicas(
  context: StoreContext,
  request: CopiesRequest,
  order: readonly Mountpath[],
): Promise<FoundReplica[]> {
  const { bucket, name, verify } = request;
  const found: FoundReplica[] = [];
  for (const mountpath of order) {
    for (const location of pathsOf(request, mountpath)) {
      let replica: OpenReplica | undefined;
      try {
        replica = await openReplica(context, location, mountpath, bucket, name);
      } catch (error) {
        if (isStoreError(error) && error.code === 'ObjectCorrupted') {
          found.push({ mountpath, location, replica: undefined, intact: false });
          continue;
        }
        if (!isDiskFault(error)) throw error;
        context.faults.report(error, mountpath.path);
        found.push({ mountpath, location, replica: undefined, intact: false });
        break;
      }
      if (replica === undefined) continue;
      let intact: boolean;
      try {
        intact = await replicaIntact(context, bucket, replica, verify);
      } catch (error) {
        if (!isDiskFault(error)) throw error;
        context.faults.report(error, mountpath.path);
        intact = false;
      }
      found.push({ mountpath, location, replica, intact });
    }
  }
  return found;
}

/**
 * A plain replica holds its bytes (checked when `verify`); a chunked one is an empty file naming
 * its chunk set, which must be complete (its chunks checked when `verify`). In a mirrored bucket
 * every replica's mountpath holds a copy of the set (`mirrorChunkSet`).
 */
async function replicaIntact(
  context: StoreContext,
  bucket: BucketJson,
  replica: OpenReplica,
  verify: boolean,
): Promise<boolean> {
  const { metadata, stats } = replica;
  if (metadata.chunks !== undefined) {
    if (stats.size !== 0n) return false;
    return await chunksIntact(context, bucket, metadata.chunks, replica.mountpath, verify);
  }
  const problem = verify ? await checkReplica(context, replica) : undefined;
  return problem === undefined && stats.size === BigInt(metadata.size);
}

/** Where the object's (or the kept version's) files may be on a mountpath, in lookup order. */
function pathsOf(request: CopiesRequest, mountpath: Mountpath): Iterable<ReplicaPath> {
  const { bucket, name, versionId } = request;
  if (versionId === undefined) return replicaPaths(mountpath.path, bucket, name);
  return versionPaths(mountpath.path, bucket, name, versionId);
}

/**
 * A broken replica of a chunked object may be broken by its mountpath's copy of the chunk set (a
 * corrupt or missing chunk): that copy goes, so that `mirrorChunkSet` copies the intact source's
 * set there again instead of finding the broken one in place.
 */
async function dropBrokenChunkSets(
  context: StoreContext,
  bucket: BucketJson,
  broken: FoundReplica[],
  source: FoundReplica,
): Promise<void> {
  const chunks = source.replica?.metadata.chunks;
  if (chunks === undefined) return;
  // Only when the source's set is on its own mountpath (the one its check read).
  const good = await findManifest(context, bucket, chunks, source.mountpath);
  if (good?.mountpath !== source.mountpath) return;
  for (const item of broken) {
    if (item.mountpath === source.mountpath || item.replica?.metadata.chunks !== chunks) continue;
    await dropChunkSetCopy(context, bucket, chunks, item.mountpath);
  }
}

/** The home replica when intact, else the most recently written intact one. */
function pickSource(intact: FoundReplica[], home: Mountpath | undefined): FoundReplica | undefined {
  const onHome = intact.find((entry) => entry.mountpath === home);
  if (onHome !== undefined) return onHome;
  return [...intact].sort((left, right) =>
    Number((right.replica?.stats.mtimeNs ?? 0n) - (left.replica?.stats.mtimeNs ?? 0n)),
  )[0];
}

function sameContent(left: OpenReplica | undefined, right: OpenReplica | undefined): boolean {
  if (left === undefined || right === undefined) return false;
  const a = left.metadata;
  const b = right.metadata;
  return (
    a.size === b.size &&
    a.checksum.type === b.checksum.type &&
    a.checksum.value === b.checksum.value &&
    a.version === b.version &&
    a.chunks === b.chunks &&
    a.versionId === b.versionId
  );
}

/** The home, then mountpaths that already hold an identical copy, then the others in order. */
function chooseMountpaths(
  order: readonly Mountpath[],
  same: FoundReplica[],
  count: number,
): Mountpath[] {
  const [home, ...others] = order;
  if (home === undefined) return [];
  const holding = others.filter((mountpath) => same.some((entry) => entry.mountpath === mountpath));
  const rest = others.filter((mountpath) => !holding.includes(mountpath));
  return [home, ...holding, ...rest].slice(0, count);
}

/** Copies the source's file to `mountpath` through a work file; returns the copy's path. */
async function copyReplica(
  context: StoreContext,
  request: CopiesRequest,
  source: FoundReplica,
  mountpath: Mountpath,
): Promise<ReplicaPath> {
  const { bucket, name } = request;
  const workPath = workFilePath(mountpath.path, bucket, 'copy');
  try {
    await copyIntoWorkFile(context, source.location.path, workPath);
    // A copy is the object as it was written, modification time included (a copy that becomes
    // the main replica after a loss or a resilver must not look like a newer write).
    const mtimeNs = source.replica?.stats.mtimeNs;
    if (mtimeNs !== undefined) {
      const seconds = (Number(mtimeNs / 1_000_000n) + 0.5) / 1000;
      await context.disk.utimes(workPath, context.clock.nowMs() / 1000, seconds);
    }
    const metadata = source.replica?.metadata;
    if (metadata !== undefined) {
      await writeObjectMetadata(context.disk, workPath, { ...metadata, name, copies: [] });
    }
    // The copy's bytes and record are durable before its name is: a crash cannot leave an empty
    // or recordless copy. (The copy lists written afterwards are not synced: a stale list after a
    // power loss is repaired by the next read, which counts the copies.)
    if (context.options.fsyncObjects) await syncFile(context.disk, workPath);
    for (const location of pathsOf(request, mountpath)) {
      const result = await renameIntoPlace(context.disk, workPath, location.path);
      if (result.outcome !== 'committed') continue;
      if (context.options.fsyncObjects) {
        for (const directory of result.directoriesToSync) {
          await context.syncs.sync(directory);
        }
      }
      return location;
    }
    throw new Error(`no path on ${mountpath.path} can hold a copy of ${name}`);
  } catch (error) {
    context.faults.report(error, mountpath.path);
    await removeFileQuietly(context.disk, workPath).catch(() => undefined);
    throw toStorageError(error, mountpath.path);
  }
}

async function copyIntoWorkFile(
  context: StoreContext,
  sourcePath: string,
  workPath: string,
): Promise<void> {
  const { disk } = context;
  try {
    await disk.copyFile(sourcePath, workPath);
  } catch (error) {
    if (!isMissing(error)) throw error;
    // The work directory is missing (new bucket on this mountpath, or the tree was removed).
    const created = await makeDirectories(disk, dirname(workPath));
    if (context.options.fsyncObjects) {
      for (const directory of created) await context.syncs.sync(directory);
    }
    await disk.copyFile(sourcePath, workPath);
  }
}

async function quarantineFile(context: StoreContext, item: FoundReplica): Promise<void> {
  const path = item.location.path;
  const { disk, clock } = context;
  try {
    const stats = item.replica?.stats ?? (await disk.stat(path, { bigint: true }));
    const identity = { dev: stats.dev, ino: stats.ino };
    await quarantineReplica(disk, item.mountpath.path, path, identity, clock.nowMs());
  } catch (error) {
    // Gone already; or its disk fails (it is passed over: the mountpath is being checked).
    if (!hasErrnoCode(error, 'ENOENT', 'ENOTDIR') && !isDiskFault(error)) throw error;
  }
}
