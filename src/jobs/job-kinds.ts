// Job kinds (AIStore's names): what a kind is, the kinds not built yet, and bucket keys for filters.
import { namespaceUname, type BucketJson } from '../wire/index.js';

export interface JobKind {
  readonly name: string;
  /** Launched by `PUT /v1/cluster {"action":"start"}` (others start from their own API call). */
  readonly startable: boolean;
  /** Needs a bucket. */
  readonly bucketScoped: boolean;
  /** At most one running per bucket (or per cluster when not bucket-scoped). */
  readonly exclusive: boolean;
  /**
   * A target's restart does not cut a share of this kind short: it resumes (`download`) or its
   * work goes on in another form (`move-bck`: the rebalance). Other kinds' shares that a crash or
   * shutdown stopped are reported as failed when the target starts again (job-interruptions.ts).
   */
  readonly survivesRestart?: boolean;
}

/** AIStore job kinds Cairn does not run yet: starting one answers 501, not 400. */
export const plannedJobKinds: ReadonlySet<string> = new Set([
  'cleanup-store',
  'put-copies',
  'archive',
  'evict-remote-bck',
  'rechunk',
  'load-lom-cache',
]);

/**
 * Every job kind AIStore defines (`xact/api_table.go` at 583e7729) and Cairn's own (`scrub`, `lifecycle`): a
 * query naming another kind is treated as AIStore's gateway treats it (see `jobKindOf`).
 */
export const knownJobKinds: ReadonlySet<string> = new Set([
  ...plannedJobKinds,
  ...['rebalance', 'resilver', 'election', 'lru', 'summary-bck', 'summary-shard', 'index-shard'],
  ...['ec-get', 'ec-put', 'ec-resp', 'ec-encode', 'make-n-copies', 'delete-listrange', 'list'],
  ...['evict-listrange', 'prefetch-listrange', 'copy-bck', 'copy-listrange', 'promote'],
  ...['etl-bck', 'etl-listrange', 'move-bck', 'download'],
  ...['etl-inline', 'get-batch', 'create-inventory', 'scrub', 'dsort', 'lifecycle'],
  'blob-download',
]);

/**
 * Cairn's `lifecycle`: each target applies the S3 lifecycle rules of its buckets (all, or `Bck`) to
 * the versions and uploads it owns. Its job runs in roles/target (it deletes through the S3 path).
 */
export const lifecycleJobKind: JobKind = {
  name: 'lifecycle',
  startable: true,
  bucketScoped: false,
  exclusive: true,
};

/**
 * `move-bck` (bucket rename): each target's job ends when the rebalance that moves the renamed
 * bucket's objects has ended (its job runs in roles/target, which sees the rebalance).
 */
export const moveBucketJobKind: JobKind = {
  name: 'move-bck',
  startable: false,
  bucketScoped: true,
  exclusive: false,
  survivesRestart: true,
};

/** What the primary starts a `move-bck` job with (its bucket is the new name). */
export interface MoveBucketArgs {
  /** The rebalance that moves the objects whose owner changes with the name. */
  generation: number;
}

/** AIStore's display names of kinds (`ais show job` prints them; clients may send them). */
const kindsByDisplayName: Readonly<Record<string, string>> = {
  'lru-eviction': 'lru',
  cleanup: 'cleanup-store',
  summary: 'summary-bck',
  'delete-objects': 'delete-listrange',
  'evict-objects': 'evict-listrange',
  'prefetch-objects': 'prefetch-listrange',
  'copy-objects': 'copy-listrange',
  'etl-objects': 'etl-listrange',
};

/**
 * The kind a query names: a kind, or a display name turned into its kind. Anything else is ''
 * (AIStore's gateway maps an unknown kind to '' so that it matches every kind).
 */
export function jobKindOf(kindOrDisplayName: string): string {
  if (knownJobKinds.has(kindOrDisplayName)) return kindOrDisplayName;
  return Object.hasOwn(kindsByDisplayName, kindOrDisplayName)
    ? (kindsByDisplayName[kindOrDisplayName] ?? '')
    : '';
}

/** Key of a job's bucket for conflict checks and filters ('' for cluster-wide jobs). */
export function bucketKeyOf(bucket: BucketJson | undefined): string {
  return bucket === undefined
    ? ''
    : `${bucket.provider}/${namespaceUname(bucket.namespace)}/${bucket.name}`;
}
