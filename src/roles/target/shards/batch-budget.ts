// The target's budget of GetBatch bytes in flight (`get_batch.max_inflight_bytes`): every item a
// batch, a peer's parts or the archive job opens is charged at its size until its body closes
// (read to its end, or destroyed when the batch fails or its client goes away), so what a target
// has committed to pass on is bounded across all of them. At or over the limit, a new batch is
// refused (429, as AIStore's designated target refuses work under pressure) and the batches in
// progress open nothing ahead of the item they write.
import type { Readable } from 'node:stream';
import { StoreError } from '../../../errors/index.js';
import type { OpenedItem } from './batch-items.js';

export class BatchBudget {
  #used = 0;

  constructor(private readonly limit: () => number) {}

  /** Bytes of the items open now. */
  get used(): number {
    return this.#used;
  }

  /** Whether items may be opened ahead of the ones being written. */
  get available(): boolean {
    return this.#used < this.limit();
  }

  /** Refuses a new batch while the target is at or over its limit. */
  admit(): void {
    const limit = this.limit();
    if (this.#used >= limit)
      throw new StoreError(
        'TooManyRequests',
        `GetBatch: ${this.#used} bytes in flight on this target, at or over get_batch.max_inflight_bytes (${limit}): try again later`,
      );
  }

  /**
   * Charges the item's size until its body closes, once however it ends. An item in memory (no
   * body to close) is charged until `release` (the window's: when it is taken or discarded).
   */
  hold(opened: OpenedItem): OpenedItem {
    const bytes = opened.size;
    if (bytes === 0) return opened;
    this.#used += bytes;
    if (inMemory(opened)) return opened;
    let held = true;
    const release = (): void => {
      if (!held) return;
      held = false;
      this.#used -= bytes;
    };
    const body = opened.body as Readable;
    if (body.closed) release();
    else body.once('close', release);
    return opened;
  }

  /** Ends the charge of an item in memory (see `hold`). */
  release(opened: OpenedItem): void {
    if (inMemory(opened)) this.#used -= opened.size;
  }
}

/** Bytes in memory: no body that closes. */
function inMemory(opened: OpenedItem): boolean {
  return Array.isArray(opened.body);
}
