// `cairn dsort start|show|ls|wait|stop|rm`: dSort jobs (`/v1/sort`). `start` reads a RequestSpec
// from a JSON or YAML file (- for stdin) and, with --wait, follows the job's three phases
// (extraction, sorting, creation) as live progress bars on a terminal.
import { readFile } from 'node:fs/promises';
import type { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import type { DsortJobInfoJson } from '../../sdk/index.js';
import { formatBytes } from '../../util/bytes.js';
import { UsageError } from '../cli-errors.js';
import type { CliIo } from '../cli-io.js';
import { commandAction, type CommandContext } from '../context.js';
import { formatTable } from '../table.js';

type Metrics = Record<string, DsortJobInfoJson>;

export function registerDsortCommands(program: Command, io: CliIo): void {
  const dsort = program
    .command('dsort')
    .description('dSort: reshard a dataset (sorted, shuffled, grouped) across every target');

  dsort
    .command('start')
    .description('start a dSort job from a RequestSpec (JSON or YAML); prints its ID')
    .argument('<spec>', 'the spec file (.json, .yaml, .yml), - for stdin')
    .option('--wait', 'follow the job to its end with a progress view of its three phases')
    .option('--timeout <seconds>', 'longest wait with --wait', '3600')
    .action(
      commandAction(
        io,
        async (context, file: string, options: { wait?: boolean; timeout: string }) => {
          const spec = await readSpec(context, file);
          const id = await context.client.dsort.start(spec);
          context.print(id);
          if (options.wait === true) await followJob(context, id, Number(options.timeout));
        },
      ),
    );

  dsort
    .command('wait')
    .description('follow a job to its end (progress of its phases); exit 1 if it was aborted')
    .argument('<id>', 'job ID')
    .option('--timeout <seconds>', 'longest wait', '3600')
    .action(
      commandAction(io, async (context, id: string, options: { timeout: string }) => {
        await followJob(context, id, Number(options.timeout));
      }),
    );

  dsort
    .command('show')
    .description("a job's phases on every target")
    .argument('<id>', 'job ID')
    .option('--json', "print JSON (each target's JobInfo)")
    .action(
      commandAction(io, async (context, id: string, options: { json?: boolean }) => {
        const metrics = await context.client.dsort.metrics(id);
        if (options.json === true) return context.printJson(metrics);
        context.printLines(metricsTable(metrics));
        for (const [node, info] of Object.entries(metrics)) {
          for (const error of info.Metrics.errors ?? []) context.print(`${node}: error: ${error}`);
          for (const warning of info.Metrics.warnings ?? [])
            context.print(`${node}: warning: ${warning}`);
        }
      }),
    );

  dsort
    .command('ls')
    .description('list dSort jobs')
    .option('--regex <regex>', 'only jobs whose ID or description matches')
    .option('--active', 'only running jobs')
    .option('--json', 'print JSON')
    .action(
      commandAction(
        io,
        async (context, options: { regex?: string; active?: boolean; json?: boolean }) => {
          const jobs = await context.client.dsort.list({
            ...(options.regex === undefined ? {} : { regex: options.regex }),
            onlyActive: options.active === true,
          });
          if (options.json === true) return context.printJson(jobs);
          if (jobs.length === 0) return context.print('no dsort jobs');
          context.printLines(
            formatTable(
              [
                { header: 'ID' },
                { header: 'STATE' },
                { header: 'STARTED' },
                { header: 'DESCRIPTION' },
              ],
              jobs.map((info) => [
                info.id,
                stateOf(info),
                info.started_time ?? '',
                info.Metrics.description ?? '',
              ]),
            ),
          );
        },
      ),
    );

  dsort
    .command('stop')
    .description('abort a job (the output shards written so far are removed)')
    .argument('<id>', 'job ID')
    .action(
      commandAction(io, async (context, id: string) => {
        await context.client.dsort.abort(id);
        context.print(`dsort ${id} aborted`);
      }),
    );

  dsort
    .command('rm')
    .description('forget a finished or aborted job')
    .argument('<id>', 'job ID')
    .action(
      commandAction(io, async (context, id: string) => {
        await context.client.dsort.remove(id);
        context.print(`dsort ${id} removed`);
      }),
    );
}

/** The spec as an object: JSON, or YAML (a file so named, or text that is not JSON). */
async function readSpec(context: CommandContext, file: string): Promise<object> {
  let text: string;
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of context.io.stdin) chunks.push(Buffer.from(chunk as Buffer));
    text = Buffer.concat(chunks).toString('utf8');
  } else text = await readFile(file, 'utf8');
  let spec: unknown;
  try {
    spec =
      /\.ya?ml$/i.test(file) || !text.trimStart().startsWith('{')
        ? // Loaded only for a YAML spec: every command would pay for it at start otherwise.
          (await import('yaml')).parse(text)
        : JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file}: not a valid JSON or YAML spec: ${(error as Error).message}`);
  }
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec))
    throw new UsageError(`${file}: the spec must be a JSON or YAML object`);
  return spec;
}

function sum(metrics: Metrics, read: (info: DsortJobInfoJson) => string | number): number {
  return Object.values(metrics).reduce((total, info) => total + Number(read(info)), 0);
}

/** Progress of the three phases: shards extracted, sorting done, shards created. */
function phases(metrics: Metrics): Array<{ value: number; total: number }> {
  const infos = Object.values(metrics);
  return [
    {
      value: sum(metrics, (info) => info.Metrics.local_extraction.extracted_count),
      total: sum(metrics, (info) => info.Metrics.local_extraction.total_count),
    },
    {
      value: infos.every((info) => info.Metrics.meta_sorting.finished) ? 1 : 0,
      total: 1,
    },
    {
      value: sum(metrics, (info) => info.Metrics.shard_creation.created_count),
      total: sum(metrics, (info) => info.Metrics.shard_creation.to_create),
    },
  ];
}

const phaseNames = ['extraction', 'sorting   ', 'creation  '];

async function followJob(
  context: CommandContext,
  id: string,
  timeoutSeconds: number,
): Promise<void> {
  const live = context.io.stderr.isTTY === true;
  // cli-progress is loaded when a bar is drawn: every command would pay for it at start otherwise.
  const progress = live ? await import('cli-progress') : undefined;
  const multi =
    progress === undefined
      ? undefined
      : new progress.MultiBar(
          {
            format: '{phase} |{bar}| {value}/{total}',
            stream: context.io.stderr,
            hideCursor: true,
            clearOnComplete: false,
          },
          progress.Presets.shades_classic,
        );
  const bars: SingleBar[] =
    multi === undefined ? [] : phaseNames.map((phase) => multi.create(0, 0, { phase }));
  let metrics: Metrics;
  try {
    metrics = await context.client.dsort.wait(id, {
      timeoutMs: timeoutSeconds * 1000,
      onProgress: (current) => {
        phases(current).forEach(({ value, total }, index) => {
          bars[index]?.setTotal(Math.max(total, value));
          bars[index]?.update(value);
        });
      },
    });
  } finally {
    multi?.stop();
  }
  const infos = Object.values(metrics);
  const errors = infos.flatMap((info) => info.Metrics.errors ?? []);
  if (infos.some((info) => info.aborted))
    throw new Error(`dsort ${id} was aborted${errors.length === 0 ? '' : `: ${errors[0] ?? ''}`}`);
  const [, , creation] = phases(metrics);
  const bytes = sum(metrics, (info) => info.Metrics.local_extraction.extracted_size);
  const records = sum(metrics, (info) => info.Metrics.local_extraction.extracted_record_count);
  context.note(
    `dsort ${id} finished: ${records} records (${formatBytes(bytes)}) into ${creation?.value ?? 0} shards`,
  );
}

function stateOf(info: DsortJobInfoJson): string {
  if (info.aborted) return (info.Metrics.errors ?? []).length > 0 ? 'failed' : 'aborted';
  return info.archived ? 'finished' : 'running';
}

function phaseState(phase: { running: boolean; finished: boolean }): string {
  return phase.finished ? 'done' : phase.running ? 'running' : '-';
}

function metricsTable(metrics: Metrics): string[] {
  return formatTable(
    [
      { header: 'TARGET' },
      { header: 'EXTRACTED', alignRight: true },
      { header: 'RECORDS', alignRight: true },
      { header: 'BYTES', alignRight: true },
      { header: 'SORTING' },
      { header: 'CREATED', alignRight: true },
      { header: 'STATE' },
    ],
    Object.entries(metrics).map(([node, info]) => {
      const {
        local_extraction: extraction,
        meta_sorting: sorting,
        shard_creation: creation,
      } = info.Metrics;
      return [
        node,
        `${extraction.extracted_count}/${extraction.total_count}`,
        extraction.extracted_record_count,
        formatBytes(Number(extraction.extracted_size)),
        phaseState(sorting),
        `${creation.created_count}/${creation.to_create}`,
        stateOf(info),
      ];
    }),
  );
}
