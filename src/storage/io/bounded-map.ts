// Runs an async function over items with a fixed number in flight (listing reads metadata of a
// page's objects in parallel without opening thousands of files at once).
import { invariant } from '../../util/assert.js';

/** Like `Promise.all(items.map(action))`, with at most `concurrency` actions running. */
export async function mapBounded<T, R>(
  items: readonly T[],
  concurrency: number,
  action: (item: T) => Promise<R>,
): Promise<R[]> {
  invariant(concurrency > 0, 'concurrency must be positive');
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < items.length; index = next++) {
      results[index] = await action(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
