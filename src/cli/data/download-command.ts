// `cairn download SOURCE ais://bucket[/name|/subdir/]`: the downloader. SOURCE is one link, a URL
// range template (`https://host/shard-{0000..0099}.tar`), a file of links (`--list`), or with
// `--backend` the remote bucket itself. Prints the job ID; `--wait` follows it with a progress bar
// and reports each object that failed. `cairn download ls|show|wait|stop|rm` manage jobs.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  zeroTime,
  type DownloadBodyJson,
  type DownloadJobJson,
  type DownloadOptions,
  type DownloadStatusJson,
} from '../../sdk/index.js';
import { formatBytes, parseByteSize } from '../../util/bytes.js';
import { parseRangeTemplate } from '../../util/range-template.js';
import { parseBucket, parseObjectDestination, positiveInteger } from '../arguments.js';
import { UsageError } from '../cli-errors.js';
import type { CliIo } from '../cli-io.js';
import { commandAction, type CommandContext } from '../context.js';
import { formatTable } from '../table.js';

interface StartOptions {
  list?: boolean;
  backend?: boolean;
  suffix?: string;
  sync?: boolean;
  description?: string;
  timeout?: string;
  limitConnections?: number;
  limitBytesPerHour?: string;
  header: string[];
  wait?: boolean;
  waitTimeout: number;
}

export function registerDownloadCommand(program: Command, io: CliIo): void {
  const download = program
    .command('download')
    .description(
      'download objects from HTTP(S) links into a bucket, each target fetching what it owns; prints the job ID',
    )
    .argument(
      '[source]',
      'a link, a URL range template (https://host/f-{0..99}.bin), a file of links with --list, a remote bucket with --backend',
    )
    .argument(
      '[destination]',
      'ais://bucket, ais://bucket/name (one link) or ais://bucket/subdir/ (a range)',
    )
    .option(
      '--list',
      'SOURCE is a file: a JSON array of links, a JSON object name → link, or one link per line',
    )
    .option(
      '--backend',
      'SOURCE is a remote bucket (s3://b[/prefix]): fetch its objects through its backend',
    )
    .option('--suffix <suffix>', 'with --backend: only objects whose names end so')
    .option('--sync', 'with --backend: also evict cached objects the remote no longer has')
    .option('--description <text>', 'shown in lists (default: what is downloaded)')
    .option('--timeout <duration>', 'longest download of one object (Go duration: 30s, 5m, 1h)')
    .option('--limit-connections <n>', 'objects each target downloads at once', positiveInteger)
    .option('--limit-bytes-per-hour <size>', 'bytes per hour for the whole job (e.g. 10GiB)')
    .option('--header <header>', "'Name: value' sent with every GET (repeatable)", collect, [])
    .option('--wait', 'follow the job to its end with a progress bar; exit 1 if any object failed')
    .option('--wait-timeout <seconds>', 'longest wait with --wait', positiveInteger, 3600)
    .action(
      commandAction(
        io,
        async (
          context,
          source: string | undefined,
          destination: string | undefined,
          options: StartOptions,
        ) => {
          if (source === undefined)
            throw new UsageError('give a SOURCE (see cairn download --help)');
          const body = await startBody(source, destination, options);
          const id = await context.client.download.start(body);
          context.print(id);
          if (options.wait === true) await followDownload(context, id, options.waitTimeout);
        },
      ),
    );

  download
    .command('ls')
    .description('list download jobs (running first)')
    .option('--regex <regex>', 'only jobs whose description (or ID) matches')
    .option('--active', 'only running jobs')
    .option('--json', 'print JSON')
    .action(
      commandAction(
        io,
        async (context, options: { regex?: string; active?: boolean; json?: boolean }) => {
          const jobs = await context.client.download.list({
            ...(options.regex === undefined ? {} : { regex: options.regex }),
            onlyActive: options.active === true,
          });
          if (options.json === true) return context.printJson(jobs);
          if (jobs.length === 0) return context.print('no download jobs');
          context.printLines(jobsTable(jobs));
        },
      ),
    );

  download
    .command('show')
    .description("a job's counts, the objects downloading now, and every failed object")
    .argument('<id>', 'job ID (dnl-...)')
    .option('--json', 'print the status JSON (finished objects included)')
    .action(
      commandAction(io, async (context, id: string, options: { json?: boolean }) => {
        const status = await context.client.download.status(id);
        if (options.json === true) return context.printJson(status);
        context.printLines(jobsTable([status]));
        for (const task of status.current_tasks ?? [])
          context.print(`downloading ${task.name}: ${formatBytes(Number(task.downloaded))}`);
        for (const failure of status.download_errors ?? [])
          context.print(`failed ${failure.name}: ${failure.error}`);
      }),
    );

  download
    .command('wait')
    .description('follow a job to its end with a progress bar; exit 1 if any object failed')
    .argument('<id>', 'job ID')
    .option('--timeout <seconds>', 'longest wait', positiveInteger, 3600)
    .action(
      commandAction(io, async (context, id: string, options: { timeout: number }) => {
        await followDownload(context, id, options.timeout);
      }),
    );

  download
    .command('stop')
    .description('abort a job (objects downloaded so far stay)')
    .argument('<id>', 'job ID')
    .action(
      commandAction(io, async (context, id: string) => {
        await context.client.download.abort(id);
        context.print(`download ${id} aborted`);
      }),
    );

  download
    .command('rm')
    .description('forget a job that ended')
    .argument('<id>', 'job ID')
    .action(
      commandAction(io, async (context, id: string) => {
        await context.client.download.remove(id);
        context.print(`download ${id} removed`);
      }),
    );
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The start body the arguments describe. */
async function startBody(
  source: string,
  destination: string | undefined,
  options: StartOptions,
): Promise<DownloadBodyJson> {
  const base = baseOptions(options);
  if (options.backend === true) {
    const { bucket, objectName } = parseObjectDestination(source);
    return {
      ...base,
      type: 'backend',
      bucket,
      ...(objectName === '' ? {} : { prefix: objectName }),
      ...(options.suffix === undefined ? {} : { suffix: options.suffix }),
      ...(options.sync === true ? { synchronize: true } : {}),
    };
  }
  if (destination === undefined) throw new UsageError('give a DESTINATION (ais://bucket[/...])');
  if (options.list === true)
    return {
      ...base,
      type: 'multi',
      bucket: parseBucket(destination),
      objects: await readLinks(source),
    };
  const { bucket, objectName } = parseObjectDestination(destination);
  let template;
  try {
    template = parseRangeTemplate(source);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (template !== undefined)
    return {
      ...base,
      type: 'range',
      bucket,
      template: source,
      ...(objectName === '' ? {} : { subdir: objectName.replace(/\/+$/, '') }),
    };
  return {
    ...base,
    type: 'single',
    bucket,
    link: source,
    ...(objectName === '' || objectName.endsWith('/') ? {} : { object_name: objectName }),
  };
}

function baseOptions(options: StartOptions): DownloadOptions {
  const limits: { connections?: number; bytes_per_hour?: number } = {};
  if (options.limitConnections !== undefined) limits.connections = options.limitConnections;
  if (options.limitBytesPerHour !== undefined) {
    const bytes = parseByteSize(options.limitBytesPerHour);
    if (bytes === undefined || bytes < 1)
      throw new UsageError(`--limit-bytes-per-hour "${options.limitBytesPerHour}" is not a size`);
    limits.bytes_per_hour = bytes;
  }
  const headers: Record<string, string[]> = {};
  for (const header of options.header) {
    const colon = header.indexOf(':');
    if (colon < 1) throw new UsageError(`--header "${header}": expected 'Name: value'`);
    const name = header.slice(0, colon).trim();
    headers[name] = [...(headers[name] ?? []), header.slice(colon + 1).trim()];
  }
  return {
    ...(options.description === undefined ? {} : { description: options.description }),
    ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
    ...(Object.keys(limits).length === 0 ? {} : { limits }),
    ...(Object.keys(headers).length === 0 ? {} : { headers }),
  };
}

/** `--list`: a JSON array or object, or one link per line. */
async function readLinks(file: string): Promise<string[] | Record<string, string>> {
  const text = await readFile(file, 'utf8');
  if (/^\s*[[{]/.test(text)) {
    try {
      return JSON.parse(text) as string[] | Record<string, string>;
    } catch (error) {
      throw new UsageError(`${file}: not valid JSON: ${(error as Error).message}`);
    }
  }
  const links = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (links.length === 0) throw new UsageError(`${file} holds no link`);
  return links;
}

/** Waits with a progress bar on a terminal; lists failed objects and exits 1 when there are any. */
async function followDownload(
  context: CommandContext,
  id: string,
  timeoutSeconds: number,
): Promise<void> {
  const live = context.io.stderr.isTTY === true;
  // cli-progress is loaded when a bar is drawn: every command would pay for it at start otherwise.
  const bars = live ? await import('cli-progress') : undefined;
  const bar =
    bars === undefined
      ? undefined
      : new bars.SingleBar(
          {
            format: 'download |{bar}| {value}/{total} objects | {bytes} | {eta_formatted}',
            stream: context.io.stderr,
            hideCursor: true,
          },
          bars.Presets.shades_classic,
        );
  bar?.start(1, 0, { bytes: formatBytes(0) });
  let status: DownloadStatusJson;
  try {
    status = await context.client.download.wait(id, {
      timeoutMs: timeoutSeconds * 1000,
      intervalMs: 500,
      onProgress: (progress) => {
        const done = progress.finished_cnt + progress.error_cnt;
        bar?.setTotal(Math.max(progress.total, progress.scheduled_cnt, done, 1));
        bar?.update(done, { bytes: formatBytes(bytesOf(progress)) });
      },
    });
  } finally {
    bar?.stop();
  }
  for (const failure of status.download_errors ?? [])
    context.note(`failed ${failure.name}: ${failure.error}`);
  const summary = `download ${id}: ${status.finished_cnt} downloaded (${status.skipped_cnt} already there), ${status.error_cnt} failed, ${formatBytes(bytesOf(status))}`;
  if (status.aborted) throw new Error(`${summary}; aborted`);
  if (status.error_cnt > 0) throw new Error(summary);
  context.note(summary);
}

function bytesOf(status: DownloadStatusJson): number {
  return [...(status.finished_tasks ?? []), ...(status.current_tasks ?? [])].reduce(
    (total, task) => total + Number(task.downloaded),
    0,
  );
}

function jobsTable(jobs: readonly DownloadJobJson[]): string[] {
  return formatTable(
    [
      { header: 'ID' },
      { header: 'STATE' },
      { header: 'DONE', alignRight: true },
      { header: 'ERRORS', alignRight: true },
      { header: 'TOTAL', alignRight: true },
      { header: 'DESCRIPTION' },
    ],
    jobs.map((job) => [
      job.id,
      job.aborted ? 'aborted' : job.finished_time === zeroTime ? 'running' : 'finished',
      String(job.finished_cnt),
      String(job.error_cnt),
      job.total < 0 ? '?' : String(job.total),
      job.description,
    ]),
  );
}
