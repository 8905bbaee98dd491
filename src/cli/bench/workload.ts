// One phase of a run: `concurrency` workers issue PUTs and GETs back to back until the phase's
// limit (time, bytes, one pass over the name space, too many errors, or an interrupt).
import { performance } from 'node:perf_hooks';
import { errorLine } from '../cli-errors.js';
import type { BenchPlan, PhaseKind } from './bench-options.js';
import type { BenchDriver } from './drivers/index.js';
import type { NameSource, ObjectSet } from './object-set.js';
import type { ErrorLog } from './operation-stats.js';
import { OperationStats, type OperationName } from './operation-stats.js';
import { objectSize, PayloadVerifier } from './payload.js';

/** What a phase shares with the rest of the run. */
export interface PhaseInputs {
  plan: BenchPlan;
  driver: BenchDriver;
  names: NameSource;
  objects: ObjectSet;
  errors: ErrorLog;
  /** Aborted on Ctrl-C: workers finish their request and stop. */
  signal: AbortSignal;
}

/** A phase in progress or finished. */
export class PhaseRun {
  readonly kind: PhaseKind;
  readonly operations = new Map<OperationName, OperationStats>();
  readonly startedAt = performance.now();
  endedAt: number | undefined;
  /** Why the phase ended before its limit, if it did. */
  stoppedEarly: string | undefined;
  /** Operations started (successful or not) and bytes they carry. */
  issued = 0;
  issuedBytes = 0;

  constructor(kind: PhaseKind) {
    this.kind = kind;
  }

  stats(operation: OperationName): OperationStats {
    let stats = this.operations.get(operation);
    if (stats === undefined) {
      stats = new OperationStats();
      this.operations.set(operation, stats);
    }
    return stats;
  }

  get elapsedMs(): number {
    return (this.endedAt ?? performance.now()) - this.startedAt;
  }

  get errors(): number {
    let errors = 0;
    for (const stats of this.operations.values()) errors += stats.errors;
    return errors;
  }
}

/** Runs one phase to its end; `onStart` receives it at once (for the progress line). */
export async function runPhase(
  kind: PhaseKind,
  inputs: PhaseInputs,
  onStart: (phase: PhaseRun) => void,
): Promise<PhaseRun> {
  const { plan, objects } = inputs;
  const phase = new PhaseRun(kind);
  onStart(phase);
  const deadline = plan.durationMs === undefined ? Infinity : phase.startedAt + plan.durationMs;
  // Without a time or byte limit, a phase makes one pass over the name space (or what exists).
  const onePass =
    plan.durationMs === undefined && plan.totalBytes === undefined
      ? kind === 'get'
        ? objects.size
        : (plan.objects ?? objects.size)
      : Infinity;
  const finished = (): boolean => {
    if (inputs.signal.aborted) phase.stoppedEarly ??= 'interrupted';
    if (phase.errors >= plan.maxErrors) phase.stoppedEarly ??= `${phase.errors} errors`;
    return (
      phase.stoppedEarly !== undefined ||
      performance.now() >= deadline ||
      phase.issued >= onePass ||
      phase.issuedBytes >= (plan.totalBytes ?? Infinity)
    );
  };
  const worker = async (): Promise<void> => {
    while (!finished()) await runOperation(phase, inputs);
  };
  await Promise.all(Array.from({ length: plan.concurrency }, worker));
  phase.endedAt = performance.now();
  return phase;
}

async function runOperation(phase: PhaseRun, inputs: PhaseInputs): Promise<void> {
  const { plan, driver, objects } = inputs;
  const wantsRead =
    phase.kind === 'get' || (phase.kind === 'mixed' && Math.random() * 100 < plan.readPercent);
  // A mixed phase writes until there is something to read.
  const target = wantsRead ? objects.pick(plan.names) : undefined;
  const operation: OperationName = target === undefined ? 'PUT' : 'GET';
  const name = target?.name ?? inputs.names.next();
  const sizeBytes = target?.sizeBytes ?? objectSize(name, plan.size);
  phase.issued += 1;
  phase.issuedBytes += sizeBytes;
  const stats = phase.stats(operation);
  const started = performance.now();
  try {
    if (operation === 'PUT') {
      await driver.put(name, sizeBytes);
      objects.add(name, sizeBytes, true);
      stats.recordSuccess(sizeBytes, (performance.now() - started) * 1000);
      return;
    }
    const verifier = plan.verify ? new PayloadVerifier(name, sizeBytes) : undefined;
    const bytes = await driver.get(
      name,
      verifier === undefined ? undefined : (chunk) => verifier.update(chunk),
    );
    const elapsedMicroseconds = (performance.now() - started) * 1000;
    const problem = verifier?.problem();
    if (problem !== undefined) throw new Error(`GET verification failed: ${problem}`);
    stats.recordSuccess(bytes, elapsedMicroseconds);
  } catch (error) {
    stats.errors += 1;
    inputs.errors.add(operation, errorLine(error));
  }
}
