// The pace of one target's calls of one kind to one remote bucket (AIStore's adaptive "shaping"
// limiter behind `rate_limit.backend`). Calls leave one at a time, at least `interval / tokens`
// apart, in the order they asked. A throttled answer (429, 503) holds every call back for a
// backoff that grows with the share of recent calls the remote throttled; each window of
// `maxTokens` calls then lowers the rate when throttling went on, and raises it back toward the
// budget when the remote stayed quiet.
import type { Clock } from '../util/clock.js';

export interface PacerSettings {
  /** This target's share of the budget: calls per interval at most. */
  maxTokens: number;
  intervalMs: number;
}

/** Error rates over the last two windows that lower the rate by 4, 2 and 1 tenths of it. */
const highErrorRate = 0.5;
const mediumErrorRate = 0.3;
const lowErrorRate = 0.1;
/** Calls counted before an error rate means anything. */
const minSample = 3;

/**
 * The rate's arithmetic, apart from timers: what the spacing is, and how throttled answers and
 * windows of calls move it.
 */
export class AdaptiveRate {
  /** The allowance in force (calls per interval), between 1 and `maxTokens`. */
  #tokens: number;
  #calls = 0;
  #throttled = 0;
  #previousCalls = 0;
  #previousThrottled = 0;

  constructor(readonly settings: PacerSettings) {
    this.#tokens = settings.maxTokens;
  }

  get tokens(): number {
    return this.#tokens;
  }

  /** Milliseconds between two calls at the current rate. */
  spacingMs(): number {
    return this.settings.intervalMs / this.#tokens;
  }

  /** A call left: a full window of them adapts the rate. */
  called(): void {
    this.#calls += 1;
    if (this.#calls >= this.settings.maxTokens) this.#adapt();
  }

  /** The remote throttled a call: how long to hold every call back before the next. */
  throttled(): number {
    this.#throttled += 1;
    const rate = this.#errorRate();
    const factor = rate > highErrorRate ? 8 : rate > mediumErrorRate ? 4 : 2;
    return this.spacingMs() * factor;
  }

  #errorRate(): number {
    const calls = this.#calls + this.#previousCalls;
    return calls < minSample ? 0 : (this.#throttled + this.#previousThrottled) / calls;
  }

  #adapt(): void {
    const rate = this.#errorRate();
    const step = Math.max(Math.floor(this.#tokens / 10), 1);
    let tokens = this.#tokens;
    if (this.#throttled === 0 && this.#previousThrottled === 0) tokens += step;
    else if (rate > highErrorRate) tokens -= 4 * step;
    else if (rate > mediumErrorRate) tokens -= 2 * step;
    else if (rate > lowErrorRate) tokens -= step;
    else if (this.#throttled > 0 && this.#previousThrottled > 0) tokens -= step / 2;
    this.#tokens = Math.min(this.settings.maxTokens, Math.max(1, tokens));
    this.#previousCalls = this.#calls;
    this.#previousThrottled = this.#throttled;
    this.#calls = 0;
    this.#throttled = 0;
  }
}

/** A call that may not wait its turn: the queue would hold it longer than this. */
export const maxPacedWaitMs = 60_000;

export class AdaptivePacer {
  readonly rate: AdaptiveRate;
  readonly #waiting: Array<() => void> = [];
  #timer: NodeJS.Timeout | undefined;
  #lastCallMs = Number.NEGATIVE_INFINITY;
  /** No call leaves before this (a throttled answer's backoff). */
  #holdUntilMs = Number.NEGATIVE_INFINITY;
  /** When it was last asked for a turn (idle pacers are dropped). */
  usedMs: number;

  constructor(
    settings: PacerSettings,
    private readonly clock: Clock,
  ) {
    this.rate = new AdaptiveRate(settings);
    this.usedMs = clock.nowMs();
  }

  /** Calls waiting for their turn. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /**
   * Resolves when the call may leave; a retry goes ahead of the calls still waiting for their
   * first turn. Undefined instead when the queue is too long to wait for (the caller refuses).
   */
  turn(retry = false): Promise<void> | undefined {
    this.usedMs = this.clock.nowMs();
    if (!retry && this.#waiting.length * this.rate.spacingMs() > maxPacedWaitMs) return undefined;
    return new Promise((resolve) => {
      if (retry) this.#waiting.unshift(resolve);
      else this.#waiting.push(resolve);
      this.#pump();
    });
  }

  /**
   * The remote throttled a call: every call waits the backoff, at least `minMs` (the remote's
   * `Retry-After`), which is returned.
   */
  throttled(minMs = 0): number {
    const backoffMs = Math.max(this.rate.throttled(), minMs);
    this.#holdUntilMs = Math.max(this.#holdUntilMs, this.clock.nowMs() + backoffMs);
    return backoffMs;
  }

  /**
   * Lets the first waiting call go when its time has come, else sets one timer for it. The
   * spacing counts from when a call actually left, so a stalled event loop cannot release a
   * burst of calls whose times all passed meanwhile.
   */
  #pump(): void {
    if (this.#timer !== undefined || this.#waiting.length === 0) return;
    const now = this.clock.nowMs();
    const due = Math.max(this.#lastCallMs + this.rate.spacingMs(), this.#holdUntilMs);
    if (now < due) {
      this.#timer = setTimeout(
        () => {
          this.#timer = undefined;
          this.#pump();
        },
        Math.ceil(due - now),
      );
      // Waiting calls belong to requests, which keep the node up; a closing node need not wait.
      this.#timer.unref();
      return;
    }
    this.#lastCallMs = now;
    this.rate.called();
    this.#waiting.shift()?.();
    this.#pump();
  }
}
