// The items of a batch opened a bounded window ahead of the one being written, in index order
// (the order peers stream their parts in), so that a batch's memory does not grow with its size.
import { close, type OpenedItem } from './batch-items.js';

/**
 * Items opened ahead of the one being written. Each holds an open file or a place in a peer's
 * stream (bounded by its socket buffers).
 */
export const batchItemsInFlight = 16;

export type Outcome = { opened: OpenedItem } | { error: unknown };

/** Items `0..count-1` opened `batchItemsInFlight` ahead of the one taken, each once, in order. */
export class ItemWindow {
  readonly #openings: (Promise<Outcome> | undefined)[] = [];

  constructor(
    private readonly open: (index: number) => Promise<OpenedItem>,
    private readonly count: number,
  ) {
    for (let index = 0; index < batchItemsInFlight; index += 1) this.#start(index);
  }

  /** The item's outcome; opens the one a window ahead. */
  async take(index: number): Promise<Outcome> {
    this.#start(index);
    this.#start(index + batchItemsInFlight);
    const outcome = (await this.#openings[index]) as Outcome;
    this.#openings[index] = undefined;
    return outcome;
  }

  /** Closes what was opened ahead and will not be taken. */
  async discard(): Promise<void> {
    for (const opening of this.#openings) {
      const outcome = await opening;
      if (outcome !== undefined && 'opened' in outcome) close(outcome.opened);
    }
  }

  #start(index: number): void {
    if (index >= this.count || index in this.#openings) return;
    // Every item below `index` is started first: peers' streams are read in index order.
    for (let below = this.#openings.length; below < index; below += 1) this.#start(below);
    this.#openings[index] = this.open(index).then(
      (opened) => ({ opened }),
      (error: unknown) => ({ error }),
    );
  }
}
