// What a target's job may use, and how a kind creates its job from a start request.
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
}

/** A kind and the factory that builds its per-target job. */
export interface JobDefinition {
  readonly kind: JobKind;
  create(request: StartJobRequestJson, environment: TargetJobEnvironment): Job;
}
