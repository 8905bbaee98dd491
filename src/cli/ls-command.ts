// `cairn ls`: without an argument lists buckets; with `ais://bucket[/prefix]` lists its objects page
// by page (NAME, SIZE and any requested props) until done or `--limit`.
import { Option, type Command } from 'commander';
import {
  bucketDisplayName,
  ListFlag,
  type BucketJson,
  type ListEntryJson,
  type ListObjectsRequestJson,
} from '../sdk/index.js';
import { formatBytes } from '../util/bytes.js';
import { parseBucketObject, positiveInteger } from './arguments.js';
import { UsageError } from './cli-errors.js';
import type { CliIo } from './cli-io.js';
import { commandAction, type CommandContext } from './context.js';
import { StreamingTable, formatTable, type Column } from './table.js';
import { bucketRows, bucketTable } from './views/bucket-view.js';

export interface LsOptions {
  prefix?: string;
  pageSize?: number;
  limit?: number;
  props?: string;
  json?: boolean;
  /** `--no-recursion` sets it false. */
  recursion?: boolean;
  /** `--no-dirs` sets it false. */
  dirs?: boolean;
  archive?: boolean;
  /** Buckets with their object counts and sizes (a summary job per bucket). */
  summary?: boolean;
  /** Lists only the entries this keeps (`archive ls` of one shard: not `a.tar.lz4` after `a.tar`). */
  only?: (entry: ListEntryJson) => boolean;
}

/** Props always listed; others come from `--props`. */
const baseProps = ['name', 'size'];

/** Registers `ls`. */
export function registerLsCommand(program: Command, io: CliIo): void {
  program
    .command('ls')
    .description('list buckets, or the objects of a bucket')
    .argument('[bucket]', 'ais://bucket, optionally with /prefix')
    .option('--prefix <prefix>', 'only objects whose names start with this')
    .option('--page-size <count>', 'objects per page requested from the cluster', positiveInteger)
    .option('--limit <count>', 'stop after this many objects', positiveInteger)
    .option(
      '--props <list>',
      'extra properties, e.g. checksum,atime,version,copies,location,custom',
    )
    .option(
      '--no-recursion',
      'only the objects directly under the prefix, and its directories one level down (names ending in /)',
    )
    .option('--no-dirs', 'no directory entries (with --no-recursion: only the objects)')
    .option('--archive', 'list the files inside shards too, as <shard>/<path>')
    .option('--summary', 'without a bucket: every bucket with its object count and sizes')
    .addOption(new Option('--json', 'print JSON'))
    .action(
      commandAction(io, async (context, uri: string | undefined, options: LsOptions) => {
        if (uri === undefined) return await listBuckets(context, options);
        if (options.summary === true)
          throw new UsageError(
            '--summary lists the buckets: give no bucket (or see `bucket summary`)',
          );
        const { bucket, objectName } = parseBucketObject(uri);
        if (objectName !== '' && options.prefix !== undefined) {
          throw new UsageError('give the prefix either in the URI or with --prefix, not both');
        }
        await listObjects(context, bucket, { ...options, prefix: options.prefix ?? objectName });
      }),
    );
}

async function listBuckets(context: CommandContext, options: LsOptions): Promise<void> {
  const buckets = await context.client.listBuckets();
  if (options.summary === true) {
    const rows = await bucketRows(context.client, buckets);
    if (options.json === true) return context.printJson(rows);
    return context.printLines(bucketTable(rows));
  }
  if (options.json === true) return context.printJson(buckets);
  const rows = buckets.map((bucket) => [bucketDisplayName(bucket)]);
  context.printLines(formatTable([{ header: 'NAME' }], rows));
}

export async function listObjects(
  context: CommandContext,
  bucket: BucketJson,
  options: LsOptions,
): Promise<void> {
  const extraProps = (options.props ?? '')
    .split(',')
    .map((prop) => prop.trim())
    .filter((prop) => prop !== '' && !baseProps.includes(prop));
  const request: ListObjectsRequestJson = { props: [...baseProps, ...extraProps].join(',') };
  if (options.prefix !== undefined && options.prefix !== '') request.prefix = options.prefix;
  if (options.pageSize !== undefined) request.pagesize = options.pageSize;
  const flags =
    (options.recursion === false ? ListFlag.noRecursion : 0n) |
    (options.dirs === false ? ListFlag.noDirs : 0n) |
    (options.archive === true ? ListFlag.archDir : 0n);
  if (flags !== 0n) request.flags = String(flags);
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const output =
    options.json === true ? jsonArrayWriter(context) : tableWriter(context, extraProps);
  let listed = 0;
  let batch: ListEntryJson[] = [];
  for await (const entry of context.client.listObjects(bucket, request)) {
    if (options.only !== undefined && !options.only(entry)) continue;
    batch.push(entry);
    listed += 1;
    if (batch.length >= 1000) {
      output.add(batch);
      batch = [];
    }
    if (listed >= limit) break;
  }
  output.add(batch);
  output.end();
}

interface EntryWriter {
  add(entries: readonly ListEntryJson[]): void;
  end(): void;
}

/** Streams a JSON array, one entry per line, without holding the listing in memory. */
function jsonArrayWriter(context: CommandContext): EntryWriter {
  let first = true;
  context.io.stdout.write('[');
  return {
    add: (entries) => {
      for (const entry of entries) {
        context.io.stdout.write(`${first ? '' : ','}\n  ${JSON.stringify(entry)}`);
        first = false;
      }
    },
    end: () => context.io.stdout.write(first ? ']\n' : '\n]\n'),
  };
}

function tableWriter(context: CommandContext, extraProps: readonly string[]): EntryWriter {
  const columns: Column[] = [
    { header: 'NAME' },
    { header: 'SIZE', alignRight: true },
    ...extraProps.map((prop) => ({ header: prop.toUpperCase() })),
  ];
  const table = new StreamingTable(columns, (line) => context.print(line));
  return {
    add: (entries) => table.add(entries.map((entry) => entryRow(entry, extraProps))),
    end: () => table.add([]),
  };
}

/** One table row: name, human size, then the requested props. */
export function entryRow(entry: ListEntryJson, extraProps: readonly string[]): string[] {
  const size = Number(entry.size ?? Number.NaN);
  const fields = entry as unknown as Record<string, unknown>;
  return [
    entry.name,
    Number.isFinite(size) ? formatBytes(size) : '-',
    ...extraProps.map((prop) => {
      const value = fields[prop === 'custom' ? 'custom-md' : prop];
      if (value === undefined || value === '') return '-';
      return typeof value === 'string' ? value : JSON.stringify(value);
    }),
  ];
}
