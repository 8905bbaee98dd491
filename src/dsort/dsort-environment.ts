// What a target's dSort job may use: the store (to list input shards), the cluster map (who owns
// what), archives opened through the object path, writes and deletes as a client's, and the
// intra-cluster client to pull records from the other targets.
import type { Readable } from 'node:stream';
import type { ArchiveSource } from '../archive/index.js';
import type { ClusterMap } from '../cluster/index.js';
import type { LocalStore } from '../storage/index.js';
import type { IntraClient } from '../transport/index.js';
import type { Clock } from '../util/clock.js';
import type { BucketJson } from '../wire/index.js';

export interface DsortTargetEnvironment {
  readonly nodeId: string;
  readonly store: LocalStore;
  readonly client: IntraClient;
  readonly clock: Clock;
  /** Where jobs spill records (a directory per job is made below it). */
  readonly workDirectory: string;
  /** Longest wait for a peer's answer, and between two chunks of a record. */
  readonly callTimeoutMs: number;
  /**
   * How long the gateway driving a job may stay unreachable before the job fails (the cluster's
   * `keepalive.timeout_ms`: what a node's silence may last before it is removed).
   */
  driverSilenceMs(): number;
  clusterMap(): ClusterMap | undefined;
  /** A stored shard as an archive source (ObjectNotFound when missing). */
  openArchive(bucket: BucketJson, name: string): Promise<ArchiveSource>;
  /** Stores `body` as the object, as a client's PUT does. */
  putObject(bucket: BucketJson, name: string, body: Readable): Promise<void>;
  /** Deletes the object as a client's DELETE does. */
  deleteObject(bucket: BucketJson, name: string): Promise<void>;
}
