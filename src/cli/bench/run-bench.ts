// A whole `cairn bench` run: check the endpoint and bucket, run the phases in order with the
// progress line, clean up what the run wrote, and print the report. Fails (exit code 1) with one
// line when the endpoint is down, and after the report when any request failed.
import { setTimeout as delay } from 'node:timers/promises';
import { errorLine, CommandError } from '../cli-errors.js';
import type { CommandContext } from '../context.js';
import type { BenchPlan } from './bench-options.js';
import { BenchRequestError, createDriver, type BenchDriver } from './drivers/index.js';
import { NameSource, ObjectSet, objectName } from './object-set.js';
import { ErrorLog } from './operation-stats.js';
import { objectSize } from './payload.js';
import { ProgressLine } from './progress-line.js';
import { formatReport, phaseReport, type BenchReport } from './report.js';
import { runPhase, type PhaseRun } from './workload.js';

/** Parallel deletes during cleanup. */
const cleanupConcurrency = 32;

export async function runBench(context: CommandContext, plan: BenchPlan): Promise<BenchReport> {
  const driver = createDriver(plan);
  const interrupt = new AbortController();
  const onSignal = (): void => interrupt.abort();
  process.once('SIGINT', onSignal);
  try {
    let createdBucket: boolean;
    try {
      createdBucket = await driver.prepare();
    } catch (error) {
      throw new CommandError(`cannot use ${driver.description}: ${errorLine(error)}`);
    }
    const errors = new ErrorLog();
    const objects = new ObjectSet();
    const inputs = {
      plan,
      driver,
      names: new NameSource(plan.prefix, plan.names, plan.objects),
      objects,
      errors,
      signal: interrupt.signal,
    };
    const progress = plan.quiet ? undefined : new ProgressLine(context.io.stderr);
    const phases: PhaseRun[] = [];
    for (const kind of plan.phases) {
      if (interrupt.signal.aborted) break;
      if (kind === 'get' && objects.size === 0) await findObjects(plan, driver, objects);
      const phase = await runPhase(kind, inputs, (started) => progress?.follow(started));
      progress?.stop();
      phases.push(phase);
      // Too many errors or Ctrl-C: later phases would only repeat the failure.
      if (phase.stoppedEarly !== undefined) break;
    }
    if (plan.cleanup) await cleanup(driver, objects, createdBucket, errors);
    const report: BenchReport = {
      api: plan.api,
      target: driver.description,
      concurrency: plan.concurrency,
      objectSize: plan.size,
      phases: phases.map(phaseReport),
      totalErrors: errors.total,
      errors: errors.summaries(),
    };
    if (plan.json) context.printJson(report);
    else context.printLines(formatReport(report));
    failIfErrors(report);
    return report;
  } finally {
    process.off('SIGINT', onSignal);
    await driver.close();
  }
}

/** Objects for a GET phase that no PUT phase preceded: listed, or assumed from `--objects`. */
async function findObjects(
  plan: BenchPlan,
  driver: BenchDriver,
  objects: ObjectSet,
): Promise<void> {
  if (driver.canList) {
    try {
      for await (const entry of driver.list(plan.prefix))
        objects.add(entry.name, entry.sizeBytes, false);
    } catch (error) {
      throw new CommandError(`listing objects to read: ${errorLine(error)}`);
    }
  } else {
    for (let index = 0; index < (plan.objects ?? 0); index += 1) {
      const name = objectName(plan.prefix, index);
      objects.add(name, objectSize(name, plan.size), false);
    }
  }
  if (objects.size === 0) {
    throw new CommandError(
      `no objects named ${plan.prefix}* to read in ${driver.description}: write some first (--workload put,get, or a put run with --no-cleanup)`,
    );
  }
}

/** Deletes what this run wrote, and the bucket if this run created it. */
async function cleanup(
  driver: BenchDriver,
  objects: ObjectSet,
  createdBucket: boolean,
  errors: ErrorLog,
): Promise<void> {
  const names = createdBucket && driver.destroyRemovesObjects ? [] : objects.written();
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let name = names[next++]; name !== undefined; name = names[next++]) {
      try {
        await deleteRetrying(driver, name);
      } catch (error) {
        errors.add('cleanup', errorLine(error));
      }
    }
  };
  await Promise.all(Array.from({ length: cleanupConcurrency }, worker));
  if (!createdBucket) return;
  try {
    await driver.destroyBucket();
  } catch (error) {
    errors.add('cleanup', errorLine(error));
  }
}

/** Attempts at each delete of the cleanup. */
const cleanupAttempts = 3;

/**
 * A delete of the cleanup, tried again after a 500 or 503 ("please try again": the AWS SDKs retry
 * those too; s3rver answers a DELETE with a 500 now and then). The timed phases never retry: a
 * failure there is a figure.
 */
async function deleteRetrying(driver: BenchDriver, name: string): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await driver.delete(name);
      return;
    } catch (error) {
      const status = error instanceof BenchRequestError ? error.status : undefined;
      if (attempt >= cleanupAttempts || (status !== 500 && status !== 503)) throw error;
      await delay(100 * attempt);
    }
  }
}

/** Failed PUTs and GETs fail the run (exit code 1); cleanup errors are only reported. */
function failIfErrors(report: BenchReport): void {
  let operations = 0;
  let failed = 0;
  for (const phase of report.phases) {
    for (const operation of phase.operations) {
      operations += operation.count + operation.errors;
      failed += operation.errors;
    }
  }
  if (failed === 0) return;
  const first = report.errors.find((error) => error.operation !== 'cleanup');
  const detail = first === undefined ? '' : `; first: ${first.message}`;
  const what = failed === operations ? 'every request failed' : 'requests failed';
  throw new CommandError(`${what} (${failed} of ${operations})${detail}`);
}
