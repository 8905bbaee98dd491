// `cairn archive put FILE|DIR ais://b/SHARD`: one local file, or every file under a directory
// (archive-directory.ts), into a shard (create, append, or append or create: `Ais-Pine`;
// `archive append` appends); `cairn archive bucket|create ais://src
// ais://dst/SHARD`: the archive job over a list, range template or prefix of objects, waited for
// with progress; `archive get` and `archive ls` are `get` and `ls --archive` of a shard.
// AIStore's `ais archive` spelling.
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { bucketDisplayName, type ArchiveWriteMode, type ListEntryJson } from '../../sdk/index.js';
import { formatBytes } from '../../util/bytes.js';
import { waitForJob } from '../admin/job-commands.js';
import {
  listOrTemplate,
  parseBucket,
  parseBucketObject,
  parseObject,
  positiveInteger,
} from '../arguments.js';
import { UsageError } from '../cli-errors.js';
import type { CliIo } from '../cli-io.js';
import { commandAction } from '../context.js';
import { defineGet } from '../get-command.js';
import { listObjects } from '../ls-command.js';
import { fileBody } from '../put-sources.js';

/** Names of shards, by their extension (AIStore's formats). */
const shardNamePattern = /\.(tar|tgz|tar\.gz|zip|tar\.lz4)$/i;

interface PutOptions {
  archpath?: string;
  append?: boolean;
  appendOrCreate?: boolean;
  archmime?: string;
}

interface BucketOptions {
  list?: string;
  template?: string;
  prefix?: string;
  append?: boolean;
  nonRecursive?: boolean;
  includeSrcBck?: boolean;
  baseNameOnly?: boolean;
  contOnErr?: boolean;
  archmime?: string;
  wait: boolean;
  timeout: number;
}

/** Registers the `archive` command group. */
export function registerArchiveCommands(program: Command, io: CliIo): void {
  const archive = program
    .command('archive')
    .description('shards: write files into them, build them from objects');

  const put = archive
    .command('put')
    .description(
      'put a local file, or every file under a directory, into a shard (a new shard, unless --append*)',
    );
  definePut(
    put
      .option('--append', 'add it to the shard, which must exist')
      .option('--append-or-create', 'add it to the shard, creating the shard if absent'),
    io,
    writeMode,
  );
  definePut(
    archive.command('append').description('append a local file to a shard, which must exist'),
    io,
    () => 'append',
  );

  defineGet(
    archive.command('get').summary('a file inside a shard, or a TAR of matches (as get)'),
    io,
  );

  archive
    .command('ls')
    .description('list the files inside shards, as <shard>/<path> (ls --archive)')
    .argument('<shard>', 'ais://bucket/shard.tar (that shard only), or a prefix of shards')
    .action(
      commandAction(io, async (context, uri: string) => {
        const { bucket, objectName } = parseBucketObject(uri);
        // A shard's name is also the prefix of others (`a.tar.lz4` of `a.tar`): a name that ends
        // in an archive extension lists that shard only.
        const only = shardNamePattern.test(objectName)
          ? (entry: ListEntryJson) =>
              entry.name === objectName || entry.name.startsWith(`${objectName}/`)
          : undefined;
        await listObjects(context, bucket, {
          prefix: objectName,
          archive: true,
          ...(only === undefined ? {} : { only }),
        });
      }),
    );

  archive
    .command('bucket')
    .alias('create')
    .description('archive objects of a bucket into one shard (a cluster job); prints its ID')
    .argument('<source>', 'ais://bucket holding the objects')
    .argument('<shard>', 'ais://bucket/shard.tar (.tgz, .tar.gz, .zip, .tar.lz4)')
    .option('--list <names>', 'comma-separated object names, archived in this order')
    .option('--template <template>', "object names like 'obj-{000..999}'")
    .option('--prefix <prefix>', "the objects under this prefix ('' for the whole bucket)")
    .option('--non-recursive', 'with --prefix: not the objects of its virtual subdirectories')
    .option('--append', 'append to the shard if it exists')
    .option('--include-src-bck', 'name each file <source bucket>/<object>')
    .option('--base-name-only', "name each file by the object's base name (after its last /)")
    .option('--cont-on-err', 'skip missing objects instead of failing')
    .option('--archmime <format>', 'the shard format when its name does not tell')
    .option('--no-wait', 'return once the job started')
    .option('--timeout <seconds>', 'give up waiting after this long', positiveInteger, 3600)
    .action(
      commandAction(
        io,
        async (context, sourceUri: string, shardUri: string, options: BucketOptions) => {
          const source = parseBucket(sourceUri);
          const { bucket, objectName } = parseObject(shardUri);
          const names = selectedNames(options);
          const id = await context.client.jobs.archive(source, {
            tobck: bucket,
            archname: objectName,
            ...names.selection,
            ...(options.archmime === undefined ? {} : { mime: options.archmime }),
            ...(options.includeSrcBck === true ? { isbn: true } : {}),
            ...(options.baseNameOnly === true ? { bnonly: true } : {}),
            ...(options.contOnErr === true ? { coer: true } : {}),
            ...(options.append === true ? { aate: true } : {}),
            ...(options.nonRecursive === true ? { 'non-recurs': true } : {}),
          });
          const count = names.total === undefined ? 'the' : `${names.total}`;
          context.note(
            `archiving ${count} object(s) of ${bucketDisplayName(source)} into ${bucketDisplayName(bucket)}/${objectName}: job ${id}`,
          );
          context.print(id);
          if (!options.wait) return;
          const progress =
            names.total === undefined ? undefined : { total: names.total, counter: 'loc-objs' };
          await waitForJob(context, id, options.timeout, progress);
        },
      ),
    );
}

/** `put`'s arguments, options and action on `command` (`archive put`, `archive append`). */
function definePut(
  command: Command,
  io: CliIo,
  modeOf: (options: PutOptions) => ArchiveWriteMode,
): void {
  command
    .argument('<file>', 'the local file, or a directory: every file under it')
    .argument('<shard>', 'ais://bucket/shard.tar (.tgz, .tar.gz, .zip, .tar.lz4)')
    .option(
      '--archpath <path>',
      'its path inside the shard (default: the file base name); for a directory, a prefix',
    )
    .option('--archmime <format>', 'the shard format when its name does not tell (.tar, .zip...)')
    .action(
      commandAction(io, async (context, file: string, uri: string, options: PutOptions) => {
        const { bucket, objectName } = parseObject(uri);
        const mode = modeOf(options);
        const info = await stat(file);
        if (info.isDirectory()) {
          const { archpath, archmime } = options;
          const shard = { bucket, shard: objectName, mode, archpath, archmime };
          // The archive writers (tar-stream, yazl...) are loaded when a directory is packed, not
          // at every CLI start.
          const { putDirectoryIntoShard } = await import('./archive-directory.js');
          await putDirectoryIntoShard(context, { root: file, ...shard });
          return;
        }
        if (!info.isFile()) throw new UsageError(`"${file}" is not a file`);
        const path = options.archpath ?? basename(file);
        const display = `${bucketDisplayName(bucket)}/${objectName}`;
        if (info.size === 0) {
          const { putEmptyFileIntoShard } = await import('./archive-directory.js');
          const shard = { bucket, shard: objectName, mode, archmime: options.archmime };
          await putEmptyFileIntoShard(context, shard, file, path);
          context.print(`${file} => ${display}/${path} (${formatBytes(0)})`);
          return;
        }
        await context.client.putIntoShard(
          bucket,
          objectName,
          path,
          fileBody(file, info.size),
          options.archmime === undefined ? { mode } : { mode, mime: options.archmime },
        );
        context.print(`${file} => ${display}/${path} (${formatBytes(info.size)})`);
      }),
    );
}

/** The `Ais-Pine` mode the options ask for. */
function writeMode(options: PutOptions): ArchiveWriteMode {
  if (options.append === true && options.appendOrCreate === true) {
    throw new UsageError('--append and --append-or-create exclude each other');
  }
  if (options.append === true) return 'append';
  return options.appendOrCreate === true ? 'append-or-create' : 'create';
}

/**
 * The job's selection (exactly one of --list, --template, --prefix) and how many objects it names
 * (unknown for a prefix: the server lists them).
 */
function selectedNames(options: BucketOptions): {
  selection: { objnames: string[] } | { template: string };
  total: number | undefined;
} {
  const given = [options.list, options.template, options.prefix].filter((x) => x !== undefined);
  if (given.length !== 1) {
    throw new UsageError('give the objects to archive with one of --list, --template, --prefix');
  }
  if (options.prefix === undefined) return listOrTemplate(options, 'archive');
  if (/[{@%]/.test(options.prefix)) {
    throw new UsageError(`--prefix "${options.prefix}" looks like a template`);
  }
  return { selection: { template: options.prefix }, total: undefined };
}
