// What a target's job may use, and how a kind creates its job from a start request.
import type { Readable } from 'node:stream';
import type { ArchiveFormat, ArchiveWriter } from '../archive/index.js';
import type { BucketMetadata, ClusterMap } from '../cluster/index.js';
import type { LocalStore } from '../storage/index.js';
import type { IntraClient } from '../transport/index.js';
import type { Logger } from '../util/log.js';
import type { BucketJson, StartJobRequestJson } from '../wire/index.js';
import type { Job } from './job.js';
import type { JobKind } from './job-kinds.js';

export interface TargetJobEnvironment {
  readonly nodeId: string;
  readonly store: LocalStore;
  readonly client: IntraClient;
  readonly log: Logger;
  clusterMap(): ClusterMap | undefined;
  bucketMetadata(): BucketMetadata | undefined;
  /**
   * Deletes an object as a client's DELETE does: the local replica (a delete marker in a bucket
   * that keeps history), its EC pieces, and copies a rebalance has not moved yet. ObjectNotFound
   * when there was nothing anywhere.
   */
  deleteObject(bucket: BucketJson, name: string): Promise<void>;
  /**
   * Evicts a remote bucket's cached object (replica, copies, EC pieces); the remote keeps it.
   * ObjectNotFound when nothing was cached.
   */
  evictObject(bucket: BucketJson, name: string): Promise<void>;
  /** An object's bytes, read here or streamed from its owner (ObjectNotFound when missing). */
  openObject(
    bucket: BucketJson,
    name: string,
  ): Promise<{ size: number; body: Readable; modifiedMs: number }>;
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
