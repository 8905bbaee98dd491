// The object sizes the load benchmarks measure, and how hard each is pushed. Durations can be
// shortened for a quick look with BENCH_SECONDS (default 4 s per phase).
export interface SizeCase {
  label: string;
  bytes: number;
  /** Requests in flight: fewer for huge objects, where more only queue. */
  concurrency: number;
  /** The figure compared for this size: requests/s for small objects, MiB/s for large. */
  metric: 'ops' | 'mib';
}

export const sizeCases: readonly SizeCase[] = [
  { label: '4KiB', bytes: 4096, concurrency: 16, metric: 'ops' },
  { label: '1MiB', bytes: 1024 ** 2, concurrency: 16, metric: 'mib' },
  { label: '64MiB', bytes: 64 * 1024 ** 2, concurrency: 8, metric: 'mib' },
];

export const phaseSeconds = Number(process.env['BENCH_SECONDS'] ?? 4);

export function unitOf(size: SizeCase): string {
  return size.metric === 'ops' ? 'ops/s' : 'MiB/s';
}
