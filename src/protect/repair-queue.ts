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
  readonly #running = new Set<string>();

  constructor(
    private readonly limits: RepairQueueLimits,
    private readonly log: Logger,
  ) {}

  /** Queues `repair` under `key` unless one is already queued or running. */
  add(key: string, repair: () => Promise<unknown>): void {
    if (this.#waiting.has(key) || this.#running.has(key)) return;
    if (this.#waiting.size >= this.limits.maxQueued) return;
    this.#waiting.set(key, repair);
    this.#pump();
  }

  get pending(): number {
    return this.#waiting.size + this.#running.size;
  }

  #pump(): void {
    while (this.#running.size < this.limits.concurrency) {
      const next = this.#waiting.entries().next();
      if (next.done === true) return;
      const [key, repair] = next.value;
      this.#waiting.delete(key);
      this.#running.add(key);
      repair()
        .catch((error: unknown) => this.log.warn('background repair failed', { key, error }))
        .finally(() => {
          this.#running.delete(key);
          this.#pump();
        });
    }
  }
}
