// The figures behind the console's throughput and latency charts: every target's counters sampled
// when a page asks (at most one kept sample a second), turned into per-interval rows by the CLI's
// `show performance` views and kept as a bounded, cluster-wide history shared by every page.
import {
  latencyRows,
  throughputRows,
  type LatencyRow,
  type PerformanceSample,
  type ThroughputRow,
} from '../cli/views/performance-views.js';
import type { PerformancePoint } from './web/console-json.js';

/** Samples closer than this to the last kept one answer rows but are not kept. */
const minIntervalMs = 1000;

/** Points kept: a few minutes of a page refreshing every two seconds. */
const maxPoints = 150;

export interface IntervalRows {
  throughput: ThroughputRow[];
  latency: LatencyRow[];
}

export class PerformanceHistory {
  #last: PerformanceSample | undefined;
  readonly #points: PerformancePoint[] = [];

  /** Adds a sample; answers the rows of the interval since the last kept one (none for the first). */
  add(sample: PerformanceSample): IntervalRows | undefined {
    const previous = this.#last;
    if (previous === undefined || sample.atMs < previous.atMs) {
      this.#last = sample;
      return undefined;
    }
    const rows = {
      throughput: throughputRows(previous, sample),
      latency: latencyRows(previous, sample),
    };
    if (sample.atMs - previous.atMs >= minIntervalMs) {
      this.#last = sample;
      this.#points.push(pointOf(sample.atMs, rows));
      if (this.#points.length > maxPoints) this.#points.shift();
    }
    return rows;
  }

  get points(): readonly PerformancePoint[] {
    return this.#points;
  }
}

/** The targets' rows added up; latencies weighted by each target's request count. */
function pointOf(atMs: number, rows: IntervalRows): PerformancePoint {
  const sum = (values: number[]): number => values.reduce((total, value) => total + value, 0);
  const mean = (pairs: [number, number | null][]): number | null => {
    const count = sum(pairs.map(([n]) => n));
    return count === 0 ? null : sum(pairs.map(([n, ms]) => n * (ms ?? 0))) / count;
  };
  return {
    atMs,
    getsPerSecond: sum(rows.throughput.map((row) => row.getsPerSecond)),
    putsPerSecond: sum(rows.throughput.map((row) => row.putsPerSecond)),
    getBytesPerSecond: sum(rows.throughput.map((row) => row.getBytesPerSecond)),
    putBytesPerSecond: sum(rows.throughput.map((row) => row.putBytesPerSecond)),
    getMs: mean(rows.latency.map((row) => [row.gets, row.getMs])),
    putMs: mean(rows.latency.map((row) => [row.puts, row.putMs])),
  };
}
