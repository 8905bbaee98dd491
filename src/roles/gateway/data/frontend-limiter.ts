// Client-facing rate limits (bucket prop `rate_limit.frontend`, AIStore's "bursty" limiter): each
// gateway takes its share of a bucket's budget — `max_tokens` (or the verb's `per_op_max_tokens`)
// per `interval`, divided by the number of gateways in the cluster map — for object GETs, PUTs and
// DELETEs, with `burst_size` requests admitted at once above the steady rate. Over the limit a
// request is refused at once: 429 with Retry-After on the native API, SlowDown (503) on S3.
import { intervalMs, parsePerOpMaxTokens, type RateLimitedVerb } from '../../../config/index.js';
import { StoreError } from '../../../errors/index.js';
import type { Clock } from '../../../util/clock.js';
import { TokenBucket } from '../../../util/token-bucket.js';
import {
  bucketDisplayName,
  objectUname,
  type BucketJson,
  type BucketPropsJson,
} from '../../../wire/index.js';

const verbs: Readonly<Record<string, RateLimitedVerb>> = {
  GET: 'get',
  PUT: 'put',
  DELETE: 'delete',
};

/** Limiters not used for this long are dropped when the table has grown (deleted buckets). */
const idleMs = 3_600_000;
const pruneAbove = 4096;

interface Limiter {
  /** The settings it was made with: a change of props or of the gateway count makes a new one. */
  settings: string;
  tokens: TokenBucket;
  usedMs: number;
}

export class FrontendLimiter {
  readonly #limiters = new Map<string, Limiter>();

  constructor(
    private readonly gateways: () => number,
    private readonly clock: Clock,
  ) {}

  /** Takes a token for the request, or throws TooManyRequests saying when to try again. */
  admit(bucket: BucketJson, props: BucketPropsJson, method: string): void {
    const limit = props.rate_limit?.frontend;
    const verb = verbs[method];
    if (limit?.enabled !== true || verb === undefined) return;
    const perOp = parsePerOpMaxTokens(limit.per_op_max_tokens);
    const budget = ('problem' in perOp ? undefined : perOp.get(verb)) ?? limit.max_tokens;
    const windowMs = intervalMs(limit.interval) ?? 60_000;
    const gateways = Math.max(1, this.gateways());
    const settings = `${budget}/${windowMs}/${limit.burst_size}/${gateways}`;
    const key = `${objectUname(bucket, '')}${verb}`;
    const now = this.clock.nowMs();
    let limiter = this.#limiters.get(key);
    if (limiter?.settings !== settings) {
      const rate = budget / gateways / windowMs;
      limiter = { settings, tokens: new TokenBucket(rate, limit.burst_size, now), usedMs: now };
      this.#prune(now);
      this.#limiters.set(key, limiter);
    }
    limiter.usedMs = now;
    const waitMs = limiter.tokens.take(now);
    if (waitMs === 0) return;
    throw new StoreError(
      'TooManyRequests',
      `Too Many Requests: ${method} on ${bucketDisplayName(bucket)} is over the bucket's rate_limit.frontend (${budget} per ${limit.interval} across ${gateways} gateway(s))`,
      { retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) },
    );
  }

  #prune(now: number): void {
    if (this.#limiters.size < pruneAbove) return;
    for (const [key, limiter] of this.#limiters)
      if (now - limiter.usedMs > idleMs) this.#limiters.delete(key);
  }
}
