// `cairn get ais://bucket/object [DEST]`: streams an object to a file (written beside it under a
// temporary name, renamed when complete) or to stdout (`-`).
import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { bucketDisplayName } from '../sdk/index.js';
import { formatBytes } from '../util/bytes.js';
import { parseObject } from './arguments.js';
import type { CliIo } from './cli-io.js';
import { commandAction } from './context.js';

/** Registers `get`. */
export function registerGetCommand(program: Command, io: CliIo): void {
  program
    .command('get')
    .description('download an object to a file, or to stdout with -')
    .argument('<object>', 'ais://bucket/object')
    .argument(
      '[destination]',
      'file or directory (default: the object base name here), - for stdout',
    )
    .action(
      commandAction(io, async (context, uri: string, destination: string | undefined) => {
        const { bucket, objectName } = parseObject(uri);
        const { body, props } = await context.client.getObject(bucket, objectName);
        if (destination === '-') {
          try {
            await pipeline(body, context.io.stdout, { end: false });
          } catch (error) {
            // A reader that stops early (`| head`) is not a failure of ours.
            if ((error as NodeJS.ErrnoException).code !== 'EPIPE') throw error;
          }
          return;
        }
        const path = await destinationPath(destination, objectName);
        const partial = `${path}.cairn-partial-${process.pid}`;
        try {
          await pipeline(body, createWriteStream(partial));
          await rename(partial, path);
        } catch (error) {
          await rm(partial, { force: true });
          throw error;
        }
        const display = `${bucketDisplayName(bucket)}/${objectName}`;
        const size = props.size >= 0 ? formatBytes(props.size) : 'size unknown';
        context.print(`${display} => ${path} (${size})`);
      }),
    );
}

/** The file to write: the destination, inside it when it is a directory, or the base name here. */
async function destinationPath(
  destination: string | undefined,
  objectName: string,
): Promise<string> {
  const name = basename(objectName);
  if (destination === undefined) return name;
  const info = await stat(destination).catch(() => undefined);
  return info?.isDirectory() === true ? join(destination, name) : destination;
}
