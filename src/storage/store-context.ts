// What every store operation needs: node identity, mountpaths, options and name locks; plus the
// helpers that turn a name into its mountpath order and a metadata record into a StoredObject.
import { PlacementTable } from '../placement/index.js';
import { invariant } from '../util/assert.js';
import type { BufferPool } from '../util/buffer-pool.js';
import type { Clock } from '../util/clock.js';
import { bucketDisplayName, objectUname, type BucketJson } from '../wire/index.js';
import type { BigIntStats, Disk } from './io/disk.js';
import type { DirectorySyncs } from './io/directories.js';
import type { StoredContentType } from './layout/index.js';
import type { NameLocks } from './lock/index.js';
import type { MetadataCache, ObjectMetadata } from './meta/index.js';
import { isReadable, type DiskFaults, type Mountpath } from './mountpath/index.js';
import type { StorageOptions, StoredObject } from './store-types.js';

export interface StoreContext {
  readonly nodeId: string;
  readonly mountpaths: readonly Mountpath[];
  readonly options: StorageOptions;
  readonly locks: NameLocks;
  /** Read buffers of `readChunkBytes`, shared by every GET. */
  readonly buffers: BufferPool;
  /** Smaller read buffers (`smallReadBytes`), for objects read whole in one job. */
  readonly smallBuffers: BufferPool;
  /** Decoded records of recently read replicas, by path (invalidated by every change of a file). */
  readonly metadataCache: MetadataCache;
  /** Every file-system call of the store goes through it (tests give a faulty one). */
  readonly disk: Disk;
  readonly clock: Clock;
  /** Directory fsyncs, shared by concurrent callers (use it rather than `disk.syncDirectory`). */
  readonly syncs: DirectorySyncs;
  /** Disk faults met on the way are reported here (the target checks the mountpath). */
  readonly faults: DiskFaults;
}

/**
 * Size of the buffers a GET of an object of unknown size reads into first: small objects are read
 * whole in one job; a longer one is read again into a buffer of its size (then its size is known).
 */
export const smallReadBytes = 64 * 1024;

/**
 * Where to look for an object: its HRW home among the enabled mountpaths first, then every other
 * readable one (enabled, or being drained by a detach or disable) in configured order.
 */
export function mountpathsFor(context: StoreContext, uname: string): readonly Mountpath[] {
  const placement = placementOf(context.mountpaths);
  const home = placement.table.owner(uname);
  invariant(home !== undefined, 'the store has no enabled mountpath');
  let order = placement.orderFrom.get(home);
  if (order === undefined) {
    order = Object.freeze([home, ...placement.readable.filter((mountpath) => mountpath !== home)]);
    if (placement.frozen) placement.orderFrom.set(home, order);
  }
  return order;
}

/** The object's HRW mountpath: where it is written and where a resilver moves it. */
export function homeMountpath(context: StoreContext, uname: string): Mountpath {
  const home = placementOf(context.mountpaths).table.owner(uname);
  invariant(home !== undefined, 'the store has no enabled mountpath');
  return home;
}

/**
 * What placement derives from a mountpath list, computed once per list: the volume replaces its
 * (frozen) list of frozen records on every change, and every read, write and eviction asks for a
 * home and (reads, 10,000 a second) for the order to look in, which took two array filters and a
 * copy per object (3-5% of a peer's CPU serving an archive job's objects, docs/profiling.md).
 */
interface Placement {
  /** The enabled members' HRW table. */
  readonly table: PlacementTable<Mountpath>;
  readonly readable: readonly Mountpath[];
  /** `mountpathsFor`'s answer by home mountpath. */
  readonly orderFrom: Map<Mountpath, readonly Mountpath[]>;
  /** A list that is not frozen may change: nothing derived from it is kept. */
  readonly frozen: boolean;
}

const placements = new WeakMap<readonly Mountpath[], Placement>();

function placementOf(mountpaths: readonly Mountpath[]): Placement {
  let placement = placements.get(mountpaths);
  if (placement === undefined || !placement.frozen) {
    const frozen = Object.isFrozen(mountpaths);
    placement = {
      table: new PlacementTable(mountpaths.filter((mountpath) => mountpath.enabled)),
      readable: Object.freeze(mountpaths.filter(isReadable)),
      orderFrom: new Map(),
      frozen,
    };
    if (frozen) placements.set(mountpaths, placement);
  }
  return placement;
}

/** Mountpaths that may hold objects a read must find. */
export function readableMountpaths(context: StoreContext): readonly Mountpath[] {
  return placementOf(context.mountpaths).readable;
}

/** The object's uname (its lock key and placement input). */
export function unameOf(bucket: BucketJson, name: string): string {
  return objectUname(bucket, name);
}

/**
 * The name-lock key of an object's file in a content tree: the uname for objects (and their
 * mirror copies), so that EC slices and metafiles do not contend with the object itself.
 */
export function lockKeyOf(bucket: BucketJson, name: string, type: StoredContentType): string {
  const uname = unameOf(bucket, name);
  return type === 'ob' ? uname : `${uname}\u0000${type}`;
}

/** How errors name an object: `ais://bucket/name`. */
export function describeObject(bucket: BucketJson, name: string): string {
  return `${bucketDisplayName(bucket)}/${name}`;
}

/** Builds the public view of an object from its metadata and the file's stat. */
export function toStoredObject(
  bucket: BucketJson,
  name: string,
  metadata: ObjectMetadata,
  stats: Pick<BigIntStats, 'atimeNs' | 'mtimeNs'>,
  mountpath: Mountpath,
): StoredObject {
  const object: StoredObject = {
    bucket,
    name,
    size: metadata.size,
    checksum: shared(metadata.checksum),
    customMetadata: shared(metadata.customMetadata),
    copies: Object.isFrozen(metadata.copies) ? metadata.copies : [...metadata.copies],
    accessTimeNs: stats.atimeNs,
    modifiedTimeMs: Number(stats.mtimeNs / 1_000_000n),
    mountpath: mountpath.path,
    contentHeaders: shared(metadata.contentHeaders),
    tags: shared(metadata.tags),
    extraChecksums: shared(metadata.extraChecksums),
  };
  if (metadata.version !== undefined) object.version = metadata.version;
  if (metadata.etag !== undefined) object.etag = metadata.etag;
  if (metadata.versionId !== undefined) object.versionId = metadata.versionId;
  if (metadata.versionStamp !== undefined) object.versionStamp = metadata.versionStamp;
  if (metadata.deleteMarker === true) object.deleteMarker = true;
  if (metadata.chunks !== undefined) object.chunkSet = metadata.chunks;
  if (metadata.retention !== undefined) object.retention = { ...metadata.retention };
  if (metadata.legalHold === true) object.legalHold = true;
  return object;
}

/**
 * A record's part for a `StoredObject`: the record's own when it is frozen (a metadata cache
 * record's are: nothing can change them, and a reader that tried would throw), else a copy. A
 * GetBatch's item was six copies, none of which it reads (2-3.5% of a peer's busy time).
 */
function shared<T extends object>(part: T | undefined): T {
  if (part === undefined) return {} as T;
  return Object.isFrozen(part) ? part : { ...part };
}

/**
 * How the store hands its context to its parts (`LocalStore.uploads`, `LocalStore.cold`): `open`
 * checks the store is open, `watch` also reports a disk fault the operation fails with.
 */
export interface StoreAccess {
  open(): StoreContext;
  watch<T>(operation: (context: StoreContext) => Promise<T>): Promise<T>;
}
