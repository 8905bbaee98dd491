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
}

/** AIStore job kinds Cairn does not run yet: starting one answers 501, not 400. */
export const plannedJobKinds: ReadonlySet<string> = new Set([
  'lru',
  'cleanup-store',
  'summary-bck',
  'put-copies',
  'archive',
  'copy-listrange',
  'etl-listrange',
  'blob-download',
  'download',
  'dsort',
  'promote',
  'evict-listrange',
  'evict-remote-bck',
  'prefetch-listrange',
  'move-bck',
  'copy-bck',
  'etl-bck',
  'rechunk',
  'load-lom-cache',
]);

/** Key of a job's bucket for conflict checks and filters ('' for cluster-wide jobs). */
export function bucketKeyOf(bucket: BucketJson | undefined): string {
  return bucket === undefined
    ? ''
    : `${bucket.provider}/${namespaceUname(bucket.namespace)}/${bucket.name}`;
}
