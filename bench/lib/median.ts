// The median the benches report over their rounds (the upper middle value of an even count, so
// that it is always a figure one round measured); NaN when there were none.
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}
