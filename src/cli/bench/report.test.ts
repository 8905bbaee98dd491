// Unit tests of the report: figures computed from counters, the table layout, and JSON shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorLog, OperationStats } from './operation-stats.js';
import { formatReport, operationReport, type BenchReport } from './report.js';
import { progressText } from './progress-line.js';
import { PhaseRun } from './workload.js';

function stats(count: number, bytesEach: number, latencyMicroseconds: number): OperationStats {
  const result = new OperationStats();
  for (let index = 0; index < count; index += 1) {
    result.recordSuccess(bytesEach, latencyMicroseconds);
  }
  return result;
}

test('rates are per second of the phase; latencies in milliseconds', () => {
  const report = operationReport('PUT', stats(200, 1024 * 1024, 25_000), 2000);
  assert.equal(report.count, 200);
  assert.equal(report.opsPerSecond, 100);
  assert.equal(report.mibPerSecond, 100);
  assert.equal(report.latencyMs.p50, 25);
  assert.equal(report.latencyMs.max, 25);
  assert.equal(report.errors, 0);
});

test('the table has one row per phase and operation, then the errors', () => {
  const report: BenchReport = {
    api: 'native',
    target: 'native API at http://127.0.0.1:8080 (direct to targets), bucket ais://bench',
    concurrency: 16,
    objectSize: { minBytes: 4096, maxBytes: 1048576 },
    phases: [
      {
        phase: 'put',
        durationSeconds: 5.01,
        operations: [operationReport('PUT', stats(10, 4096, 1500), 5010)],
      },
      {
        phase: 'mixed',
        durationSeconds: 2,
        stoppedEarly: '100 errors',
        operations: [
          operationReport('PUT', stats(4, 4096, 1000), 2000),
          { ...operationReport('GET', stats(6, 4096, 2000), 2000), errors: 100 },
        ],
      },
    ],
    totalErrors: 100,
    errors: [{ operation: 'GET', message: 'GET ais://bench/x: 404 not found', count: 100 }],
  };
  const lines = formatReport(report);
  assert.equal(lines[0], `${report.target}: 16 workers, objects of 4.00KiB-1.00MiB`);
  assert.match(
    lines[1] ?? '',
    /^PHASE\s+OP\s+OPS\s+OPS\/S\s+MIB\/S\s+ERRORS\s+P50 MS\s+P90 MS\s+P99 MS\s+MAX MS$/,
  );
  assert.match(
    lines[2] ?? '',
    /^put 5\.0s\s+PUT\s+10\s+2\.0\s+0\.01\s+0\s+1\.50\s+1\.50\s+1\.50\s+1\.50$/,
  );
  assert.match(lines[4] ?? '', /^mixed 2\.0s\s+GET\s+6\s+3\.0\s+0\.01\s+100\s+2\.00/);
  assert.equal(lines[5], 'mixed phase stopped early: 100 errors');
  assert.equal(lines[6], 'GET error (100x): GET ais://bench/x: 404 not found');
  // Columns line up: every row as wide as the header (right-aligned numbers).
  assert.equal(lines[2]?.length, lines[1]?.length);
});

test('the error log keeps distinct messages up to its limit and counts the rest', () => {
  const log = new ErrorLog(2);
  log.add('PUT', 'a');
  log.add('PUT', 'a');
  log.add('GET', 'b');
  log.add('GET', 'c');
  assert.equal(log.total, 4);
  assert.equal(log.dropped, 1);
  assert.deepEqual(log.summaries(), [
    { operation: 'PUT', message: 'a', count: 2 },
    { operation: 'GET', message: 'b', count: 1 },
  ]);
});

test('the progress line shows the running phase', () => {
  const phase = new PhaseRun('put');
  phase.stats('PUT').recordSuccess(1024 * 1024, 1000);
  phase.stats('PUT').errors = 2;
  assert.match(
    progressText(phase),
    /^put {2}\d+\.\ds {2}1 ops {2}[\d.]+ ops\/s {2}[\d.]+ MiB\/s {2}2 errors$/,
  );
});
