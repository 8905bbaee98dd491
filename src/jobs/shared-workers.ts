// A bounded pool of workers that share one stream of items: each `next()` hands an item to exactly
// one worker, so at most `workers` items are in flight and the stream is read only as fast as they
// are done. The first failure stops every worker (between items) and is what the pool throws.

/**
 * Runs `visit` on every item of `items` with `workers` of them in flight, stopping between items
 * once `signal` is aborted (then it returns without an error). Throws the first failure, after
 * the items already in flight have settled.
 */
export async function forEachShared<T>(
  items: AsyncIterator<T>,
  workers: number,
  signal: AbortSignal,
  visit: (item: T) => Promise<void>,
): Promise<void> {
  const failure = new AbortController();
  const work = async (): Promise<void> => {
    for (;;) {
      if (signal.aborted || failure.signal.aborted) return;
      const next = await items.next();
      if (next.done === true) return;
      try {
        await visit(next.value);
      } catch (error) {
        if (!failure.signal.aborted) failure.abort(error);
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, workers) }, work));
  if (failure.signal.aborted && !signal.aborted) throw failure.signal.reason;
}
