// `cairn get ais://bucket/object [DEST]`: streams an object to a file (written beside it under a
// temporary name, renamed when complete) or to stdout (`-`). With `--archpath` it reads one file
// out of a shard; with `--archregx`/`--archmode` a TAR of the files they select (AIStore's
// `ais get` options).
import { Option, type Command } from 'commander';
import { bucketDisplayName, type ArchiveMatchMode, type ArchiveSelection } from '../sdk/index.js';
import { formatBytes } from '../util/bytes.js';
import { parseObject } from './arguments.js';
import { UsageError } from './cli-errors.js';
import type { CliIo } from './cli-io.js';
import { commandAction } from './context.js';
import { download } from './download.js';

const archiveModes: readonly ArchiveMatchMode[] = [
  'regexp',
  'prefix',
  'suffix',
  'substr',
  'wdskey',
];

interface GetOptions {
  archpath?: string;
  archregx?: string;
  archmode?: ArchiveMatchMode;
  archmime?: string;
  etl?: string;
  etlArgs?: string;
}

/** Registers `get`. */
export function registerGetCommand(program: Command, io: CliIo): void {
  defineGet(program.command('get'), io);
}

/** `get`'s arguments, options and action on `command` (also `archive get`). */
export function defineGet(command: Command, io: CliIo): void {
  command
    .description(
      'download an object, a file inside a shard, or a TAR of files matched inside a shard, to a file or to stdout with -',
    )
    .argument('<object>', 'ais://bucket/object')
    .argument(
      '[destination]',
      'file or directory (default: the object or archived file base name here), - for stdout',
    )
    .option('--archpath <path>', 'read this file out of the shard (its raw bytes)')
    .option('--archregx <expression>', 'read the files of the shard it matches, as one TAR')
    .addOption(
      new Option('--archmode <mode>', 'how --archregx matches (default prefix)').choices(
        archiveModes,
      ),
    )
    .option('--archmime <format>', 'the shard format when its name does not tell (.tar, .zip...)')
    .option('--etl <name>', 'the object transformed by this ETL (inline transform)')
    .option('--etl-args <args>', 'arguments for the ETL (etl_args)')
    .action(
      commandAction(
        io,
        async (context, uri: string, destination: string | undefined, options: GetOptions) => {
          const { bucket, objectName } = parseObject(uri);
          const selection = archiveSelection(options);
          const display = `${bucketDisplayName(bucket)}/${objectName}`;
          if (options.etl !== undefined && selection !== undefined)
            throw new UsageError('--etl does not combine with --archpath or --archregx');
          if (options.etlArgs !== undefined && options.etl === undefined)
            throw new UsageError('--etl-args needs --etl');
          const etl =
            options.etl === undefined
              ? {}
              : {
                  etl: {
                    name: options.etl,
                    ...(options.etlArgs === undefined ? {} : { args: options.etlArgs }),
                  },
                };
          if (selection === undefined) {
            const { body, props } = await context.client.getObject(bucket, objectName, etl);
            const { path } = await download(context, body, destination, objectName, {
              subject: `GET ${display}`,
            });
            if (path === undefined) return;
            const size = props.size >= 0 ? formatBytes(props.size) : 'size unknown';
            context.print(`${display} => ${path} (${size})`);
            return;
          }
          if (!('path' in selection) && destination === undefined) {
            throw new UsageError('--archregx needs a destination (a file, or - for stdout)');
          }
          const { body } = await context.client.getFromShard(bucket, objectName, selection);
          const name = 'path' in selection ? selection.path : `${objectName}.tar`;
          const { path, bytes } = await download(context, body, destination, name, {
            subject: `GET ${display}`,
          });
          if (path === undefined) return;
          const what = 'path' in selection ? `${display}/${selection.path}` : display;
          context.print(`${what} => ${path} (${formatBytes(bytes)})`);
        },
      ),
    );
}

/** The part of a shard the options select, or undefined for the whole object. */
function archiveSelection(options: GetOptions): ArchiveSelection | undefined {
  const mime = options.archmime === undefined ? {} : { mime: options.archmime };
  if (options.archpath !== undefined) {
    if (options.archregx !== undefined || options.archmode !== undefined) {
      throw new UsageError('--archpath reads one file: it does not go with --archregx/--archmode');
    }
    return { path: options.archpath, ...mime };
  }
  if (options.archregx !== undefined) {
    return { regex: options.archregx, mode: options.archmode ?? 'prefix', ...mime };
  }
  if (options.archmode !== undefined) throw new UsageError('--archmode needs --archregx');
  if (options.archmime !== undefined) {
    throw new UsageError('--archmime needs --archpath or --archregx');
  }
  return undefined;
}
