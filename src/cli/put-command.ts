// `cairn put SRC ais://bucket[/name]`: a file, a directory (recursively, `--concurrency` uploads at
// a time, with a progress bar on a terminal) or `-` for stdin.
import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import type { SingleBar } from 'cli-progress';
import { bucketDisplayName, type BucketJson, type Client } from '../sdk/index.js';
import { formatBytes } from '../util/bytes.js';
import { parseObjectDestination, positiveInteger } from './arguments.js';
import { CommandError, UsageError } from './cli-errors.js';
import type { CliIo } from './cli-io.js';
import { commandAction, type CommandContext } from './context.js';
import {
  directoryItems,
  fileBody,
  singleObjectName,
  spoolStdin,
  type UploadItem,
} from './put-sources.js';

interface PutOptions {
  concurrency: number;
}

/** Registers `put`. */
export function registerPutCommand(program: Command, io: CliIo): void {
  program
    .command('put')
    .description('upload a file, a directory (recursively) or stdin (-)')
    .argument('<source>', 'file, directory, or - for stdin')
    .argument('<destination>', 'ais://bucket[/name]; for a directory, an optional name prefix')
    .option('--concurrency <count>', 'parallel uploads for a directory', positiveInteger, 8)
    .action(
      commandAction(
        io,
        async (context, source: string, destination: string, options: PutOptions) => {
          const { bucket, objectName } = parseObjectDestination(destination);
          if (source === '-') return await putStdin(context, bucket, objectName);
          const info = await stat(source).catch(() => undefined);
          if (info?.isDirectory() === true) {
            return await putDirectory(context, source, bucket, objectName, options.concurrency);
          }
          if (info?.isFile() !== true)
            throw new CommandError(`"${source}" is not a file or directory`);
          const name = singleObjectName(objectName, source);
          await context.client.putObject(bucket, name, fileBody(source, info.size));
          context.print(
            `${source} => ${bucketDisplayName(bucket)}/${name} (${formatBytes(info.size)})`,
          );
        },
      ),
    );
}

async function putStdin(
  context: CommandContext,
  bucket: BucketJson,
  objectName: string,
): Promise<void> {
  if (objectName === '' || objectName.endsWith('/')) {
    throw new UsageError('reading stdin needs an object name: cairn put - ais://bucket/name');
  }
  const spooled = await spoolStdin(context.io.stdin);
  try {
    await context.client.putObject(bucket, objectName, fileBody(spooled.path, spooled.sizeBytes));
  } finally {
    await spooled.cleanup();
  }
  const size = formatBytes(spooled.sizeBytes);
  context.print(`stdin => ${bucketDisplayName(bucket)}/${objectName} (${size})`);
}

async function putDirectory(
  context: CommandContext,
  root: string,
  bucket: BucketJson,
  prefix: string,
  concurrency: number,
): Promise<void> {
  const items = await directoryItems(root, prefix);
  const totalBytes = items.reduce((sum, item) => sum + item.sizeBytes, 0);
  const progress =
    context.io.stderr.isTTY === true
      ? await progressBar(context, items.length, totalBytes)
      : undefined;
  let doneBytes = 0;
  try {
    await uploadAll(context.client, bucket, items, concurrency, (item) => {
      doneBytes += item.sizeBytes;
      progress?.increment(1, { bytes: formatBytes(doneBytes) });
    });
  } finally {
    progress?.stop();
  }
  const display = bucketDisplayName(bucket);
  context.print(
    `${root} => ${display}/${prefix}: ${items.length} objects, ${formatBytes(totalBytes)}`,
  );
}

/** Uploads with at most `concurrency` in flight; the first failure stops new uploads. */
export async function uploadAll(
  client: Client,
  bucket: BucketJson,
  items: readonly UploadItem[],
  concurrency: number,
  onDone: (item: UploadItem) => void,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const item = items[next];
      next += 1;
      if (item === undefined) break;
      try {
        await client.putObject(bucket, item.objectName, fileBody(item.path, item.sizeBytes));
        onDone(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  if (failure !== undefined) throw failure.error;
}

async function progressBar(
  context: CommandContext,
  objects: number,
  totalBytes: number,
): Promise<SingleBar> {
  // cli-progress is loaded when a bar is drawn: every command would pay for it at start otherwise.
  const { Presets, SingleBar } = await import('cli-progress');
  const bar = new SingleBar(
    {
      format: 'put |{bar}| {value}/{total} objects | {bytes}/{totalBytes} | {eta_formatted}',
      stream: context.io.stderr,
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  bar.start(objects, 0, { bytes: formatBytes(0), totalBytes: formatBytes(totalBytes) });
  return bar;
}
