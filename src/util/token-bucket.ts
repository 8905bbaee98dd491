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

  /**
   * Takes `count` tokens (one by default): 0 when admitted, else the milliseconds until enough
   * will be there. More than the capacity is admitted once the bucket is full, and the excess is
   * owed (the bucket goes below zero), so a large take waits its share later (byte budgets).
   */
  take(nowMs: number, count = 1): number {
    const elapsed = Math.max(0, nowMs - this.#updatedMs);
    this.#tokens = Math.min(this.capacity, this.#tokens + elapsed * this.ratePerMs);
    this.#updatedMs = nowMs;
    const needed = Math.min(count, this.capacity);
    if (this.#tokens >= needed) {
      this.#tokens -= count;
      return 0;
    }
    return Math.ceil((needed - this.#tokens) / this.ratePerMs);
  }
}
