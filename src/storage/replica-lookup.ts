// Finds an object's replica: home mountpath first, then the others; on each, the natural path
// first, then the hashed one. Either opens it and reads its metadata through the descriptor
// (`openReplica`: the caller streams from it), or reads it in one thread-pool job with its record
// and, when it fits a buffer, its bytes (`readReplica`). Both take a record from the metadata cache
// when the file they opened is still the one it was read from. A mountpath whose disk fails is
// passed over (and reported) in favour of a copy on another one.
import type { BucketJson } from '../wire/index.js';
import { hasErrnoCode, objectUnreadable } from '../errors/index.js';
import {
  isDiskFault,
  openFlags,
  type BigIntStats,
  type DiskFile,
  type FileStats,
  type SmallFile,
} from './io/index.js';
import { replicaPaths, type ReplicaPath, type StoredContentType } from './layout/index.js';
import {
  decodeObjectMetadata,
  metadataAttributeName,
  metadataFromAttribute,
  readFileRecord,
  type CachedRecord,
  type ObjectMetadata,
} from './meta/index.js';
import type { Mountpath } from './mountpath/index.js';
import { describeObject, mountpathsFor, unameOf, type StoreContext } from './store-context.js';

/** The stat fields a replica's readers use (Node's BigIntStats, or the one-job read's). */
export type ReplicaStats = Pick<BigIntStats, 'dev' | 'ino' | 'size' | 'atimeNs' | 'mtimeNs'>;

/** A replica found, with its record. */
export interface ReplicaFile {
  readonly stats: ReplicaStats;
  readonly metadata: ObjectMetadata;
  readonly mountpath: Mountpath;
  readonly location: ReplicaPath;
}

/** An open replica; the caller must close `handle`. */
export interface OpenReplica extends ReplicaFile {
  readonly handle: DiskFile;
  readonly stats: BigIntStats;
}

/** A replica read in one job (the descriptor is closed already). */
export interface ReadReplica extends ReplicaFile {
  readonly stats: FileStats;
  /** Its bytes (a view of the buffer given): undefined when none was or the file is longer. */
  readonly content: Buffer | undefined;
  /** Reading the bytes failed (the record was read). */
  readonly readError: Error | undefined;
}

/** Looks at one candidate location of a replica; undefined when no replica is there. */
export type ReplicaProbe<T> = (
  location: ReplicaPath,
  mountpath: Mountpath,
) => Promise<T | undefined>;

/** Missing files: no replica at that path (another mountpath or path may hold one). */
const absent = ['ENOENT', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG'] as const;

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
  return await searchReplicas(context, bucket, name, type, skipMountpath, (location, mountpath) =>
    openReplica(context, location, mountpath, bucket, name),
  );
}

/** Every path `findRecord` looks at, in its search order: natural and hashed on each mountpath. */
function recordCandidates(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
): Array<{ location: ReplicaPath; mountpath: Mountpath }> {
  const candidates: Array<{ location: ReplicaPath; mountpath: Mountpath }> = [];
  for (const mountpath of mountpathsFor(context, unameOf(bucket, name))) {
    for (const location of replicaPaths(mountpath.path, bucket, name, 'ob')) {
      candidates.push({ location, mountpath });
    }
  }
  return candidates;
}

/**
 * The paths where `findRecord` would find `name`'s record, unless the metadata cache holds one for
 * the first of them (a replica read or written lately: the name is likely not new). A write that
 * checks under the object's write lock that none of them exists has learnt what `findRecord` would
 * have answered (nothing), in its own job.
 */
export function newNameCandidates(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
): string[] | undefined {
  const paths = recordCandidates(context, bucket, name).map(({ location }) => location.path);
  const [first] = paths;
  return first === undefined || context.metadataCache.peek(first) !== undefined ? undefined : paths;
}

/**
 * The record of `name`'s replica and where it is, without keeping the file open, as `findReplica`
 * would find it (same lock, fault and corruption rules). Every candidate path (natural and hashed
 * on each mountpath, in search order) goes to one thread-pool job that reads the first one that
 * exists: a new name's lookup is one job, where a search path by path takes one per candidate
 * (and makes an error for each). A candidate that exists but is no replica of the name, or a
 * failure, hands over to that search, which sorts them out as it always does.
 */
export async function findRecord(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
): Promise<ReadReplica | undefined> {
  const candidates = recordCandidates(context, bucket, name);
  const { metadataCache } = context;
  const epoch = metadataCache.epoch;
  const cached = metadataCache.peek(candidates[0]?.location.path ?? '');
  try {
    const first = await context.disk.readFirstFile(
      candidates.map((candidate) => candidate.location.path),
      {
        attribute: metadataAttributeName,
        ...(cached === undefined ? {} : { known: cached.identity }),
      },
    );
    if (first === undefined) return undefined;
    const candidate = candidates[first.index];
    if (candidate !== undefined) {
      const { location, mountpath } = candidate;
      const known = first.index === 0 ? cached : undefined;
      const replica = replicaOf(
        context,
        first.file,
        location,
        mountpath,
        bucket,
        name,
        epoch,
        known,
      );
      if (replica !== undefined) return replica;
    }
  } catch {
    // Retried below, where a fault counts against its mountpath only.
  }
  return await searchReplicas(context, bucket, name, 'ob', undefined, (location, mountpath) =>
    readReplica(context, location, mountpath, bucket, name, undefined),
  );
}

/** `findReplica`'s search, with `probe` looking at each location. */
export async function searchReplicas<T>(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  type: StoredContentType,
  skipMountpath: string | undefined,
  probe: ReplicaProbe<T>,
): Promise<T | undefined> {
  let fault: unknown;
  for (const mountpath of mountpathsFor(context, unameOf(bucket, name))) {
    if (mountpath.path === skipMountpath) continue;
    try {
      for (const location of replicaPaths(mountpath.path, bucket, name, type)) {
        const replica = await probe(location, mountpath);
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
  const { disk, metadataCache } = context;
  const epoch = metadataCache.epoch;
  let handle: DiskFile;
  try {
    handle = await disk.open(location.path, openFlags.replica);
  } catch (error) {
    if (hasErrnoCode(error, ...absent)) return undefined;
    throw error;
  }
  try {
    const stats = await handle.stat({ bigint: true });
    // `a` may be the directory that holds `a/b`: then `a` itself is stored hashed, if at all.
    if (!stats.isFile()) {
      await handle.close();
      return undefined;
    }
    let metadata = metadataCache.lookup(location.path, stats);
    if (metadata === undefined) {
      const what = describeObject(bucket, name);
      const record = await readFileRecord(disk, handle, what);
      const decoded = decodeObjectMetadata(record, what);
      metadata = metadataCache.remember(location.path, stats, decoded, record.length, epoch);
    }
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

/**
 * Reads the file at `location` as a replica of `name` in one job: its record, and its bytes when
 * `buffer` is given and the file is no longer (with `offset`: the buffer's length of them from
 * there, whatever the file's size). Undefined when there is no such file. A failed record read
 * throws (a disk fault, or ObjectCorrupted); a failed bytes read is in the result.
 */
export async function readReplica(
  context: StoreContext,
  location: ReplicaPath,
  mountpath: Mountpath,
  bucket: BucketJson,
  name: string,
  buffer: Buffer | undefined,
  offset?: number,
): Promise<ReadReplica | undefined> {
  const { metadataCache } = context;
  const epoch = metadataCache.epoch;
  const cached = metadataCache.peek(location.path);
  let file: SmallFile;
  try {
    file = await context.disk.readSmallFile(location.path, {
      attribute: metadataAttributeName,
      ...(buffer === undefined ? {} : { buffer }),
      ...(offset === undefined ? {} : { offset }),
      ...(cached === undefined ? {} : { known: cached.identity }),
    });
  } catch (error) {
    if (hasErrnoCode(error, ...absent)) return undefined;
    throw error;
  }
  return replicaOf(context, file, location, mountpath, bucket, name, epoch, cached);
}

/** The replica a one-job read found at `location`; undefined when it is none of `name`'s. */
function replicaOf(
  context: StoreContext,
  file: SmallFile,
  location: ReplicaPath,
  mountpath: Mountpath,
  bucket: BucketJson,
  name: string,
  epoch: number,
  cached: CachedRecord | undefined,
): ReadReplica | undefined {
  const { metadataCache } = context;
  const { stats, attribute } = file;
  if (!stats.isFile()) return undefined;
  let metadata: ObjectMetadata;
  if (file.attributeSkipped && cached !== undefined) {
    metadataCache.touch(location.path, cached);
    metadata = cached.metadata;
  } else {
    const what = describeObject(bucket, name);
    const decoded = metadataFromAttribute(attribute, file.attributeError, what);
    const bytes = attribute?.length ?? 0;
    metadata = metadataCache.remember(location.path, stats, decoded, bytes, epoch);
  }
  if (location.hashed && metadata.name !== name) return undefined;
  const { content, readError } = file;
  return { stats, metadata, mountpath, location, content, readError };
}
