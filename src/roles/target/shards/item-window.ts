// The items of a batch opened a bounded window ahead of the one being written, in index order
// (the order peers stream their parts in), so that a batch's memory does not grow with its size.
// Each opened item is charged to the target's budget of bytes in flight until its body closes;
// while the target is at or over that budget, only the item being written is opened.
import { MemoryBody } from '../../../util/streams/memory-body.js';
import { close, type OpenedItem } from './batch-items.js';
import type { BatchBudget } from './batch-budget.js';

/**
 * Items opened ahead of the one being written. Each holds an open file or a place in a peer's
 * stream (bounded by its socket buffers).
 */
export const batchItemsInFlight = 16;

/**
 * Items a GetBatch or the archive job opens ahead (here and on the peers serving its parts) once
 * its first `batchItemsInFlight` items, and every one since, were small and read whole into memory
 * (no open file, no stream held): the openings of a turn are then 32, not 8, and share fewer
 * thread-pool jobs and turns (-9 to -24% node CPU per 4 KiB object, bench/RESULTS.md, shards6). On
 * a GetBatch's designated target only a third of the items are its own: the narrow window made a
 * thread-pool job of about 3 reads, whose hand-offs were a fifth of its profile (docs/profiling.md).
 * The first item that is not small narrows the window back to `batchItemsInFlight` for the rest.
 */
export const smallItemsInFlight = 64;

/** What counts as small for `smallItemsInFlight`: at most this many bytes, in memory. */
export const smallItemBytes = 64 * 1024;

export type Outcome = { opened: OpenedItem } | { error: unknown };

/**
 * Items `0..count-1` opened up to `batchItemsInFlight` (small ones: `smallItemsInFlight`) ahead
 * of the one taken, each once, in order.
 */
export class ItemWindow {
  readonly #openings: (Promise<Outcome> | undefined)[] = [];
  /** Per item started: its opening has settled (taking it will not wait). */
  readonly #settled: boolean[] = [];
  /** Small items opened so far; -1 once one was not (the window stays narrow then). */
  #smallOpened = 0;

  constructor(
    private readonly open: (index: number) => Promise<OpenedItem>,
    private readonly count: number,
    private readonly budget: BatchBudget,
  ) {
    this.#openAhead(-1);
  }

  /** The item's outcome (opened now if it was not yet); opens more ahead as the budget allows. */
  async take(index: number): Promise<Outcome> {
    while (this.#openings.length <= index) this.#startNext();
    this.#openAhead(index);
    const outcome = (await this.#openings[index]) as Outcome;
    this.#openings[index] = undefined;
    return outcome;
  }

  /** Item `index` was opened (or failed to be): taking it now does not wait. */
  isReady(index: number): boolean {
    return this.#settled[index] === true;
  }

  /** Closes what was opened ahead and will not be taken. */
  async discard(): Promise<void> {
    for (const opening of this.#openings) {
      const outcome = await opening;
      if (outcome !== undefined && 'opened' in outcome) close(outcome.opened);
    }
  }

  /**
   * Refills the window once half of it is taken, not one item per item taken: the openings then
   * start in one turn, and their store reads share the thread-pool jobs of that turn (fs-batch.ts)
   * where one opening a turn paid a job (a pool thread's wake-up and the loop's) each.
   */
  #openAhead(taken: number): void {
    const wide = this.#smallOpened >= batchItemsInFlight;
    const width = wide ? smallItemsInFlight : batchItemsInFlight;
    if (this.#openings.length - (taken + 1) > width / 2) return;
    const end = Math.min(this.count, taken + 1 + width);
    while (this.#openings.length < end && this.budget.available) this.#startNext();
  }

  /** Items start in index order: peers' streams are read in that order. */
  #startNext(): void {
    const index = this.#openings.length;
    this.#openings.push(
      this.open(index).then(
        (opened) => {
          this.#settled[index] = true;
          const small = opened.body instanceof MemoryBody && opened.size <= smallItemBytes;
          if (this.#smallOpened >= 0) this.#smallOpened = small ? this.#smallOpened + 1 : -1;
          return { opened: this.budget.hold(opened) };
        },
        (error: unknown) => {
          this.#settled[index] = true;
          return { error };
        },
      ),
    );
  }
}
