// What a target gives its ETL side (target-etl.ts, local-etl.ts, etl-node-endpoints.ts): identity,
// directories and endpoint, metadata, and the object reads and writes transforms need.
import type { Readable } from 'node:stream';
import type { MetadataStore } from '../cluster/index.js';
import type { TargetJobEnvironment } from '../jobs/index.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/log.js';
import type { BucketJson } from '../wire/index.js';
import type { EtlInlineJob } from './etl-inline-job.js';

export interface EtlTargetEnvironment {
  nodeId: string;
  /** The target's own directory: transformers work in `<dir>/etl/<name>`. */
  dir: string;
  /**
   * The base of `AIS_TARGET_URL`: this target's intra-cluster URL, or its loopback endpoint for
   * transformers when it serves HTTPS (transformer-endpoint.ts).
   */
  endpointUrl: () => string;
  metadata: MetadataStore;
  clock: Clock;
  log: Logger;
  /** An object's bytes, read here or from its owner. */
  openObject(bucket: BucketJson, name: string): Promise<{ size: number; body: Readable }>;
  /** The same as an HTTP request body's chunks (a buffer read here is reused once sent). */
  openObjectChunks(
    bucket: BucketJson,
    name: string,
  ): Promise<{ size: number; body: AsyncIterable<Buffer> }>;
  /** An object's size, asked here or of its owner (ObjectNotFound when missing). */
  headObject(bucket: BucketJson, name: string): Promise<{ size: number }>;
  /** Stores a stream as the object on its owner, as the jobs' environment does. */
  storeObject: TargetJobEnvironment['storeObject'];
  /** Stores a stream as the object here (direct put from a transformer): its size. */
  putObject(bucket: BucketJson, name: string, body: Readable): Promise<{ size: number }>;
  /** The object's owner when that is another target (a direct put's destination). */
  remoteOwner(bucket: BucketJson, name: string): { id: string; dataUrl: string } | undefined;
  /** Counts an object a transformer delivered here for an offline job (its `in-objs`). */
  countDelivered(jobId: string, bytes: number): void;
  /** Runs a job in the target's job registry (the ETL's `etl-inline` job). */
  startJob(job: EtlInlineJob): void;
  /** Asks the primary to abort an ETL (its transformer here keeps crashing). */
  abortEtl(name: string, reason: string): Promise<void>;
}
