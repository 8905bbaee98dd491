// `cairn job ls|show|start|wait|stop`: jobs (xactions) across the cluster, with a live progress line.
import type { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import type { JobSnapshotJson, JobSnapshotsByNodeJson, JobStatusJson } from '../../sdk/index.js';
import { formatBytes } from '../../util/bytes.js';
import { parseBucket, positiveInteger } from '../arguments.js';
import type { CliIo } from '../cli-io.js';
import { commandAction, type CommandContext } from '../context.js';
import { formatTable } from '../table.js';

const zeroTime = '0001-01-01T00:00:00Z';

/** Registers the `job` command group. */
export function registerJobCommands(program: Command, io: CliIo): void {
  const job = program.command('job').description('jobs (xactions): list, show, start, wait, stop');

  job
    .command('ls')
    .description('list jobs the targets remember')
    .option('--kind <kind>', 'only this kind')
    .option('--running', 'only running jobs')
    .option('--json', 'print JSON')
    .action(
      commandAction(
        io,
        async (context, options: { kind?: string; running?: boolean; json?: boolean }) => {
          const jobs = await context.client.jobs.list({
            ...(options.kind === undefined ? {} : { kind: options.kind }),
            running: options.running === true,
          });
          if (options.json === true) return context.printJson(jobs);
          if (jobs.length === 0) return context.print('no jobs');
          context.printLines(
            formatTable(
              [{ header: 'ID' }, { header: 'KIND' }, { header: 'STATE' }, { header: 'ENDED' }],
              jobs.map((status) => [status.uuid, status.kind, stateOf(status), endedAt(status)]),
            ),
          );
        },
      ),
    );

  job
    .command('show')
    .description("show a job's progress on every target")
    .argument('<id>', 'job ID')
    .option('--json', 'print JSON')
    .action(
      commandAction(io, async (context, id: string, options: { json?: boolean }) => {
        const snapshots = await context.client.jobs.snapshots({ id });
        if (options.json === true) return context.printJson(snapshots);
        const status = await context.client.jobs.status(id);
        context.print(
          `job ${id} (${status.kind}): ${stateOf(status)}${status.err === '' ? '' : ` — ${status.err}`}`,
        );
        context.printLines(snapshotTable(snapshots));
      }),
    );

  job
    .command('start')
    .description('start a job of a kind that can be started directly (e.g. rebalance)')
    .argument('<kind>', 'job kind')
    .argument('[bucket]', 'ais://bucket, for bucket jobs')
    .option('--wait', 'wait for the job to end')
    .action(
      commandAction(
        io,
        async (context, kind: string, uri: string | undefined, options: { wait?: boolean }) => {
          const id = await context.client.jobs.start(
            kind,
            uri === undefined ? {} : { bucket: parseBucket(uri) },
          );
          context.print(id);
          if (options.wait === true) await waitForJob(context, id, 600);
        },
      ),
    );

  job
    .command('wait')
    .description('wait for a job to end, showing its progress; exit 1 if it failed or was aborted')
    .argument('<id>', 'job ID')
    .option('--timeout <seconds>', 'give up after this long', positiveInteger, 600)
    .action(
      commandAction(io, async (context, id: string, options: { timeout: number }) => {
        await waitForJob(context, id, options.timeout);
      }),
    );

  job
    .command('stop')
    .description('abort a job by ID, or every running job of a kind')
    .argument('[id]', 'job ID')
    .option('--kind <kind>', 'abort running jobs of this kind')
    .action(
      commandAction(io, async (context, id: string | undefined, options: { kind?: string }) => {
        if (id === undefined && options.kind === undefined)
          throw new Error('give a job ID or --kind');
        await context.client.jobs.stop({
          ...(id === undefined ? {} : { id }),
          ...(options.kind === undefined ? {} : { kind: options.kind }),
        });
        context.print(`stopped ${id ?? options.kind ?? ''}`);
      }),
    );
}

/** A known amount of work: a bar fills with the sum of `counter` over targets up to `total`. */
export interface JobProgressTotal {
  total: number;
  /** A stats key of the snapshots (e.g. `scrub-checked`, `loc-objs`). */
  counter: string;
}

/**
 * Waits for a job with a live progress bar (when the total is known) or line on a terminal;
 * throws if it failed or was aborted. Returns the final snapshots.
 */
export async function waitForJob(
  context: CommandContext,
  id: string,
  timeoutSeconds: number,
  progress?: JobProgressTotal,
): Promise<JobSnapshotsByNodeJson> {
  const live = context.io.stderr.isTTY === true;
  const bar =
    live && progress !== undefined ? await progressBar(context, progress.total) : undefined;
  let status: JobStatusJson;
  try {
    status = await context.client.jobs.wait(id, {
      timeoutMs: timeoutSeconds * 1000,
      onProgress: (snapshots) => {
        if (bar !== undefined && progress !== undefined) {
          const done = sumCounter(snapshots, progress.counter);
          bar.setTotal(Math.max(progress.total, done));
          bar.update(done);
        } else if (live) context.io.stderr.write(`\r\x1b[K${progressLine(id, snapshots)}`);
      },
    });
  } finally {
    bar?.stop();
  }
  if (live && bar === undefined) context.io.stderr.write('\r\x1b[K');
  if (status.err !== '' || status.aborted) {
    throw new Error(
      `job ${id} (${status.kind}) ${status.aborted ? 'was aborted' : 'failed'}: ${status.err}`,
    );
  }
  const snapshots = await context.client.jobs.snapshots({ id });
  context.note(`job ${id} (${status.kind}) finished: ${progressLine(id, snapshots)}`);
  return snapshots;
}

/** The sum over every target's snapshots of one stats counter (absent counts as 0). */
export function sumCounter(snapshots: JobSnapshotsByNodeJson, counter: string): number {
  return Object.values(snapshots)
    .flat()
    .reduce((total, snapshot) => total + Number(snapshot.stats[counter] ?? 0), 0);
}

async function progressBar(context: CommandContext, total: number): Promise<SingleBar> {
  // cli-progress is loaded when a bar is drawn: every command would pay for it at start otherwise.
  const { Presets, SingleBar } = await import('cli-progress');
  const bar = new SingleBar(
    {
      format: 'job |{bar}| {value}/{total} objects | {eta_formatted}',
      stream: context.io.stderr,
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  bar.start(total, 0);
  return bar;
}

/** `job X: 1200 objects, 3.00MiB; 2/3 targets done` */
export function progressLine(id: string, snapshots: JobSnapshotsByNodeJson): string {
  const all = Object.values(snapshots).flat();
  const sum = (key: keyof JobSnapshotJson['stats']): number =>
    all.reduce((total, snapshot) => total + Number(snapshot.stats[key]), 0);
  const done = all.filter((snapshot) => snapshot['end-time'] !== zeroTime).length;
  // A transfer between targets is counted out at one and in at the other: count it once.
  const objects = sum('loc-objs') + Math.max(sum('out-objs'), sum('in-objs'));
  const bytes = sum('loc-bytes') + Math.max(sum('out-bytes'), sum('in-bytes'));
  return `job ${id}: ${objects} objects, ${formatBytes(bytes)}; ${done}/${all.length} targets done`;
}

function snapshotTable(snapshots: JobSnapshotsByNodeJson): string[] {
  const rows = Object.entries(snapshots).flatMap(([node, list]) =>
    list.map((snapshot) => [
      node,
      snapshot.stats['loc-objs'],
      formatBytes(Number(snapshot.stats['loc-bytes'])),
      `${snapshot.stats['in-objs']}/${snapshot.stats['out-objs']}`,
      snapshot.aborted
        ? 'aborted'
        : snapshot.err !== ''
          ? 'failed'
          : snapshot['end-time'] === zeroTime
            ? 'running'
            : 'finished',
    ]),
  );
  return formatTable(
    [
      { header: 'TARGET' },
      { header: 'OBJECTS', alignRight: true },
      { header: 'BYTES', alignRight: true },
      { header: 'IN/OUT', alignRight: true },
      { header: 'STATE' },
    ],
    rows,
  );
}

function stateOf(status: JobStatusJson): string {
  if (status.end_time === 0) return 'running';
  if (status.aborted) return 'aborted';
  return status.err === '' ? 'finished' : 'failed';
}

function endedAt(status: JobStatusJson): string {
  return status.end_time === 0 ? '-' : new Date(status.end_time / 1_000_000).toISOString();
}
