// The least recently used objects whose sizes add up to what must be freed, chosen in one pass
// over any number of candidates with memory for the chosen ones only: a max-heap on access time
// drops the newest candidate whenever the older ones already free enough.

/** What the selection orders and adds up. */
export interface Selectable {
  readonly atimeNs: bigint;
  /** Bytes its eviction frees on the selection's file system. */
  readonly size: number;
}

export class LruSelection<T extends Selectable = Selectable> {
  readonly #heap: T[] = [];
  #bytes = 0;

  /** `bytesToFree` > 0: the selection keeps the oldest candidates that free at least this. */
  constructor(readonly bytesToFree: number) {}

  add(candidate: T): void {
    this.#push(candidate);
    this.#bytes += candidate.size;
    // The newest goes while the rest still frees enough without it.
    for (;;) {
      const newest = this.#heap[0];
      if (newest === undefined || this.#bytes - newest.size < this.bytesToFree) break;
      this.#pop();
      this.#bytes -= newest.size;
    }
  }

  /** Chosen bytes (may fall short of `bytesToFree` when the candidates were too few). */
  get bytes(): number {
    return this.#bytes;
  }

  /** The chosen candidates, least recently used first. */
  oldestFirst(): T[] {
    return [...this.#heap].sort((a, b) =>
      a.atimeNs < b.atimeNs ? -1 : a.atimeNs > b.atimeNs ? 1 : 0,
    );
  }

  #push(candidate: T): void {
    const heap = this.#heap;
    heap.push(candidate);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (heap[parent]!.atimeNs >= heap[index]!.atimeNs) break;
      [heap[parent], heap[index]] = [heap[index]!, heap[parent]!];
      index = parent;
    }
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop();
    if (last === undefined || heap.length === 0) return;
    heap[0] = last;
    let index = 0;
    for (;;) {
      const left = index * 2 + 1;
      const right = left + 1;
      let largest = index;
      if (left < heap.length && heap[left]!.atimeNs > heap[largest]!.atimeNs) largest = left;
      if (right < heap.length && heap[right]!.atimeNs > heap[largest]!.atimeNs) largest = right;
      if (largest === index) return;
      [heap[largest], heap[index]] = [heap[index]!, heap[largest]!];
      index = largest;
    }
  }
}
