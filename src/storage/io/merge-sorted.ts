// Merges async sources that are each sorted by a string key into one sorted stream (listing
// across mountpaths, and hashed names into the natural walk).
import { invariant } from '../../util/assert.js';

/**
 * Yields the items of all `sources` in ascending key order. Items with equal keys come out
 * together, in source order. Sources are few (mountpaths), so a linear scan beats a heap.
 * Stopping early returns every source, releasing their resources.
 */
export async function* mergeSorted<T>(
  sources: ReadonlyArray<AsyncIterable<T>>,
  keyOf: (item: T) => string,
): AsyncGenerator<T> {
  const iterators = sources.map((source) => source[Symbol.asyncIterator]());
  try {
    const heads = await Promise.all(iterators.map((iterator) => iterator.next()));
    for (;;) {
      let best = -1;
      let bestKey = '';
      heads.forEach((head, index) => {
        if (head.done === true) return;
        const key = keyOf(head.value);
        if (best === -1 || key < bestKey) {
          best = index;
          bestKey = key;
        }
      });
      if (best === -1) return;
      const head = heads[best];
      const iterator = iterators[best];
      invariant(head !== undefined && head.done !== true && iterator !== undefined, 'merge head');
      yield head.value;
      heads[best] = await iterator.next();
    }
  } finally {
    await Promise.all(
      iterators.map(async (iterator) => {
        await iterator.return?.();
      }),
    );
  }
}

/** An already-sorted array as an async source. */
export async function* fromSortedArray<T>(items: readonly T[]): AsyncGenerator<T> {
  await Promise.resolve();
  yield* items;
}

/**
 * Merges sources that each yield sorted runs (ascending across runs too) into sorted runs. A
 * source is resumed only when its run is used up, so the per-item work is a comparison, not an
 * await. Each output run holds every item not beyond the frontier (the smallest last key among the
 * sources' current runs), so items with equal keys still come out adjacent, in source order.
 */
export async function* mergeSortedRuns<T>(
  sources: ReadonlyArray<AsyncIterable<readonly T[]>>,
  keyOf: (item: T) => string,
): AsyncGenerator<T[]> {
  const iterators = sources.map((source) => source[Symbol.asyncIterator]());
  // Every source is refilled before the first use. Not an empty array literal meanwhile: its
  // elements kind (small integers) differs from a run's, and the merge deoptimized on it.
  const runs: Array<readonly T[] | undefined> = iterators.map(() => undefined);
  const positions = iterators.map(() => 0);
  const refill = async (index: number): Promise<void> => {
    const iterator = iterators[index];
    invariant(iterator !== undefined, 'merge source');
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) {
        runs[index] = undefined;
        return;
      }
      if (next.value.length > 0) {
        runs[index] = next.value;
        positions[index] = 0;
        return;
      }
    }
  };
  try {
    await Promise.all(iterators.map((_, index) => refill(index)));
    for (;;) {
      let frontier: string | undefined;
      for (const run of runs) {
        if (run === undefined) continue;
        const last = keyOf(run[run.length - 1] as T);
        if (frontier === undefined || last < frontier) frontier = last;
      }
      if (frontier === undefined) return;
      yield takeUpTo(runs, positions, frontier, keyOf);
      // Only the sources whose run was used up are resumed, together.
      const emptied = runs.flatMap((run, index) =>
        run !== undefined && positions[index] === run.length ? [index] : [],
      );
      await Promise.all(emptied.map(refill));
    }
  } finally {
    await Promise.all(
      iterators.map(async (iterator) => {
        await iterator.return?.();
      }),
    );
  }
}

/** Moves every item with key <= `frontier` out of the runs, in order (a linear k-way merge). */
function takeUpTo<T>(
  runs: Array<readonly T[] | undefined>,
  positions: number[],
  frontier: string,
  keyOf: (item: T) => string,
): T[] {
  const merged: T[] = [];
  for (;;) {
    let best = -1;
    let bestKey = '';
    for (let index = 0; index < runs.length; index += 1) {
      const run = runs[index];
      const position = positions[index] ?? 0;
      if (run === undefined || position >= run.length) continue;
      const key = keyOf(run[position] as T);
      if (key > frontier) continue;
      if (best === -1 || key < bestKey) {
        best = index;
        bestKey = key;
      }
    }
    if (best === -1) return merged;
    const run = runs[best] as readonly T[];
    const position = positions[best] ?? 0;
    merged.push(run[position] as T);
    positions[best] = position + 1;
  }
}
