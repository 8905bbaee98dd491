// Background repairs noticed on the read path (a replica served from a copy, missing copies):
// deduplicated by object, bounded in queue length and concurrency, never failing a request.
import type { Logger } from '../util/log.js';

export interface RepairQueueLimits {
  /** Repairs running at once. */
  concurrency: number;
  /** Repairs waiting; more are dropped (scrub finds them later). */
  maxQueued: number;
}

export class RepairQueue {
  readonly #waiting = new Map<string, () => Promise<unknown>>();
  #running = 0;

  constructor(
    private readonly limits: RepairQueueLimits,
    private readonly log: Logger,
  ) {}

  /** Queues `repair` under `key` unless one is already queued. */
  add(key: string, repair: () => Promise<unknown>): void {
    if (this.#waiting.has(key) || this.#waiting.size >= this.limits.maxQueued) return;
    this.#waiting.set(key, repair);
    this.#pump();
  }

  get pending(): number {
    return this.#waiting.size + this.#running;
  }

  #pump(): void {
    while (this.#running < this.limits.concurrency) {
      const next = this.#waiting.entries().next();
      if (next.done === true) return;
      const [key, repair] = next.value;
      this.#waiting.delete(key);
      this.#running += 1;
      repair()
        .catch((error: unknown) => this.log.warn('background repair failed', { key, error }))
        .finally(() => {
          this.#running -= 1;
          this.#pump();
        });
    }
  }
}
