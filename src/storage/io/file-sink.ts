// Streams a request body into an open file: each chunk goes to the hashers as it arrives, and the
// chunks that arrive while a write is in flight go to the file together in the next one (one
// `writev`). A 1 MiB body read from a socket in 64 KiB pieces then takes a few thread-pool writes
// instead of sixteen; a body longer than its declared length is cut short instead of filling the disk.
import { finished, type Readable } from 'node:stream';
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
}

/**
 * Bytes gathered while a write is in flight before the body is paused: what one `writev` takes at
 * most in the steady state (the socket's reads then wait in the kernel).
 */
const batchBytes = 1024 * 1024;

/**
 * Writes all of `body` to `handle` at its current position and resolves with the byte count once
 * the body ended and every byte is written. On a body error, a failed write or a body over the
 * limit, the body is destroyed (as `pipeline` would) and the promise rejects; the caller owns and
 * closes the handle.
 */
export function writeBody(
  body: Readable,
  handle: DiskFile,
  options: BodyWrite = {},
): Promise<number> {
  const { limitBytes, hashers = [] } = options;
  return new Promise((resolve, reject) => {
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let received = 0;
    let written = 0;
    let writing = false;
    let ended = false;
    let failed = false;

    const fail = (error: unknown): void => {
      if (failed) return;
      failed = true;
      body.off('data', onData);
      // The watcher below stays: its error listener keeps a late error of the body handled.
      if (!body.destroyed) body.destroy(error instanceof Error ? error : undefined);
      reject(error instanceof Error ? error : new Error(String(error)));
    };
    const flush = (): void => {
      if (writing || failed) return;
      if (pending.length === 0) {
        if (ended) resolve(written);
        return;
      }
      const buffers = pending;
      const total = pendingBytes;
      pending = [];
      pendingBytes = 0;
      writing = true;
      if (body.isPaused() && !ended) body.resume();
      writeAll(handle, buffers, total).then(() => {
        writing = false;
        written += total;
        flush();
      }, fail);
    };
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (limitBytes !== undefined && received > limitBytes) {
        fail(
          badRequest(`content length mismatch: body longer than the declared ${limitBytes} bytes`),
        );
        return;
      }
      for (const hasher of hashers) hasher.update(chunk);
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (writing && pendingBytes >= batchBytes) body.pause();
      flush();
    };
    body.on('data', onData);
    // A body paused before (an explicit `pause()`) does not flow on a new 'data' listener alone.
    body.resume();
    // `finished` reports the end, an error, or a close before the end (a client that hung up).
    finished(body, { writable: false }, (error) => {
      if (error !== undefined && error !== null) {
        fail(error);
        return;
      }
      ended = true;
      flush();
    });
  });
}

/** One gathered write; libuv loops over partial writes, so a short count follows an error only. */
async function writeAll(handle: DiskFile, buffers: Buffer[], total: number): Promise<void> {
  const { bytesWritten } =
    buffers.length === 1 && buffers[0] !== undefined
      ? await handle.write(buffers[0], 0, total)
      : await handle.writev(buffers);
  if (bytesWritten >= total) return;
  const rest = Buffer.concat(buffers).subarray(bytesWritten);
  for (let offset = 0; offset < rest.length;) {
    const result = await handle.write(rest, offset, rest.length - offset);
    if (result.bytesWritten === 0) throw new Error('write made no progress');
    offset += result.bytesWritten;
  }
}
