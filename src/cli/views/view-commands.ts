// The CLI's views of a running cluster: `cairn show performance [counters|throughput|latency|
// capacity|disk]`, `cairn show disk`, `cairn show job [ID]` (each with `--refresh`, `--count` and
// `--json`), and `cairn log get NODE` (the tail of a node's log). AIStore's `ais performance`,
// `ais show storage`, `ais show job`, `ais log get`.
import type { Command } from 'commander';
import { UsageError } from '../cli-errors.js';
import type { CliIo } from '../cli-io.js';
import { commandAction, type CommandContext } from '../context.js';
import { parseOffset, parseSeverity, performanceTable } from '../node-commands.js';
import { positiveInteger } from '../arguments.js';
import { diskIoRows, diskIoTable } from './disk-io-view.js';
import { diskRows, diskTable } from './disk-view.js';
import { jobRows, jobTable } from './job-view.js';
import {
  capacityRows,
  capacityTable,
  latencyRows,
  latencyTable,
  throughputRows,
  throughputTable,
  type PerformanceSample,
} from './performance-views.js';
import { refreshOptions, runFrames, sleep, type RefreshOptions } from './refresh.js';

const performanceViews = ['counters', 'throughput', 'latency', 'capacity', 'disk'] as const;
type PerformanceView = (typeof performanceViews)[number];

/** Without `--refresh`, throughput and latency are measured over this interval. */
const defaultIntervalSeconds = 1;

function withRefresh(command: Command): Command {
  for (const option of refreshOptions()) command.addOption(option);
  return command;
}

/** Registers the views under `show`, and `log get` at the top level. */
export function registerViewCommands(program: Command, show: Command, io: CliIo): void {
  withRefresh(
    show
      .command('performance')
      .description(
        "every target's requests (counters since start; throughput and latency over an interval), capacity and disks",
      )
      .argument('[view]', `one of ${performanceViews.join(', ')}`, 'counters'),
  ).action(
    commandAction(io, async (context, view: string, options: RefreshOptions) => {
      await showPerformance(context, parseView(view), options);
    }),
  );

  withRefresh(
    show.command('disk').description("every target's mountpaths: state, used and available bytes"),
  ).action(
    commandAction(io, async (context, options: RefreshOptions) => {
      await runFrames(
        context,
        options,
        async () => diskRows(await context.client.cluster.performance()),
        diskTable,
      );
    }),
  );

  withRefresh(
    show
      .command('job')
      .description('jobs with their progress over all targets')
      .argument('[id]', 'one job (default: every job the targets remember)')
      .option('--kind <kind>', 'only this kind')
      .option('--running', 'only running jobs'),
  ).action(
    commandAction(
      io,
      async (
        context,
        id: string | undefined,
        options: RefreshOptions & { kind?: string; running?: boolean },
      ) => {
        const selection = { id, kind: options.kind, running: options.running };
        await runFrames(context, options, () => jobRows(context.client, selection), jobTable);
      },
    ),
  );

  const log = program.command('log').description("a node's log");
  log
    .command('get')
    .description("print the tail of a node's current log file (through the gateway)")
    .argument('<node>', 'node ID (see `cairn show cluster`)')
    .option('--severity <severity>', 'info (every line) or error (warnings and errors)', 'info')
    .option('--tail <lines>', 'only the last LINES lines', positiveInteger)
    .option('--offset <bytes>', 'start this many bytes into the current file')
    .option('--json', 'print JSON: the node, severity and lines (each parsed)')
    .action(
      commandAction(
        io,
        async (
          context,
          node: string,
          options: { severity: string; tail?: number; offset?: string; json?: boolean },
        ) => {
          const severity = parseSeverity(options.severity);
          const offset = options.offset === undefined ? undefined : parseOffset(options.offset);
          const text = await context.client.cluster.nodeLog(node, {
            severity,
            ...(offset === undefined ? {} : { offset }),
          });
          const all = text.split('\n').filter((line) => line !== '');
          const lines = options.tail === undefined ? all : all.slice(-options.tail);
          if (options.json === true)
            return context.printJson({ node, severity, lines: lines.map(parsedLine) });
          context.printLines(lines);
        },
      ),
    );
}

function parseView(text: string): PerformanceView {
  const view = performanceViews.find((name) => name === text);
  if (view === undefined)
    throw new UsageError(
      `unknown performance view "${text}" (expected ${performanceViews.join(', ')})`,
    );
  return view;
}

async function showPerformance(
  context: CommandContext,
  view: PerformanceView,
  options: RefreshOptions,
): Promise<void> {
  const sample = async (): Promise<PerformanceSample> => {
    const targets = await context.client.cluster.performance();
    return { atMs: Date.now(), targets };
  };
  switch (view) {
    case 'counters':
      return runFrames(
        context,
        options,
        () => context.client.cluster.performance(),
        performanceTable,
      );
    case 'capacity':
      return runFrames(context, options, async () => capacityRows(await sample()), capacityTable);
    case 'disk':
      return runFrames(
        context,
        options,
        async () => diskIoRows(await context.client.cluster.diskStats()),
        diskIoTable,
      );
    case 'throughput':
      return intervalFrames(context, options, sample, throughputRows, throughputTable);
    case 'latency':
      return intervalFrames(context, options, sample, latencyRows, latencyTable);
  }
}

/** Frames of rows computed over the time since the frame before (the first: one interval). */
async function intervalFrames<Row>(
  context: CommandContext,
  options: RefreshOptions,
  sample: () => Promise<PerformanceSample>,
  rowsOf: (previous: PerformanceSample, current: PerformanceSample) => Row[],
  table: (rows: Row[]) => string[],
): Promise<void> {
  let previous = await sample();
  await sleep((options.refresh ?? defaultIntervalSeconds) * 1000);
  await runFrames(
    context,
    options,
    async () => {
      const current = await sample();
      const rows = rowsOf(previous, current);
      previous = current;
      return rows;
    },
    table,
  );
}

/** A log line is JSON; one that is not (a truncated first line after `--offset`) stays text. */
function parsedLine(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return line;
  }
}
