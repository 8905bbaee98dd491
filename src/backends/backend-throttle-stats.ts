// What the remotes' throttling cost, per bucket and kind of call, for the node's metrics
// (`cairn_backend_*`, AIStore's `ratelim_retry_get_*`): counted by the rate limiter as it happens,
// read when `/metrics` is scraped.
import { bucketDisplayName, type BucketJson } from '../wire/index.js';

/** The kinds of call to a backend that are paced and counted apart. */
export type BackendCallKind = 'get' | 'put' | 'delete' | 'head' | 'list';

export interface ThrottleCounts {
  /** Answers 429 or 503 from the remote. */
  throttled: number;
  /** Calls sent again after such an answer. */
  retries: number;
  /** Calls that were sent again at least once (AIStore's `ratelim.retry.<verb>.n`). */
  retriedCalls: number;
  /** Time those calls waited before their retries (AIStore's `ratelim.retry.<verb>.ns.total`). */
  retryWaitMs: number;
  /** Calls given up on: the client was told to slow down (429, S3 SlowDown). */
  slowdowns: number;
}

export interface ThrottleSeries extends ThrottleCounts {
  provider: string;
  /** `aws://b`, as AIStore's `bucket` label. */
  bucket: string;
  kind: BackendCallKind;
}

/** Buckets counted apart at most; those throttled after them count as `bucket="(other)"`. */
const maxSeries = 10_000;

export class BackendThrottleStats {
  readonly #series = new Map<string, ThrottleSeries>();

  /** The counts of `bucket`'s calls of `kind`, made at the first throttled call. */
  of(bucket: BucketJson, kind: BackendCallKind): ThrottleCounts {
    let name = bucketDisplayName(bucket);
    if (this.#series.size >= maxSeries && !this.#series.has(`${name} ${kind}`)) name = '(other)';
    const key = `${name} ${kind}`;
    let series = this.#series.get(key);
    if (series === undefined) {
      series = {
        provider: bucket.provider,
        bucket: name,
        kind,
        throttled: 0,
        retries: 0,
        retriedCalls: 0,
        retryWaitMs: 0,
        slowdowns: 0,
      };
      this.#series.set(key, series);
    }
    return series;
  }

  series(): IterableIterator<ThrottleSeries> {
    return this.#series.values();
  }
}
