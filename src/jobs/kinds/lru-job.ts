// `lru`: evicts least-recently-used cached objects of remote buckets when space runs low. AIStore
// never evicts an ais bucket's objects (they exist nowhere else), and Cairn has no remote buckets
// yet, so each target's share looks at the buckets it was given (all by default), finds nothing
// it may evict, and ends saying so in its snapshot (`ctlmsg` and its counters).
import type { Logger } from '../../util/log.js';
import type { BucketJson } from '../../wire/index.js';
import type { JobDefinition, TargetJobEnvironment } from '../job-environment.js';
import { Job } from '../job.js';

/** LRU's own counters in the snapshot's stats (beside AIStore's standard ones). */
export const LruCounter = {
  /** Buckets whose objects may be evicted (remote buckets). */
  remoteBuckets: 'lru-remote-buckets',
  /** ais buckets looked at and left alone. */
  skippedBuckets: 'lru-skipped-ais-buckets',
  evictedObjects: 'lru-evicted-objs',
  evictedBytes: 'lru-evicted-bytes',
} as const;

class LruJob extends Job {
  constructor(
    id: string,
    bucket: BucketJson | undefined,
    private readonly buckets: readonly BucketJson[],
    private readonly environment: TargetJobEnvironment,
  ) {
    super(id, 'lru', bucket);
    for (const counter of Object.values(LruCounter)) this.extraCounters[counter] = 0;
  }

  protected execute(signal: AbortSignal, log: Logger): Promise<void> {
    const known = this.environment.bucketMetadata()?.list() ?? [];
    const selected =
      this.buckets.length === 0
        ? known.map((entry) => entry.bucket)
        : this.buckets.filter((bucket) => known.some((entry) => sameBucket(entry.bucket, bucket)));
    const remote = selected.filter((bucket) => bucket.provider !== 'ais');
    this.extraCounters[LruCounter.remoteBuckets] = remote.length;
    this.extraCounters[LruCounter.skippedBuckets] = selected.length - remote.length;
    if (signal.aborted) return Promise.resolve();
    if (remote.length > 0) {
      // Unreachable today (remote buckets are refused when created); fail rather than pretend.
      throw new Error(`evicting objects of remote buckets is not implemented yet`);
    }
    this.controlMessage =
      `nothing to evict: no remote buckets; ${selected.length} ais bucket(s) skipped ` +
      `(their objects exist only in the cluster and are never evicted)`;
    log.info('lru: nothing to evict', { job: this.id, aisBuckets: selected.length });
    return Promise.resolve();
  }
}

function sameBucket(a: BucketJson, b: BucketJson): boolean {
  return (
    a.name === b.name &&
    a.provider === b.provider &&
    (a.namespace?.uuid ?? '') === (b.namespace?.uuid ?? '') &&
    (a.namespace?.name ?? '') === (b.namespace?.name ?? '')
  );
}

/** `start` with `{"Kind": "lru"}`; `Bck` or `Buckets` narrow it (the gateway checked they exist). */
export const lruDefinition: JobDefinition = {
  kind: { name: 'lru', startable: true, bucketScoped: false, exclusive: true },
  create(request, environment) {
    const buckets = Array.isArray(request.args) ? (request.args as BucketJson[]) : [];
    const all = request.bucket === undefined ? buckets : [request.bucket, ...buckets];
    return new LruJob(request.id, request.bucket, all, environment);
  },
};
