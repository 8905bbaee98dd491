// Streams a request body into an open file, feeding each chunk to the hashers on its way: the
// chunks that arrive while a write is in flight go to the file together in the next one (one
// `writev`). A 1 MiB body read from a socket in 64 KiB pieces then takes a few thread-pool writes
// instead of sixteen; a body longer than its declared length is cut short instead of filling the disk.
import { IncomingMessage } from 'node:http';
import { finished, Writable, type Readable } from 'node:stream';
import { badRequest } from '../../errors/index.js';
import type { DiskFile } from './disk.js';

/** Something fed every body byte in order (a checksum's hasher). */
export interface ChunkObserver {
  update(chunk: Uint8Array): void;
}

export interface BodyWrite {
  /** The declared body length: a longer body fails with BadRequest. */
  limitBytes?: number | undefined;
  hashers?: readonly ChunkObserver[];
  /**
   * Resolves once observers off the main thread caught up with the body read so far: awaited with
   * each write, so that their backlog stays within what one write gathers.
   */
  caughtUp?: (() => Promise<void>) | undefined;
}

/**
 * Bytes gathered while a write is in flight before the body is paused: what one `writev` takes at
 * most in the steady state (the socket's reads then wait in the kernel).
 */
const batchBytes = 1024 * 1024;

/**
 * Writes all of `body` to `handle` at its current position; resolves with the byte count once the
 * body ended and every byte is written. A body error (or its end before the last byte), a failed
 * write or a body over the limit rejects and tears the body down, as `pipeline` would (a server
 * request without its socket, so that the error can still be answered). The caller owns and
 * closes the handle. Piped by hand: `pipeline` makes an AbortController per call and aborts it at
 * the end, building a `DOMException` with its stack — 50–70 µs per PUT, more than the rest of
 * the piping (docs/profiling.md).
 */
export function writeBody(
  body: Readable,
  handle: DiskFile,
  options: BodyWrite = {},
): Promise<number> {
  const sink = new FileSink(handle, options);
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (error: Error | null | undefined): void => {
      if (settled) return;
      settled = true;
      if (error === null || error === undefined) {
        stopWatching();
        resolve(sink.bytesWritten);
        return;
      }
      // The watcher stays: it takes the 'error' the body's destruction emits.
      body.unpipe(sink);
      // As `pipeline` does: a server request is torn down without its socket (destroying an
      // unfinished one would reset the connection), so that the error can still be answered.
      if (body instanceof IncomingMessage && !('req' in body))
        (body as { socket: IncomingMessage['socket'] | null }).socket = null;
      body.destroy(error);
      sink.destroy(error);
      reject(error);
    };
    // Only errors and a premature close matter here: the sink's 'finish' says every byte is written.
    const stopWatching = finished(body, { writable: false }, (error) => {
      if (error !== null && error !== undefined) settle(error);
    });
    sink.on('error', settle);
    sink.on('finish', () => settle(undefined));
    body.pipe(sink);
  });
}

/** Writes (and hashes) what gathered while the previous write was in flight in one call. */
class FileSink extends Writable {
  readonly #handle: DiskFile;
  readonly #limitBytes: number | undefined;
  readonly #hashers: readonly ChunkObserver[];
  readonly #caughtUp: (() => Promise<void>) | undefined;
  bytesWritten = 0;

  constructor(handle: DiskFile, options: BodyWrite) {
    super({ highWaterMark: batchBytes });
    this.#handle = handle;
    this.#limitBytes = options.limitBytes;
    this.#hashers = options.hashers ?? [];
    this.#caughtUp = options.caughtUp;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: WriteCallback): void {
    this.#writeAll([chunk], chunk.length).then(() => callback(), callback);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: WriteCallback): void {
    const buffers = chunks.map((item) => item.chunk);
    const total = buffers.reduce((sum, buffer) => sum + buffer.length, 0);
    this.#writeAll(buffers, total).then(() => callback(), callback);
  }

  /** One gathered write; libuv loops over partial writes, so a short count follows an error only. */
  async #writeAll(buffers: Buffer[], total: number): Promise<void> {
    const limit = this.#limitBytes;
    if (limit !== undefined && this.bytesWritten + total > limit) {
      throw badRequest(`content length mismatch: body longer than the declared ${limit} bytes`);
    }
    for (const buffer of buffers) for (const hasher of this.#hashers) hasher.update(buffer);
    const [only] = buffers;
    const written =
      buffers.length === 1 && only !== undefined
        ? this.#handle.write(only, 0, total)
        : this.#handle.writev(buffers);
    const [{ bytesWritten }] = await Promise.all([written, this.#caughtUp?.()]);
    if (bytesWritten < total) {
      const rest = Buffer.concat(buffers).subarray(bytesWritten);
      for (let offset = 0; offset < rest.length;) {
        const result = await this.#handle.write(rest, offset, rest.length - offset);
        if (result.bytesWritten === 0) throw new Error('write made no progress');
        offset += result.bytesWritten;
      }
    }
    this.bytesWritten += total;
  }
}

type WriteCallback = (error?: Error | null) => void;
