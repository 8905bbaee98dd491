// Where a command's downloaded stream goes: stdout (`-`), or a file written beside its final name
// under a temporary one and renamed when complete (a failed or cut transfer leaves no file). On a
// terminal, the bytes received so far are shown on stderr while it runs.
import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { formatBytes } from '../util/bytes.js';
import type { CommandContext } from './context.js';

/** How often, at most, a terminal's byte count is redrawn. */
const progressIntervalMs = 250;

/** Counts the bytes passing through `pass`, and shows the count on a terminal's stderr. */
class ByteMeter {
  bytes = 0;
  readonly #stderr: CommandContext['io']['stderr'];
  readonly #label: string;
  #shownAt = 0;

  constructor(stderr: CommandContext['io']['stderr'], label: string) {
    this.#stderr = stderr;
    this.#label = label;
  }

  /** A pipeline stage rather than a 'data' listener, which would start the flow too early. */
  async *pass(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      this.bytes += chunk.length;
      this.#show();
      yield chunk;
    }
  }

  #show(): void {
    if (this.#stderr.isTTY !== true || Date.now() - this.#shownAt < progressIntervalMs) return;
    this.#shownAt = Date.now();
    this.#stderr.write(`\r\x1b[K${this.#label}: ${formatBytes(this.bytes)}`);
  }

  clear(): void {
    if (this.#stderr.isTTY === true) this.#stderr.write('\r\x1b[K');
  }
}

/** How a download names itself: on the terminal's byte count, and when it is cut short. */
export interface DownloadLabels {
  /** Prefixes the byte count shown on a terminal (default `received`). */
  label?: string;
  /** What was asked, for the error of an answer cut short (default `the download`). */
  subject?: string;
  /** Why such an answer may end early, added to that error. */
  why?: string;
}

/**
 * Writes `body` to stdout when `destination` is `-`, else to the file it names (inside it when it
 * is a directory; `defaultName` here when absent). Returns the file written (undefined for
 * stdout) and the bytes written. An answer whose connection closed before its end (the HTTP
 * client's bare socket error) fails saying so, and what was left of it.
 */
export async function download(
  context: CommandContext,
  body: Readable,
  destination: string | undefined,
  defaultName: string,
  labels: DownloadLabels = {},
): Promise<{ path: string | undefined; bytes: number }> {
  const meter = new ByteMeter(context.io.stderr, labels.label ?? 'received');
  const counted = (source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> => meter.pass(source);
  try {
    if (destination === '-') {
      try {
        await pipeline(body, counted, context.io.stdout, { end: false });
      } catch (error) {
        // A reader that stops early (`| head`) is not a failure of ours.
        if ((error as NodeJS.ErrnoException).code !== 'EPIPE') throw cutShort(error, labels, true);
      }
      return { path: undefined, bytes: meter.bytes };
    }
    const path = await destinationPath(destination, defaultName);
    const partial = `${path}.cairn-partial-${process.pid}`;
    try {
      await pipeline(body, counted, createWriteStream(partial));
      await rename(partial, path);
    } catch (error) {
      await rm(partial, { force: true });
      throw cutShort(error, labels, false);
    }
    return { path, bytes: meter.bytes };
  } finally {
    meter.clear();
  }
}

/** Codes of an answer whose connection closed before its end. */
const cutCodes = new Set([
  'UND_ERR_SOCKET',
  'ECONNRESET',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_ABORTED',
]);

/**
 * A streamed answer has no trailer: a cluster that fails after its first byte can only close the
 * connection, which the HTTP client reports as a bare socket error (before the head arrives, when
 * the head was still held back with that byte). Says what that means; other errors pass unchanged.
 */
export function cutShort(error: unknown, labels: DownloadLabels, toStdout: boolean): unknown {
  const codes = [error, (error as { cause?: unknown } | undefined)?.cause].map(
    (value) => (value as { code?: unknown } | undefined)?.code,
  );
  if (!codes.some((code) => typeof code === 'string' && cutCodes.has(code))) return error;
  const left = toStdout ? 'what went to stdout is incomplete' : 'no file was written';
  const why = labels.why === undefined ? '' : ` (${labels.why})`;
  return new Error(
    `${labels.subject ?? 'the download'} cut short: the cluster closed the answer before it was complete${why}; ${left} (${(error as Error).message})`,
    { cause: error },
  );
}

/** The file to write: the destination, inside it when it is a directory, or the name here. */
async function destinationPath(destination: string | undefined, name: string): Promise<string> {
  const base = basename(name);
  if (destination === undefined) return base;
  const info = await stat(destination).catch(() => undefined);
  return info?.isDirectory() === true ? join(destination, base) : destination;
}
