// The views of `cairn show performance`, computed from every target's `node_status` (AIStore's
// `ais performance`): counters since start; throughput and mean latency over the interval between
// two samples; capacity per target. Pure functions of the samples, so the tests can check them.
import type { NodeStatusJson } from '../../sdk/index.js';
import { formatBytes } from '../../util/bytes.js';
import { tableLines, type TableCells } from '../table.js';

/** Every target's status, and when it was read. */
export interface PerformanceSample {
  atMs: number;
  targets: Record<string, NodeStatusJson>;
}

export interface ThroughputRow {
  target: string;
  intervalSeconds: number;
  /** Requests and bytes in the interval. */
  gets: number;
  getBytes: number;
  puts: number;
  putBytes: number;
  errors: number;
  getsPerSecond: number;
  getBytesPerSecond: number;
  putsPerSecond: number;
  putBytesPerSecond: number;
  errorsPerSecond: number;
}

export interface LatencyRow {
  target: string;
  intervalSeconds: number;
  gets: number;
  puts: number;
  lists: number;
  /** Mean time of the interval's requests, milliseconds; null when there were none. */
  getMs: number | null;
  putMs: number | null;
  listMs: number | null;
}

export interface CapacityRow {
  target: string;
  mountpaths: number;
  usedBytes: number;
  availableBytes: number;
  totalBytes: number;
  /** Used of used + available, percent (file systems shared by mountpaths counted once). */
  usedPercent: number;
}

function counter(status: NodeStatusJson | undefined, name: string): number {
  return Number(status?.tracker[name]?.v ?? 0);
}

function errorsOf(status: NodeStatusJson | undefined): number {
  if (status === undefined) return 0;
  return Object.entries(status.tracker)
    .filter(([name]) => name.startsWith('err.'))
    .reduce((sum, [, item]) => sum + Number(item.v), 0);
}

/** Targets of `current`, sorted; a target new since `previous` counts from zero. */
function pairs(
  previous: PerformanceSample,
  current: PerformanceSample,
): [string, NodeStatusJson | undefined, NodeStatusJson][] {
  return Object.entries(current.targets)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([id, status]) => [id, previous.targets[id], status]);
}

export function throughputRows(
  previous: PerformanceSample,
  current: PerformanceSample,
): ThroughputRow[] {
  const seconds = Math.max(0.001, (current.atMs - previous.atMs) / 1000);
  return pairs(previous, current).map(([target, before, now]) => {
    const delta = (name: string): number => Math.max(0, counter(now, name) - counter(before, name));
    const gets = delta('get.n');
    const getBytes = delta('get.size');
    const puts = delta('put.n');
    const putBytes = delta('put.size');
    const errors = Math.max(0, errorsOf(now) - errorsOf(before));
    return {
      target,
      intervalSeconds: seconds,
      gets,
      getBytes,
      puts,
      putBytes,
      errors,
      getsPerSecond: gets / seconds,
      getBytesPerSecond: getBytes / seconds,
      putsPerSecond: puts / seconds,
      putBytesPerSecond: putBytes / seconds,
      errorsPerSecond: errors / seconds,
    };
  });
}

export function latencyRows(previous: PerformanceSample, current: PerformanceSample): LatencyRow[] {
  const seconds = Math.max(0.001, (current.atMs - previous.atMs) / 1000);
  return pairs(previous, current).map(([target, before, now]) => {
    const delta = (name: string): number => Math.max(0, counter(now, name) - counter(before, name));
    // Only successful (and 404) requests are timed: the mean divides by those.
    const mean = (operation: string): { count: number; ms: number | null } => {
      const count = delta(`${operation}.n`) - delta(`err.${operation}.n`);
      const time = delta(`${operation}.ns.total`);
      return { count, ms: count > 0 ? time / count / 1e6 : null };
    };
    const get = mean('get');
    const put = mean('put');
    const list = mean('lst');
    return {
      target,
      intervalSeconds: seconds,
      gets: get.count,
      puts: put.count,
      lists: list.count,
      getMs: get.ms,
      putMs: put.ms,
      listMs: list.ms,
    };
  });
}

export function capacityRows(sample: PerformanceSample): CapacityRow[] {
  return Object.entries(sample.targets)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([target, status]) => {
      const byFilesystem = new Map(
        status.mountpath_capacity.map((entry) => [entry.filesystem || entry.mountpath, entry]),
      );
      const used = [...byFilesystem.values()].reduce((sum, entry) => sum + entry.used_bytes, 0);
      const available = [...byFilesystem.values()].reduce(
        (sum, entry) => sum + entry.available_bytes,
        0,
      );
      const total = [...byFilesystem.values()].reduce((sum, entry) => sum + entry.total_bytes, 0);
      return {
        target,
        mountpaths: status.mountpath_capacity.length,
        usedBytes: used,
        availableBytes: available,
        totalBytes: total,
        usedPercent:
          used + available === 0 ? 0 : Math.round((used * 1000) / (used + available)) / 10,
      };
    });
}

const right = (header: string): { header: string; alignRight: boolean } => ({
  header,
  alignRight: true,
});

export function throughputTable(rows: readonly ThroughputRow[]): string[] {
  return tableLines(throughputCells(rows));
}

export function throughputCells(rows: readonly ThroughputRow[]): TableCells {
  return {
    columns: [
      { header: 'TARGET' },
      ...['GET/S', 'GET B/S', 'PUT/S', 'PUT B/S', 'ERR/S', 'INTERVAL'].map(right),
    ],
    rows: rows.map((row) => [
      row.target,
      row.getsPerSecond.toFixed(1),
      `${formatBytes(row.getBytesPerSecond)}/s`,
      row.putsPerSecond.toFixed(1),
      `${formatBytes(row.putBytesPerSecond)}/s`,
      row.errorsPerSecond.toFixed(1),
      `${row.intervalSeconds.toFixed(1)}s`,
    ]),
  };
}

export function latencyTable(rows: readonly LatencyRow[]): string[] {
  return tableLines(latencyCells(rows));
}

export function latencyCells(rows: readonly LatencyRow[]): TableCells {
  const ms = (value: number | null): string => (value === null ? '-' : `${value.toFixed(2)}ms`);
  return {
    columns: [{ header: 'TARGET' }, ...['GET', 'GETS', 'PUT', 'PUTS', 'LIST', 'LISTS'].map(right)],
    rows: rows.map((row) => [
      row.target,
      ms(row.getMs),
      String(row.gets),
      ms(row.putMs),
      String(row.puts),
      ms(row.listMs),
      String(row.lists),
    ]),
  };
}

export function capacityTable(rows: readonly CapacityRow[]): string[] {
  return tableLines(capacityCells(rows));
}

export function capacityCells(rows: readonly CapacityRow[]): TableCells {
  return {
    columns: [{ header: 'TARGET' }, ...['MOUNTPATHS', 'USED', 'AVAIL', 'TOTAL', 'USE%'].map(right)],
    rows: rows.map((row) => [
      row.target,
      String(row.mountpaths),
      formatBytes(row.usedBytes),
      formatBytes(row.availableBytes),
      formatBytes(row.totalBytes),
      `${row.usedPercent.toFixed(1)}%`,
    ]),
  };
}
