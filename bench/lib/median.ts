// The median the benches report over their rounds (the upper middle value of an even count, so
// that it is always a figure one round measured); NaN when there were none.
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** The median of rounds' figures; undefined when a round had none (it failed): no figure then. */
export function medianOf(values: ReadonlyArray<number | undefined>): number | undefined {
  const figures = values.filter((value): value is number => value !== undefined);
  return figures.length === values.length && figures.length > 0 ? median(figures) : undefined;
}
