// A token bucket: `rate` tokens per millisecond flow into a bucket that holds at most `capacity`;
// each admitted operation takes one. Time is passed in, so tests need no clock.

export class TokenBucket {
  #tokens: number;
  #updatedMs: number;

  constructor(
    readonly ratePerMs: number,
    readonly capacity: number,
    nowMs: number,
  ) {
    this.#tokens = capacity;
    this.#updatedMs = nowMs;
  }

  /** Takes a token: 0 when admitted, else the milliseconds until one will be there. */
  take(nowMs: number): number {
    const elapsed = Math.max(0, nowMs - this.#updatedMs);
    this.#tokens = Math.min(this.capacity, this.#tokens + elapsed * this.ratePerMs);
    this.#updatedMs = nowMs;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - this.#tokens) / this.ratePerMs);
  }
}
