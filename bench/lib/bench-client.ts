// `cairn bench` as the suite's client for PUT and GET: runs it with `--json --quiet` and returns the
// figures of each operation, or the reason it could not run.
import type { BenchReport, OperationReport } from '../../src/cli/bench/index.js';
import { runCairn } from './processes.js';
import type { SizeCase } from './sizes.js';

export interface BenchRun {
  report: BenchReport;
  /** The operation's figures in a phase (`put` → PUT, `get` → GET). */
  operation(phase: 'put' | 'get'): OperationReport | undefined;
}

/** Runs `cairn bench ARGS --json --quiet`; throws with its error line when it fails. */
export async function runBenchClient(args: readonly string[]): Promise<BenchRun> {
  const result = await runCairn(['bench', ...args, '--json', '--quiet']);
  if (result.code !== 0) {
    const line = result.stderr.trim().split('\n').pop() ?? `exit code ${result.code}`;
    throw new Error(line.replace(/^Error: /, ''));
  }
  const report = JSON.parse(result.stdout) as BenchReport;
  return {
    report,
    operation: (phase) =>
      report.phases
        .find((candidate) => candidate.phase === phase)
        ?.operations.find((operation) => operation.operation === phase.toUpperCase()),
  };
}

/** The figure compared for `size` (ops/s or MiB/s); undefined when the phase had errors. */
export function figureOf(run: BenchRun, phase: 'put' | 'get', size: SizeCase): number | undefined {
  const operation = run.operation(phase);
  if (operation === undefined || operation.errors > 0) return undefined;
  return size.metric === 'ops' ? operation.opsPerSecond : operation.mibPerSecond;
}

/** `cairn bench` arguments for one size: the size, its concurrency, and the phase length. */
export function sizeArguments(size: SizeCase, seconds: number): string[] {
  return [
    '--size',
    size.label,
    '--concurrency',
    String(size.concurrency),
    '--duration',
    `${seconds}s`,
  ];
}
