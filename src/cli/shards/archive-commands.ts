// `cairn archive put FILE ais://b/SHARD`: one local file into a shard (create, append, or append
// or create: `Ais-Pine`); `cairn archive bucket ais://src ais://dst/SHARD`: the archive job over
// a list or range template of objects, waited for with progress. AIStore's `ais archive` spelling.
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { bucketDisplayName, type ArchiveWriteMode } from '../../sdk/index.js';
import { formatBytes } from '../../util/bytes.js';
import { waitForJob } from '../admin/job-commands.js';
import { listOrTemplate, parseBucket, parseObject, positiveInteger } from '../arguments.js';
import { UsageError } from '../cli-errors.js';
import type { CliIo } from '../cli-io.js';
import { commandAction } from '../context.js';
import { fileBody } from '../put-sources.js';

interface PutOptions {
  archpath?: string;
  append?: boolean;
  appendOrCreate?: boolean;
  archmime?: string;
}

interface BucketOptions {
  list?: string;
  template?: string;
  includeSrcBck?: boolean;
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

  archive
    .command('put')
    .description('put a local file into a shard (a new shard holding it, unless --append*)')
    .argument('<file>', 'the local file')
    .argument('<shard>', 'ais://bucket/shard.tar (.tgz, .tar.gz, .zip, .tar.lz4)')
    .option('--archpath <path>', 'its path inside the shard (default: the file base name)')
    .option('--append', 'add it to the shard, which must exist')
    .option('--append-or-create', 'add it to the shard, creating the shard if absent')
    .option('--archmime <format>', 'the shard format when its name does not tell (.tar, .zip...)')
    .action(
      commandAction(io, async (context, file: string, uri: string, options: PutOptions) => {
        const { bucket, objectName } = parseObject(uri);
        const mode = writeMode(options);
        const info = await stat(file);
        if (!info.isFile()) throw new UsageError(`"${file}" is not a file`);
        const path = options.archpath ?? basename(file);
        await context.client.putIntoShard(
          bucket,
          objectName,
          path,
          fileBody(file, info.size),
          options.archmime === undefined ? { mode } : { mode, mime: options.archmime },
        );
        const display = `${bucketDisplayName(bucket)}/${objectName}`;
        context.print(`${file} => ${display}/${path} (${formatBytes(info.size)})`);
      }),
    );

  archive
    .command('bucket')
    .description('archive objects of a bucket into one shard (a cluster job); prints its ID')
    .argument('<source>', 'ais://bucket holding the objects')
    .argument('<shard>', 'ais://bucket/shard.tar (.tgz, .tar.gz, .zip, .tar.lz4)')
    .option('--list <names>', 'comma-separated object names, archived in this order')
    .option('--template <template>', "object names like 'obj-{000..999}'")
    .option('--include-src-bck', 'name each file <source bucket>/<object>')
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
          const names = listOrTemplate(options, 'archive');
          const id = await context.client.jobs.archive(source, {
            tobck: bucket,
            archname: objectName,
            ...names.selection,
            ...(options.archmime === undefined ? {} : { mime: options.archmime }),
            ...(options.includeSrcBck === true ? { isbn: true } : {}),
            ...(options.contOnErr === true ? { coer: true } : {}),
          });
          context.note(
            `archiving ${names.total} object(s) of ${bucketDisplayName(source)} into ${bucketDisplayName(bucket)}/${objectName}: job ${id}`,
          );
          context.print(id);
          if (!options.wait) return;
          await waitForJob(context, id, options.timeout, {
            total: names.total,
            counter: 'loc-objs',
          });
        },
      ),
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
