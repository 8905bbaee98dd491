// Backend rate limits (bucket prop `rate_limit.backend`, AIStore's `ais/rlbackend.go`): a target
// paces its calls to a remote bucket's backend to its share of the bucket's budget — `max_tokens`
// (or the verb's `per_op_max_tokens`) per `interval`, divided by the active targets and raised by
// a quarter for the imbalance between them — one pacer per bucket and kind of call. When the
// remote throttles anyway (429, 503), the call is tried again after a backoff, up to
// `num_retries` times; then the client is told to slow down (429, S3 SlowDown). A remote's
// `Retry-After` (bounded by `backend.max_retry_after_ms`) lengthens the backoff and is passed on
// to the client, with or without the limit; every throttled answer is counted for the metrics.
import type { Readable } from 'node:stream';
import { intervalMs, parsePerOpMaxTokens } from '../config/index.js';
import { StoreError } from '../errors/index.js';
import type { ByteRange } from '../storage/index.js';
import type { Clock } from '../util/clock.js';
import {
  objectUname,
  type BackendRateLimitJson,
  type BucketJson,
  type BucketPropsJson,
} from '../wire/index.js';
import { AdaptivePacer } from './adaptive-pacer.js';
import { BackendThrottledError } from './backend-errors.js';
import type {
  BackendCallKind,
  BackendThrottleStats,
  ThrottleCounts,
} from './backend-throttle-stats.js';
import type {
  Backend,
  RemoteListOptions,
  RemoteObject,
  RemotePage,
  RemotePutOptions,
  RemoteRead,
} from './backend.js';

/** The kinds of call paced apart; `per_op_max_tokens` names three of them. */
type PacedCall = BackendCallKind;

/** Pacers not asked for a turn this long are dropped when the table has grown. */
const idleMs = 3_600_000;
const pruneAbove = 4096;

interface PacerEntry {
  /** The settings it was made with: new props or a new target count make a new pacer. */
  settings: string;
  pacer: AdaptivePacer;
}

/** Every pacer of this node, by bucket and kind of call. */
export class BackendPacers {
  readonly #pacers = new Map<string, PacerEntry>();

  constructor(
    private readonly activeTargets: () => number,
    private readonly clock: Clock,
    /** The longest remote `Retry-After` honoured (`backend.max_retry_after_ms`). */
    private readonly maxRetryAfterMs: () => number,
    private readonly stats: BackendThrottleStats,
  ) {}

  /**
   * `backend` paced by the bucket's `rate_limit.backend`; when that is off, not paced and not
   * retried, but its throttled answers are still counted and their `Retry-After` bounded.
   */
  apply(backend: Backend, bucket: BucketJson, props: BucketPropsJson): Backend {
    const limit = props.rate_limit?.backend;
    const paced = limit?.enabled === true;
    return new RateLimitedBackend(backend, {
      retries: paced ? limit.num_retries : 0,
      pacer: paced ? (call) => this.#pacer(bucket, limit, call) : undefined,
      maxRetryAfterMs: this.maxRetryAfterMs(),
      counts: (call) => this.stats.of(bucket, call),
      clock: this.clock,
    });
  }

  #pacer(bucket: BucketJson, limit: BackendRateLimitJson, call: PacedCall): AdaptivePacer {
    const perOp = parsePerOpMaxTokens(limit.per_op_max_tokens);
    const verb = call === 'head' || call === 'list' ? undefined : call;
    const budget =
      (verb === undefined || 'problem' in perOp ? undefined : perOp.get(verb)) ?? limit.max_tokens;
    const share = Math.round(budget / Math.max(1, this.activeTargets()));
    const maxTokens = Math.max(share + Math.floor(share / 4), 2);
    const windowMs = intervalMs(limit.interval) ?? 60_000;
    const settings = `${maxTokens}/${windowMs}`;
    const key = `${objectUname(bucket, '')}${call}`;
    let entry = this.#pacers.get(key);
    if (entry?.settings !== settings) {
      this.#prune();
      entry = {
        settings,
        pacer: new AdaptivePacer({ maxTokens, intervalMs: windowMs }, this.clock),
      };
      this.#pacers.set(key, entry);
    }
    return entry.pacer;
  }

  #prune(): void {
    if (this.#pacers.size < pruneAbove) return;
    const now = this.clock.nowMs();
    for (const [key, { pacer }] of this.#pacers)
      if (pacer.waiting === 0 && now - pacer.usedMs > idleMs) this.#pacers.delete(key);
  }
}

interface LimitSettings {
  retries: number;
  /** Undefined: the bucket has no `rate_limit.backend` (calls leave at once, once). */
  pacer: ((call: PacedCall) => AdaptivePacer) | undefined;
  maxRetryAfterMs: number;
  counts: (call: PacedCall) => ThrottleCounts;
  clock: Clock;
}

class RateLimitedBackend implements Backend {
  readonly description: string;

  constructor(
    private readonly backend: Backend,
    private readonly limit: LimitSettings,
  ) {
    this.description = backend.description;
  }

  /** Not paced (AIStore's neither): adding a bucket is rare, and nothing retries it here. */
  headBucket(): Promise<void> {
    return this.backend.headBucket();
  }

  list(options: RemoteListOptions): Promise<RemotePage> {
    return this.#paced('list', true, () => this.backend.list(options));
  }

  head(name: string): Promise<RemoteObject> {
    return this.#paced('head', true, () => this.backend.head(name));
  }

  get(name: string, range?: ByteRange): Promise<RemoteRead> {
    return this.#paced('get', true, () => this.backend.get(name, range));
  }

  /** Paced but never tried again: the first attempt consumed the body stream. */
  put(name: string, body: Readable, options: RemotePutOptions): Promise<RemoteObject> {
    return this.#paced('put', false, () => this.backend.put(name, body, options));
  }

  delete(name: string): Promise<void> {
    return this.#paced('delete', true, () => this.backend.delete(name));
  }

  async #paced<T>(call: PacedCall, repeatable: boolean, send: () => Promise<T>): Promise<T> {
    const pacer = this.limit.pacer?.(call);
    if (pacer !== undefined) await this.#firstTurn(call, pacer);
    for (let retried = 0; ; retried += 1) {
      try {
        return await send();
      } catch (error) {
        if (!(error instanceof BackendThrottledError)) throw error;
        const counts = this.limit.counts(call);
        counts.throttled += 1;
        const hintMs = Math.min(error.remoteRetryAfterMs ?? 0, this.limit.maxRetryAfterMs);
        const backoffMs = Math.max(pacer?.throttled(hintMs) ?? 0, hintMs);
        if (pacer === undefined || !repeatable || retried >= this.limit.retries) {
          counts.slowdowns += 1;
          throw this.#slowDown(error, retried, pacer === undefined, backoffMs);
        }
        const startedMs = this.limit.clock.nowMs();
        await pacer.turn(true);
        counts.retries += 1;
        if (retried === 0) counts.retriedCalls += 1;
        counts.retryWaitMs += this.limit.clock.nowMs() - startedMs;
      }
    }
  }

  /** Waits for the call's turn; refused at once when the queue is too long to wait in. */
  async #firstTurn(call: PacedCall, pacer: AdaptivePacer): Promise<void> {
    const turn = pacer.turn();
    if (turn !== undefined) return await turn;
    this.limit.counts(call).slowdowns += 1;
    throw new StoreError(
      'TooManyRequests',
      `Too Many Requests: ${pacer.waiting} ${call} calls to ${this.description} are already waiting for the bucket's rate_limit.backend (${pacer.rate.tokens} per interval on this target)`,
      { retryAfterSeconds: Math.max(1, Math.ceil(pacer.rate.spacingMs() / 1000)) },
    );
  }

  /** The client's 429 (S3 SlowDown): try again once the backoff (and the remote's hint) passed. */
  #slowDown(
    error: BackendThrottledError,
    retried: number,
    unpaced: boolean,
    backoffMs: number,
  ): BackendThrottledError {
    const tries = retried === 0 ? 'once' : `${retried + 1} times`;
    const message = unpaced
      ? error.message
      : `${error.message} (tried ${tries}; rate_limit.backend.num_retries ${this.limit.retries})`;
    const seconds = Math.max(1, Math.ceil(backoffMs / 1000));
    return new BackendThrottledError(message, error, error.remoteRetryAfterMs, seconds);
  }
}
