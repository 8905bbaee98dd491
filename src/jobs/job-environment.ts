// What a target's job may use, and how a kind creates its job from a start request.
import type { Readable } from 'node:stream';
import type { ArchiveBody, ArchiveFormat, ArchiveWriter } from '../archive/index.js';
import type { BucketMetadata, ClusterMap } from '../cluster/index.js';
import type { ClusterConfigValues } from '../config/index.js';
import type { ColdReplica, Disk, LocalStore } from '../storage/index.js';
import type { IntraClient } from '../transport/index.js';
import type { Logger } from '../util/log.js';
import type { BucketJson, StartJobRequestJson } from '../wire/index.js';
import type { Job } from './job.js';
import type { JobKind } from './job-kinds.js';

/** How one object is downloaded. */
export interface BlobSettings {
  /** Bytes per ranged read. */
  chunkBytes: number;
  /** Ranged reads in flight (1: one at a time). */
  workers: number;
  /** The size the caller expects (0: whatever the remote has). */
  fullSize: number;
  /** The longest one chunk's read may take (0: only the backend's own timeout). */
  chunkReadTimeoutMs: number;
  /** A cached copy is compared with the remote and fetched again only when it changed. */
  latestVersion: boolean;
}

/** Prefetch's large objects: those of at least `thresholdBytes` go through blob download. */
export interface PrefetchBlobs {
  thresholdBytes: number;
  settings: BlobSettings;
}

/** What is known of a downloaded body before it is stored (checked as it is written). */
export interface DownloadedObjectOptions {
  size: number | undefined;
  /** Hex MD5 from the origin, when it sent one. */
  md5: string | undefined;
  customMetadata: Record<string, string>;
}

/** Objects opened a window ahead of the one taken (a miss is an ObjectNotFound error). */
export type ObjectOutcome = { opened: { size: number; body: ArchiveBody } } | { error: unknown };

export interface ObjectBatch {
  take(index: number): Promise<ObjectOutcome>;
  /** As `take`, at once when the object is opened already (undefined: it is not yet). */
  takeNow(index: number): ObjectOutcome | undefined;
  /** Every object was taken (and read or closed). */
  finish(): void;
  /** Closes what was opened and will not be taken. */
  abandon(): Promise<void>;
}

export interface TargetJobEnvironment {
  readonly nodeId: string;
  readonly store: LocalStore;
  readonly client: IntraClient;
  readonly log: Logger;
  /** The file system outside the store (promote's source files). */
  readonly disk: Disk;
  /** `promote` reads only this directory and below (the node config's `promoteRoot`). */
  readonly promoteRoot: string;
  clusterMap(): ClusterMap | undefined;
  bucketMetadata(): BucketMetadata | undefined;
  /** The cluster config as this node has it now. */
  clusterConfig(): ClusterConfigValues;
  /** A bucket whose objects live in a backend (aws, remote AIS, ...): its cached copies may go. */
  isRemoteBucket(bucket: BucketJson): boolean;
  /**
   * Deletes an object at its owner as a client's DELETE does: the replica (a delete marker in a bucket
   * that keeps history), its EC pieces, and copies a rebalance has not moved yet. ObjectNotFound
   * when there was nothing anywhere.
   */
  deleteObject(bucket: BucketJson, name: string): Promise<void>;
  /**
   * Evicts a remote bucket's cached object (replica, copies, EC pieces); the remote keeps it.
   * ObjectNotFound when nothing was cached.
   */
  evictObject(bucket: BucketJson, name: string): Promise<void>;
  /**
   * LRU's eviction of a batch of one remote bucket's cold cached objects, as its listing saw them:
   * each evicted (replica, copies, EC pieces), kept (read after `readBeforeMs`, rewritten, or in
   * use now) or gone (nothing cached any more).
   */
  evictColdObjects(
    bucket: BucketJson,
    replicas: readonly ColdReplica[],
    readBeforeMs: number,
  ): Promise<ColdEviction[]>;
  /**
   * Fetches a remote bucket's object into the cluster (a cold GET without a client) unless it is
   * cached; with `latestVersion`, a cached copy the remote changed is fetched again (ObjectNotFound
   * when the remote no longer has it); one of at least `blobs.thresholdBytes` in parallel ranged
   * reads. Says whether it fetched.
   */
  prefetchObject(
    bucket: BucketJson,
    name: string,
    latestVersion: boolean,
    blobs?: PrefetchBlobs,
  ): Promise<boolean>;
  /** The names of a remote bucket's objects under `prefix`, as its backend lists them. */
  remoteObjectNames(bucket: BucketJson, prefix: string): AsyncIterable<string>;
  /**
   * The objects' bytes in order, as GetBatch reads its items: this target's read here, every other
   * target's out of one stream from it; each owner reads through its object service (a remote
   * bucket's object not cached is fetched from the backend there, a cold GET). Take each index
   * once, in order; then `finish`, or `abandon` on failure.
   */
  openObjects(bucket: BucketJson, names: readonly string[]): ObjectBatch;
  /**
   * Copies an object this target owns to `destination` as a single-object copy does: read here,
   * written by the destination's owner (streamed over the intra-cluster port when that is another
   * target) and verified there against the source's checksum. Says how many bytes, and where to.
   */
  copyObject(
    source: BucketJson,
    name: string,
    destination: BucketJson,
    destinationName: string,
  ): Promise<{ size: number; sentTo: string | undefined }>;
  /**
   * Stores `size` bytes of `body` (undefined: as many as it has) as the object on its owner, as a
   * client's PUT does: here, or streamed to the owner. Says which other target took it
   * (undefined: stored here).
   */
  storeObject(
    bucket: BucketJson,
    name: string,
    body: Readable,
    size: number | undefined,
  ): Promise<string | undefined>;
  /**
   * As `storeObject`, unless the object exists (then nothing is stored): checked atomically with
   * the write when this target owns it, else asked of the owner first.
   */
  storeNewObject(
    bucket: BucketJson,
    name: string,
    body: Readable,
    size: number | undefined,
  ): Promise<{ exists: true } | { exists: false; sentTo: string | undefined }>;
  /**
   * Stores `body` as the object on this target (the downloader fetches what it owns) as a client's
   * PUT does, with `customMetadata`; a body of another length than `size`, or whose MD5 is not
   * `md5` (hex), fails and stores nothing. The object as stored.
   */
  putObject(
    bucket: BucketJson,
    name: string,
    body: Readable,
    options: DownloadedObjectOptions,
  ): Promise<{ size: number }>;
  /** Whether the object exists (asked of its owner). */
  objectExists(bucket: BucketJson, name: string): Promise<boolean>;
  /** The names of the bucket's objects under `prefix` across the cluster, ascending. */
  listObjectNames(bucket: BucketJson, prefix: string): AsyncIterable<string>;
  /**
   * Writes the shard `name` as a client's PUT does (protected, placed, indexed): a new one, or with
   * `append` the existing shard's files first (a new shard when there is none); `addNew` adds
   * the new files.
   */
  writeShard(
    bucket: BucketJson,
    name: string,
    options: { format: ArchiveFormat; append: boolean },
    addNew: (writer: ArchiveWriter) => Promise<void>,
  ): Promise<void>;
}

/** A kind and the factory that builds its per-target job. */
export interface JobDefinition {
  readonly kind: JobKind;
  create(request: StartJobRequestJson, environment: TargetJobEnvironment): Job;
}

/** What became of an object LRU chose (see `evictColdObjects`). */
export type ColdEviction = 'evicted' | 'kept' | 'gone';
