// Where a command's downloaded stream goes: stdout (`-`), or a file written beside its final name
// under a temporary one and renamed when complete (a failed or cut transfer leaves no file).
import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { CommandContext } from './context.js';

/**
 * Writes `body` to stdout when `destination` is `-`, else to the file it names (inside it when it
 * is a directory; `defaultName` here when absent). Returns the file written, or undefined for
 * stdout, and the bytes written.
 */
export async function download(
  context: CommandContext,
  body: Readable,
  destination: string | undefined,
  defaultName: string,
): Promise<{ path: string | undefined; bytes: number }> {
  let bytes = 0;
  // Counted as it passes (a 'data' listener would start the flow before the file is open).
  const counted = async function* (source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      bytes += chunk.length;
      yield chunk;
    }
  };
  if (destination === '-') {
    try {
      await pipeline(body, counted, context.io.stdout, { end: false });
    } catch (error) {
      // A reader that stops early (`| head`) is not a failure of ours.
      if ((error as NodeJS.ErrnoException).code !== 'EPIPE') throw error;
    }
    return { path: undefined, bytes };
  }
  const path = await destinationPath(destination, defaultName);
  const partial = `${path}.cairn-partial-${process.pid}`;
  try {
    await pipeline(body, counted, createWriteStream(partial));
    await rename(partial, path);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  return { path, bytes };
}

/** The file to write: the destination, inside it when it is a directory, or the name here. */
async function destinationPath(destination: string | undefined, name: string): Promise<string> {
  const base = basename(name);
  if (destination === undefined) return base;
  const info = await stat(destination).catch(() => undefined);
  return info?.isDirectory() === true ? join(destination, base) : destination;
}
