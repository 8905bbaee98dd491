// LocalStore: the target's object store over its mountpaths — the one entry point the target
// role uses for object data (PUT, GET, HEAD, DELETE, custom metadata, listing, bucket removal),
// and for moving objects (rebalance hand-off, resilver after mountpath changes at run time).
import { objectNotFound, StoreError } from '../errors/index.js';
import { invariant } from '../util/assert.js';
import { BufferPool } from '../util/buffer-pool.js';
import type { BucketJson } from '../wire/index.js';
import { removeTreeThroughTrash } from './io/index.js';
import { bucketDirectory, trashEntryPath, validateObjectName } from './layout/index.js';
import { NameLocks } from './lock/index.js';
import { descriptorPath, encodeObjectMetadata, writeObjectMetadata } from './meta/index.js';
import { mountpathCapacity, type Mountpath, type MountpathCapacity } from './mountpath/index.js';
import { listObjects } from './list-objects.js';
import { putObject } from './put-object.js';
import { getObject, headObject } from './read-object.js';
import { relocateMisplaced, type RelocateOptions } from './relocate.js';
import { removeIfUnchanged, unlinkAllReplicas, type ReplicaIdentity } from './remove-replicas.js';
import { findReplica } from './replica-lookup.js';
import { toStoredObject, unameOf, type StoreContext } from './store-context.js';
import { Volume, type MountpathChange } from './volume.js';
import type {
  ByteRange,
  ListedName,
  ListObjectsOptions,
  ObjectReadResult,
  PutObjectRequest,
  StorageOptions,
  StoredObject,
} from './store-types.js';

/** What `LocalStore.open` needs: the node's ID, its mountpaths and storage settings. */
/** Read buffers kept for reuse: enough for this many GETs in flight (two buffers each). */
const readBuffersKept = 256;

export interface LocalStoreOptions {
  nodeId: string;
  mountpaths: string[];
  storage: StorageOptions;
  /**
   * Where run-time mountpath changes are recorded (`<node dir>/mountpaths.json`); without it
   * changes last until the process ends.
   */
  volumeRecordPath?: string;
}

/**
 * The objects of one target. Every write is a transaction (work file, checksum, metadata, atomic
 * rename); every read is verified against the stored checksum. Create with `LocalStore.open`.
 */
export class LocalStore {
  readonly nodeId: string;
  readonly #context: StoreContext;
  readonly #volume: Volume;
  #closed = false;

  private constructor(context: StoreContext, volume: Volume) {
    this.nodeId = context.nodeId;
    this.#context = context;
    this.#volume = volume;
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
    const volume = await Volume.open(nodeId, options.mountpaths, options.volumeRecordPath);
    const context: StoreContext = {
      nodeId,
      // Read at every use: mountpath changes apply to operations that start afterwards.
      get mountpaths() {
        return volume.mountpaths;
      },
      options: Object.freeze({ ...storage }),
      locks: new NameLocks(),
      buffers: new BufferPool(storage.readChunkBytes, readBuffersKept),
    };
    return new LocalStore(context, volume);
  }

  /** The mountpaths in configured order (then attached ones), with their states. */
  mountpaths(): readonly Mountpath[] {
    return this.#context.mountpaths;
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

  /** Stores an object; see `PutObjectRequest` for length, checksum and versioning rules. */
  async putObject(request: PutObjectRequest): Promise<StoredObject> {
    return await putObject(this.#open(), request);
  }

  /** The object's metadata, without reading its data; `objectNotFound` when absent. */
  async headObject(bucket: BucketJson, name: string): Promise<StoredObject> {
    return await headObject(this.#open(), bucket, name);
  }

  /** The object's metadata and verified body (or a byte range of it). */
  async getObject(bucket: BucketJson, name: string, range?: ByteRange): Promise<ObjectReadResult> {
    return await getObject(this.#open(), bucket, name, range);
  }

  /** Removes every replica of the object; `objectNotFound` when there was none. */
  async deleteObject(bucket: BucketJson, name: string): Promise<void> {
    const context = this.#open();
    validateObjectName(name);
    const removed = await context.locks.withWriteLock(unameOf(bucket, name), () =>
      unlinkAllReplicas(context, bucket, name),
    );
    if (removed === 0) throw objectNotFound(context.nodeId, bucket, name);
  }

  /** Merges `metadata` into the object's custom metadata, or replaces it all when `replace`. */
  async setCustomMetadata(
    bucket: BucketJson,
    name: string,
    metadata: Record<string, string>,
    replace: boolean,
  ): Promise<StoredObject> {
    const context = this.#open();
    validateObjectName(name);
    return context.locks.withWriteLock(unameOf(bucket, name), async () => {
      const replica = await findReplica(context, bucket, name);
      if (replica === undefined) throw objectNotFound(context.nodeId, bucket, name);
      try {
        const updated = {
          ...replica.metadata,
          customMetadata: replace
            ? { ...metadata }
            : { ...replica.metadata.customMetadata, ...metadata },
        };
        // Same limit as PUT: as if the name were stored in the record.
        encodeObjectMetadata({ ...updated, name });
        // Through the descriptor: the attribute lands on the inode that was looked up.
        await writeObjectMetadata(descriptorPath(replica.handle.fd), updated);
        if (context.options.fsyncObjects) await replica.handle.sync();
        return toStoredObject(bucket, name, updated, replica.stats, replica.mountpath);
      } finally {
        await replica.handle.close();
      }
    });
  }

  /** One listing page; with `withMetadata` false, names and sizes only (no metadata reads). */
  listObjects(
    bucket: BucketJson,
    options: ListObjectsOptions & { withMetadata: true },
  ): Promise<StoredObject[]>;
  listObjects(
    bucket: BucketJson,
    options: ListObjectsOptions & { withMetadata: false },
  ): Promise<ListedName[]>;
  listObjects(
    bucket: BucketJson,
    options: ListObjectsOptions,
  ): Promise<StoredObject[] | ListedName[]>;
  async listObjects(
    bucket: BucketJson,
    options: ListObjectsOptions,
  ): Promise<StoredObject[] | ListedName[]> {
    return await listObjects(this.#open(), bucket, options);
  }

  /**
   * Removes the bucket's tree on every mountpath: each is renamed into the trash at once (the
   * bucket's objects vanish atomically per mountpath), then deleted.
   */
  async destroyBucket(bucket: BucketJson): Promise<void> {
    const context = this.#open();
    await Promise.all(
      context.mountpaths.map((mountpath) =>
        removeTreeThroughTrash(
          bucketDirectory(mountpath.path, bucket),
          trashEntryPath(mountpath.path, Date.now()),
        ),
      ),
    );
  }

  /** File-system capacity of every mountpath. */
  async capacity(): Promise<MountpathCapacity[]> {
    return await Promise.all(
      this.#open().mountpaths.map((mountpath) => mountpathCapacity(mountpath.path)),
    );
  }

  /**
   * Stops accepting operations. Nothing is buffered, so there is nothing to flush; streams already
   * returned keep their descriptors until they end.
   */
  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  #open(): StoreContext {
    if (this.#closed) throw new StoreError('Internal', `local store of ${this.nodeId} is closed`);
    return this.#context;
  }
}
