// The items of a batch opened a bounded window ahead of the one being written, in index order
// (the order peers stream their parts in), so that a batch's memory does not grow with its size.
// Each opened item is charged to the target's budget of bytes in flight until its body closes (an
// item whose bytes are in memory: until it is taken); while the target is at or over that budget,
// only the item being written is opened.
import { MemoryBody } from '../../../util/streams/memory-body.js';
import { bytesOf, close, type OpenedItem } from './batch-items.js';
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
 * of the one taken, each once, in order. An opening may settle at once (a peer's part already in
 * memory): its outcome is kept as it is, with no promise made for it.
 */
export class ItemWindow {
  /** Items started so far. */
  #started = 0;
  /**
   * Per item started and not taken: its outcome once settled, else its opening. Made at their full
   * length and filled, so that every batch's arrays have one elements kind from the start: grown
   * from `[]` they were packed when every item settled at once and in order, holey otherwise, and
   * still of small integers when the first item was read before anything was stored; at each such
   * change the compiled `takeNow` was thrown away ("wrong map": docs/profiling.md, "## GetBatch",
   * "V8's recompiles").
   */
  readonly #outcomes: (Outcome | undefined)[];
  readonly #openings: (Promise<void> | undefined)[];
  /** Small items opened so far; -1 once one was not (the window stays narrow then). */
  #smallOpened = 0;

  constructor(
    private readonly open: (index: number) => OpenedItem | Promise<OpenedItem>,
    private readonly count: number,
    private readonly budget: BatchBudget,
  ) {
    this.#outcomes = new Array<Outcome | undefined>(count).fill(undefined);
    this.#openings = new Array<Promise<void> | undefined>(count).fill(undefined);
    this.#openAhead(-1);
  }

  /** The item's outcome (opened now if it was not yet); opens more ahead as the budget allows. */
  take(index: number): Promise<Outcome> {
    const outcome = this.takeNow(index);
    return outcome === undefined ? this.#takeLater(index) : Promise.resolve(outcome);
  }

  /**
   * As `take`, when the item's opening has settled: its outcome, with no promise (the designated
   * target takes a thousand small items a batch). Undefined: still opening (`take` waits for it).
   */
  takeNow(index: number): Outcome | undefined {
    while (this.#started <= index) this.#startNext();
    this.#openAhead(index);
    const outcome = this.#outcomes[index];
    if (outcome === undefined) return undefined;
    this.#outcomes[index] = undefined;
    this.#openings[index] = undefined;
    if ('opened' in outcome) this.budget.release(outcome.opened);
    return outcome;
  }

  async #takeLater(index: number): Promise<Outcome> {
    await this.#openings[index];
    return this.takeNow(index) as Outcome;
  }

  /** Item `index` was opened (or failed to be): taking it now does not wait. */
  isReady(index: number): boolean {
    return this.#outcomes[index] !== undefined;
  }

  /** Closes what was opened ahead and will not be taken. */
  async discard(): Promise<void> {
    for (let index = 0; index < this.#started; index += 1) {
      await this.#openings[index];
      const outcome = this.#outcomes[index];
      this.#outcomes[index] = undefined;
      if (outcome === undefined || !('opened' in outcome)) continue;
      this.budget.release(outcome.opened);
      close(outcome.opened);
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
    if (this.#started - (taken + 1) > width / 2) return;
    const end = Math.min(this.count, taken + 1 + width);
    while (this.#started < end && this.budget.available) this.#startNext();
  }

  /** Items start in index order: peers' streams are read in that order. */
  #startNext(): void {
    const index = this.#started;
    this.#started += 1;
    let opening: OpenedItem | Promise<OpenedItem>;
    try {
      opening = this.open(index);
    } catch (error) {
      this.#outcomes[index] = { error };
      return;
    }
    if (!(opening instanceof Promise)) {
      this.#opened(index, opening);
      return;
    }
    this.#openings[index] = opening.then(
      (opened) => this.#opened(index, opened),
      (error: unknown) => {
        this.#outcomes[index] = { error };
      },
    );
  }

  #opened(index: number, opened: OpenedItem): void {
    const small = isSmall(opened);
    if (this.#smallOpened >= 0) this.#smallOpened = small ? this.#smallOpened + 1 : -1;
    this.#outcomes[index] = { opened: this.budget.hold(opened) };
  }
}

/** In memory and at most `smallItemBytes`. */
function isSmall(opened: OpenedItem): boolean {
  if (opened.size > smallItemBytes) return false;
  return opened.body instanceof MemoryBody || bytesOf(opened) !== undefined;
}
