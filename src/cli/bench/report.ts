// The final report of a run: one row per phase and operation with operations/s, MiB/s, errors and
// latency percentiles, as a table for people or as JSON for scripts (the benchmark suite).
import { formatBytes } from '../../util/bytes.js';
import { formatTable, type Column } from '../table.js';
import type { BenchApi, SizeRange } from './bench-options.js';
import type { ErrorSummary, OperationName, OperationStats } from './operation-stats.js';
import type { PhaseRun } from './workload.js';

/** Latency figures in milliseconds. */
export interface LatencyReport {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface OperationReport {
  operation: OperationName;
  /** Successful operations. */
  count: number;
  errors: number;
  bytes: number;
  opsPerSecond: number;
  mibPerSecond: number;
  latencyMs: LatencyReport;
}

export interface PhaseReport {
  phase: string;
  durationSeconds: number;
  /** Why the phase ended before its limit (`interrupted`, `100 errors`), if it did. */
  stoppedEarly?: string;
  operations: OperationReport[];
}

/** The JSON report (`--json`); the table shows the same figures. */
export interface BenchReport {
  api: BenchApi;
  target: string;
  concurrency: number;
  objectSize: SizeRange;
  phases: PhaseReport[];
  totalErrors: number;
  errors: ErrorSummary[];
}

const mebibyte = 1024 * 1024;

/** Rounds to 3 significant decimals without losing large values. */
function round(value: number, decimals = 3): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

export function operationReport(
  operation: OperationName,
  stats: OperationStats,
  elapsedMs: number,
): OperationReport {
  const seconds = Math.max(elapsedMs, 1) / 1000;
  const milliseconds = (microseconds: number): number => round(microseconds / 1000);
  return {
    operation,
    count: stats.count,
    errors: stats.errors,
    bytes: stats.bytes,
    opsPerSecond: round(stats.count / seconds, 1),
    mibPerSecond: round(stats.bytes / mebibyte / seconds, 2),
    latencyMs: {
      p50: milliseconds(stats.latency.percentile(50)),
      p90: milliseconds(stats.latency.percentile(90)),
      p99: milliseconds(stats.latency.percentile(99)),
      max: milliseconds(stats.latency.max),
      mean: milliseconds(stats.latency.mean),
    },
  };
}

export function phaseReport(phase: PhaseRun): PhaseReport {
  const elapsedMs = phase.elapsedMs;
  const order: OperationName[] = ['PUT', 'GET'];
  const operations = order.flatMap((operation) => {
    const stats = phase.operations.get(operation);
    return stats === undefined ? [] : [operationReport(operation, stats, elapsedMs)];
  });
  return {
    phase: phase.kind,
    durationSeconds: round(elapsedMs / 1000),
    ...(phase.stoppedEarly === undefined ? {} : { stoppedEarly: phase.stoppedEarly }),
    operations,
  };
}

const columns: Column[] = [
  { header: 'PHASE' },
  { header: 'OP' },
  { header: 'OPS', alignRight: true },
  { header: 'OPS/S', alignRight: true },
  { header: 'MIB/S', alignRight: true },
  { header: 'ERRORS', alignRight: true },
  { header: 'P50 MS', alignRight: true },
  { header: 'P90 MS', alignRight: true },
  { header: 'P99 MS', alignRight: true },
  { header: 'MAX MS', alignRight: true },
];

/** The report as lines of text: a header line, the table, then errors if any. */
export function formatReport(report: BenchReport): string[] {
  const { minBytes, maxBytes } = report.objectSize;
  const size =
    minBytes === maxBytes
      ? formatBytes(minBytes)
      : `${formatBytes(minBytes)}-${formatBytes(maxBytes)}`;
  const lines = [`${report.target}: ${report.concurrency} workers, objects of ${size}`];
  const rows = report.phases.flatMap((phase) =>
    phase.operations.map((operation) => [
      `${phase.phase} ${phase.durationSeconds.toFixed(1)}s`,
      operation.operation,
      String(operation.count),
      operation.opsPerSecond.toFixed(1),
      operation.mibPerSecond.toFixed(2),
      String(operation.errors),
      operation.latencyMs.p50.toFixed(2),
      operation.latencyMs.p90.toFixed(2),
      operation.latencyMs.p99.toFixed(2),
      operation.latencyMs.max.toFixed(2),
    ]),
  );
  lines.push(...formatTable(columns, rows));
  for (const phase of report.phases) {
    if (phase.stoppedEarly !== undefined)
      lines.push(`${phase.phase} phase stopped early: ${phase.stoppedEarly}`);
  }
  for (const error of report.errors) {
    lines.push(`${error.operation} error (${error.count}x): ${error.message}`);
  }
  return lines;
}
