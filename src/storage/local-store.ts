// LocalStore: the target's object store over its mountpaths — the one entry point the target
// role uses for object data (PUT, GET, HEAD, DELETE, custom metadata, listing, bucket removal),
// and for moving objects (rebalance hand-off, resilver after mountpath changes at run time).
import { StoreError } from '../errors/index.js';
import { invariant } from '../util/assert.js';
import { BufferPool } from '../util/buffer-pool.js';
import { systemClock, type Clock } from '../util/clock.js';
import { reservedMetadataOf, type BucketJson } from '../wire/index.js';
import { DirectorySyncs, localDisk, WatchedDisk, type Disk } from './io/index.js';
import { validateObjectName, type StoredContentType } from './layout/index.js';
import { NameLocks } from './lock/index.js';
import {
  defaultContentCacheLimits,
  MetadataCache,
  type ContentCacheStats,
  type MetadataCacheStats,
} from './meta/index.js';
import { ColdObjects } from './meta/cold-objects.js';
import { AppendFiles } from './append-files.js';
import { StoreUploads } from './multipart/store-uploads.js';
import {
  checkMountpath,
  DiskFaults,
  mountpathCapacities,
  mountpathPresent,
  type BucketIncarnation,
  type DiskFaultListener,
  type SettleOutcome,
  type Mountpath,
  type MountpathCapacity,
  moveBucketTrees,
  removeBucketTrees,
  settleBucketTrees,
} from './mountpath/index.js';
import { listObjects, listReplicas } from './list-objects.js';
import { repairCopies, type CopiesReport, type CopiesRequest } from './mirror-copies.js';
import { putObject } from './put/put-object.js';
import {
  prepareTailAppend,
  type NotInPlace,
  type PreparedTailAppend,
  type TailAppendRequest,
} from './in-place/tail-append.js';
import { getObject, headObject } from './read/read-object.js';
import { cachedConfirmation, getCachedObject } from './memory-reads.js';
import {
  updateFileMetadata,
  updateObjectMetadata,
  withObjectLock,
} from './versions/metadata-update.js';
import { readVersionFiles } from './versions/version-files.js';
import { findCurrent } from './versions/version-history.js';
import { listVersions, type ListedVersion } from './versions/list-versions.js';
import {
  keptVersions,
  removeHistoryIfUnchanged,
  type HistoryIdentity,
} from './versions/version-removal.js';
import { addDeleteMarker, deleteVersion, type DeleteOutcome } from './versions/versioned-delete.js';
import {
  mountpathsFor,
  smallReadBytes,
  toStoredObject,
  unameOf,
  type StoreAccess,
  type StoreContext,
} from './store-context.js';
import { relocateMisplaced, type RelocateOptions } from './relocate.js';
import { removeEveryReplica, removeIfUnchanged, type ReplicaIdentity } from './remove-replicas.js';
import { Volume, type MountpathChange } from './volume.js';
import {
  defaultMetadataCacheBytes,
  type KeptHistory,
  type ByteRange,
  type DeleteGuard,
  type WritePrecondition,
  type ObjectLockState,
  type ListedName,
  type ListedReplica,
  type ObjectName,
  type ListObjectsOptions,
  type ObjectReadResult,
  type PutObjectRequest,
  type RangeResolver,
  type ReadOptions,
  type StorageOptions,
  type StoredObject,
} from './store-types.js';

/** Read buffers kept for reuse: enough for this many GETs in flight (two buffers each). */
const readBuffersKept = 256;

/** What `LocalStore.open` needs: the node's ID, its mountpaths and storage settings. */
export interface LocalStoreOptions {
  nodeId: string;
  mountpaths: string[];
  storage: StorageOptions;
  /**
   * Where run-time mountpath changes are recorded (`<node dir>/mountpaths.json`); without it
   * changes last until the process ends.
   */
  volumeRecordPath?: string;
  /** The file system (default: the real one; tests wrap it to inject faults). */
  disk?: Disk;
  /** Where the store takes the time (default: the system clock). */
  clock?: Clock;
}

/**
 * The objects of one target. Every write is a transaction (work file, checksum, metadata, atomic
 * rename); every read is verified against the stored checksum. Create with `LocalStore.open`.
 */
export class LocalStore {
  readonly nodeId: string;
  /** The store's clock (the target's object path takes its time from it too). */
  readonly clock: Clock;
  /** Appends in progress (AIStore's APPEND), each in its own work file. */
  readonly appends: AppendFiles;
  /** Multipart uploads and chunk sets. */
  readonly uploads: StoreUploads;
  /** Access times and the eviction of cold cached objects (LRU). */
  readonly cold: ColdObjects;
  readonly #context: StoreContext;
  readonly #volume: Volume;
  readonly #settings: { options: Readonly<StorageOptions> };
  #closed = false;

  private constructor(
    context: StoreContext,
    volume: Volume,
    settings: { options: Readonly<StorageOptions> },
  ) {
    this.nodeId = context.nodeId;
    this.clock = context.clock;
    this.#context = context;
    this.#volume = volume;
    this.#settings = settings;
    this.appends = new AppendFiles(() => this.#open());
    const access: StoreAccess = {
      open: () => this.#open(),
      watch: (operation) => this.#watch(operation),
    };
    this.uploads = new StoreUploads(access);
    this.cold = new ColdObjects(access, context.clock, (bucket, name) =>
      this.headObject(bucket, name),
    );
  }

  /**
   * Prepares the mountpaths (creates missing directories, claims them for `nodeId` or refuses
   * those owned by another node, empties leftover work files and trash) and opens the store.
   */
  static async open(options: LocalStoreOptions): Promise<LocalStore> {
    const { nodeId, storage } = options;
    invariant(nodeId !== '', 'node ID must not be empty');
    invariant(storage.verifyInMemoryMaxBytes >= 0, 'verifyInMemoryMaxBytes must be >= 0');
    invariant(storage.readChunkBytes > 0, 'readChunkBytes must be > 0');
    const metadataCache = new MetadataCache(
      storage.metadataCacheBytes ?? defaultMetadataCacheBytes,
      { ...defaultContentCacheLimits, ...storage.contentCache },
    );
    // Every change the store makes to a file drops that path's cached record.
    const disk = new WatchedDisk(options.disk ?? localDisk, (path) =>
      metadataCache.invalidate(path),
    );
    const volume = await Volume.open(disk, nodeId, options.mountpaths, options.volumeRecordPath);
    const settings = { options: Object.freeze({ ...storage }) };
    const context: StoreContext = {
      nodeId,
      // Read at every use: mountpath changes apply to operations that start afterwards.
      get mountpaths() {
        return volume.mountpaths;
      },
      // Read at every use too: `setFsyncObjects` applies to operations that start afterwards.
      get options() {
        return settings.options;
      },
      locks: new NameLocks(),
      buffers: new BufferPool(storage.readChunkBytes, readBuffersKept),
      smallBuffers: new BufferPool(smallReadBytes, readBuffersKept),
      metadataCache,
      disk,
      clock: options.clock ?? systemClock,
      syncs: new DirectorySyncs(disk),
      faults: new DiskFaults(() => volume.mountpaths),
    };
    return new LocalStore(context, volume, settings);
  }

  /** fsync of objects on or off for operations from now on (`storage.fsync_objects` changed). */
  setFsyncObjects(fsyncObjects: boolean): void {
    const { options } = this.#settings;
    if (options.fsyncObjects === fsyncObjects) return;
    this.#settings.options = Object.freeze({ ...options, fsyncObjects });
  }

  /** `storage.content_cache_check_ms` changed; the other storage options are fixed at opening. */
  setContentCheckMs(checkIntervalMs: number): void {
    this.#context.metadataCache.content.setCheckIntervalMs(checkIntervalMs);
  }

  /** The mountpaths in configured order (then attached ones), with their states. */
  mountpaths(): readonly Mountpath[] {
    return this.#context.mountpaths;
  }

  /** Enabled mountpaths whose folder (and ownership marker) is still there. */
  async usableMountpaths(): Promise<number> {
    const enabled = this.#context.mountpaths.filter((mountpath) => mountpath.enabled);
    const disk = this.#context.disk;
    const present = await Promise.all(
      enabled.map((mountpath) => mountpathPresent(disk, mountpath.path)),
    );
    return present.filter(Boolean).length;
  }

  /**
   * Attaches, enables, detaches or disables a mountpath; resolves true when objects may have to
   * move (run `relocateMisplaced`, then `completeMountpathChanges`).
   */
  changeMountpath(path: string, change: MountpathChange): Promise<boolean> {
    this.#open();
    return this.#volume.change(path, change);
  }

  /** Finishes detaches and disables whose mountpaths were drained; returns their paths. */
  completeMountpathChanges(): Promise<string[]> {
    return this.#volume.completeLeaving();
  }

  /** A mountpath change still owes a resilver (also after a restart). */
  get resilverPending(): boolean {
    return this.#volume.resilverPending;
  }

  /** One resilver pass: moves objects of `buckets` off mountpaths that are not their home. */
  relocateMisplaced(buckets: readonly BucketJson[], options: RelocateOptions): Promise<number> {
    return relocateMisplaced(() => this.#open(), buckets, options);
  }

  /**
   * Deletes the object if it is still the version `expected` (a rebalance sent it to its new
   * owner); false when it changed or vanished meanwhile.
   */
  removeIfUnchanged(bucket: BucketJson, name: string, expected: ReplicaIdentity): Promise<boolean> {
    return removeIfUnchanged(this.#open(), bucket, name, expected);
  }

  /** The kept versions and delete markers of `name`, oldest first (the current one not among them). */
  keptVersions(bucket: BucketJson, name: string): Promise<StoredObject[]> {
    return keptVersions(this.#open(), bucket, name);
  }

  /**
   * Deletes every version of `name` if its history is still `expected` (a rebalance sent all of it
   * to the new owner); false when anything changed meanwhile.
   */
  removeHistoryIfUnchanged(
    bucket: BucketJson,
    name: string,
    expected: HistoryIdentity,
  ): Promise<boolean> {
    return removeHistoryIfUnchanged(this.#open(), bucket, name, expected);
  }

  /** Stores an object; see `PutObjectRequest` for length, checksum and versioning rules. */
  async putObject(request: PutObjectRequest): Promise<StoredObject> {
    return await this.#watch((context) => putObject(context, request));
  }

  /**
   * Readies an append in place over the object's zero tail (in-place/tail-append.ts): the object
   * as it is now, to `commit` the new bytes to, or why it cannot take one.
   */
  async prepareTailAppend(request: TailAppendRequest): Promise<PreparedTailAppend | NotInPlace> {
    return await this.#watch((context) => prepareTailAppend(context, request));
  }

  /**
   * The object's metadata (of the latest version, or of `options.versionId`), without reading its
   * data; `objectNotFound` (or `NoSuchVersion`) when absent.
   */
  async headObject(bucket: BucketJson, name: string, options?: ReadOptions): Promise<StoredObject> {
    return await this.#watch((context) => headObject(context, bucket, name, options));
  }

  /** The object's metadata and verified body (or a byte range of it); see `headObject`. */
  getObject(
    bucket: BucketJson,
    name: string,
    range?: ByteRange | RangeResolver,
    options?: ReadOptions,
  ): Promise<ObjectReadResult> {
    // The watched read's own promise (an async step around it would be one more per read).
    return this.#watch((context) => getObject(context, bucket, name, range, options));
  }

  /** The latest object (or `range` of it) at once from the content cache, else undefined. */
  getCachedObject(
    bucket: BucketJson,
    name: string,
    range?: ByteRange | RangeResolver,
  ): ObjectReadResult | undefined {
    return getCachedObject(this.#open(), bucket, name, range);
  }

  /**
   * The stat confirming bytes kept but not confirmed within the content cache's interval (those of
   * `range` alone: an `archpath` file's), after which `getCachedObject` answers if the file is
   * unchanged; undefined when there is none to wait for.
   */
  cachedConfirmation(
    bucket: BucketJson,
    name: string,
    range?: ByteRange,
  ): Promise<void> | undefined {
    return cachedConfirmation(this.#open(), bucket, name, range);
  }

  /**
   * Deletes the object. With `versionId`, that version (object or delete marker) goes for good;
   * without one, a bucket that keeps history gets a delete marker as the latest version, and any
   * other bucket loses every replica of the object. With `contentType`, the file in that tree
   * (EC slices, metafiles) goes instead. `objectNotFound` when there was nothing.
   */
  async deleteObject(
    bucket: BucketJson,
    name: string,
    options: {
      contentType?: StoredContentType;
      history?: KeptHistory | undefined;
      versionId?: string | undefined;
      /** With `versionId`: checks the version under the write lock before it goes. */
      guard?: DeleteGuard | undefined;
      /**
       * Without `versionId`: checks the current object (undefined when there is none) under the
       * write lock before it goes or a delete marker hides it; throwing cancels the delete.
       */
      precondition?: WritePrecondition | undefined;
    } = {},
  ): Promise<DeleteOutcome> {
    return await this.#watch(async (context) => {
      if (options.versionId !== undefined) {
        return await deleteVersion(context, bucket, name, options.versionId, options.guard);
      }
      if (options.history !== undefined) {
        return await addDeleteMarker(context, bucket, name, options.history, options.precondition);
      }
      await removeEveryReplica(
        context,
        bucket,
        name,
        options.contentType ?? 'ob',
        options.precondition,
      );
      return { deleteMarker: false };
    });
  }

  /**
   * The latest version of the name: the current object, or, in a bucket that keeps history, the
   * newest kept version (a delete marker, usually) when there is no current object.
   */
  async latestVersion(bucket: BucketJson, name: string): Promise<StoredObject | undefined> {
    const context = this.#open();
    validateObjectName(name);
    return context.locks.withReadLock(unameOf(bucket, name), async () => {
      const current = await findCurrent(context, bucket, name);
      const latest = current ?? (await readVersionFiles(context, bucket, name))[0];
      if (latest === undefined) return undefined;
      return toStoredObject(bucket, name, latest.metadata, latest.stats, latest.mountpath);
    });
  }

  /** Versions of the names after `startAfter`, newest first; under `limit` names only at the end. */
  listVersions(
    bucket: BucketJson,
    options: { prefix: string; startAfter: string; limit: number },
  ): Promise<ListedVersion[]> {
    return listVersions(this.#open(), bucket, options);
  }

  /** The object's home mountpath: where its main replica belongs (HRW over enabled mountpaths). */
  homeMountpath(bucket: BucketJson, name: string): string {
    const [home] = mountpathsFor(this.#open(), unameOf(bucket, name));
    invariant(home !== undefined, 'the store has at least one enabled mountpath');
    return home.path;
  }

  /**
   * Makes the object's mirror copies right (home replica plus `copies - 1` on other mountpaths,
   * all intact, recorded in every replica's metadata); see `CopiesRequest`.
   */
  async repairCopies(request: CopiesRequest): Promise<CopiesReport> {
    return await this.#watch((context) => repairCopies(context, request));
  }

  /**
   * Merges `metadata` into the custom metadata of the object (or of one of its versions), or
   * replaces it all when `replace`.
   */
  setCustomMetadata(
    bucket: BucketJson,
    name: string,
    metadata: Record<string, string>,
    replace: boolean,
    versionId?: string,
  ): Promise<StoredObject> {
    return this.#watch((context) =>
      updateObjectMetadata(
        context,
        bucket,
        name,
        (record) => ({
          ...record,
          // A replace is of the user's metadata: Cairn's own entries stay (reserved-metadata.ts).
          customMetadata: replace
            ? { ...reservedMetadataOf(record.customMetadata), ...metadata }
            : { ...record.customMetadata, ...metadata },
        }),
        versionId,
      ),
    );
  }

  /**
   * Replaces the custom metadata of the file of `name` in the `type` tree (an EC piece, whose
   * record carries its EC metadata), in place: the bytes and their checksum stay.
   */
  setFileCustomMetadata(
    bucket: BucketJson,
    name: string,
    type: Exclude<StoredContentType, 'ob'>,
    metadata: Record<string, string>,
  ): Promise<StoredObject> {
    return this.#watch((context) =>
      updateFileMetadata(context, bucket, name, type, (record) => ({
        ...record,
        customMetadata: { ...metadata },
      })),
    );
  }

  /** Replaces the S3 tag set (empty: no tags) of the object, or of one of its versions. */
  setTags(
    bucket: BucketJson,
    name: string,
    tags: Record<string, string>,
    versionId?: string,
  ): Promise<StoredObject> {
    return this.#watch((context) =>
      updateObjectMetadata(
        context,
        bucket,
        name,
        (record) => ({ ...record, tags: { ...tags } }),
        versionId,
      ),
    );
  }

  /**
   * Changes the S3 object lock (retention, legal hold) of the object or one of its versions:
   * `change` gets the current lock under the write lock and returns the new one (or throws).
   */
  setObjectLock(
    bucket: BucketJson,
    name: string,
    versionId: string | undefined,
    change: (current: ObjectLockState) => ObjectLockState,
  ): Promise<StoredObject> {
    return this.#watch((context) =>
      updateObjectMetadata(context, bucket, name, withObjectLock(change), versionId),
    );
  }

  /** One listing page; with `withMetadata` false, names and sizes only (no metadata reads). */
  listObjects(
    bucket: BucketJson,
    options: ListObjectsOptions & { withMetadata: true },
  ): Promise<StoredObject[]>;
  listObjects(
    bucket: BucketJson,
    options: ListObjectsOptions & { withMetadata: false; namesOnly: true },
  ): Promise<ObjectName[]>;
  listObjects(
    bucket: BucketJson,
    options: ListObjectsOptions & { withMetadata: false; namesOnly?: false },
  ): Promise<ListedName[]>;
  listObjects(
    bucket: BucketJson,
    options: ListObjectsOptions,
  ): Promise<StoredObject[] | ListedName[] | ObjectName[]>;
  async listObjects(
    bucket: BucketJson,
    options: ListObjectsOptions,
  ): Promise<StoredObject[] | ListedName[] | ObjectName[]> {
    return await this.#watch((context) => listObjects(context, bucket, options));
  }

  /** One page of replicas with only what LRU weighs (cheaper than `listObjects` with metadata). */
  async listReplicas(
    bucket: BucketJson,
    options: { startAfter?: string; limit: number },
  ): Promise<ListedReplica[]> {
    return await this.#watch((context) => listReplicas(context, bucket, options));
  }

  /** Removes the bucket's tree on every mountpath (into the trash at once; see bucket-trees.ts). */
  destroyBucket(bucket: BucketJson): Promise<void> {
    return removeBucketTrees(this.#open(), bucket);
  }

  /** Removes a destroyed incarnation's content of the bucket, and marks its directories (see bucket-incarnation.ts). */
  settleBucket(bucket: BucketJson, incarnation: BucketIncarnation): Promise<SettleOutcome> {
    return settleBucketTrees(this.#open(), bucket, incarnation);
  }

  /**
   * move-bck on this target: the bucket's tree on every mountpath becomes `to`'s. Objects keep
   * their files; those whose owner or home mountpath changes with the name are moved later
   * (rebalance, resilver). Resolves with the number of mountpaths that held the bucket.
   */
  renameBucket(from: BucketJson, to: BucketJson): Promise<number> {
    return moveBucketTrees(this.#open(), from, to);
  }

  /** The object metadata cache's size and hit counts (`/metrics`). */
  metadataCacheStats(): MetadataCacheStats {
    return this.#context.metadataCache.stats();
  }

  /** The content cache's size and hit counts (`/metrics`). */
  contentCacheStats(): ContentCacheStats {
    return this.#context.metadataCache.content.stats();
  }

  /** File-system capacity of every mountpath (zeros for one whose disk fails). */
  async capacity(): Promise<MountpathCapacity[]> {
    const { disk, mountpaths, faults } = this.#open();
    return await mountpathCapacities(
      disk,
      mountpaths.map(({ path }) => path),
      faults,
    );
  }

  /**
   * Calls `listener` with each disk fault (EIO and the like) an operation meets, and the mountpath
   * it happened on when known.
   */
  onDiskFault(listener: DiskFaultListener): void {
    this.#context.faults.listen(listener);
  }

  /** Checks a mountpath's disk (read, write, fsync); resolves with the fault found, if any. */
  checkMountpath(path: string): Promise<unknown> {
    const { disk, clock } = this.#open();
    return checkMountpath(disk, path, clock.nowMs());
  }

  /**
   * Disables a mountpath whose disk fails, without draining it (see `Volume.fail`); true when it
   * was disabled (then run a resilver), false when it was not enabled or is the last one.
   */
  failMountpath(path: string): Promise<boolean> {
    this.#open();
    return this.#volume.fail(path);
  }

  /** Runs an operation; a disk fault it fails with is reported before it is rethrown. */
  async #watch<T>(operation: (context: StoreContext) => Promise<T>): Promise<T> {
    const context = this.#open();
    try {
      return await operation(context);
    } catch (error) {
      context.faults.report(error);
      throw error;
    }
  }

  /** Writes the access times still in memory, then refuses further operations. */
  async close(): Promise<void> {
    await this.cold.close();
    this.#closed = true;
  }

  #open(): StoreContext {
    if (this.#closed) throw new StoreError('Internal', `local store of ${this.nodeId} is closed`);
    return this.#context;
  }
}
