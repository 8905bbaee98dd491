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
