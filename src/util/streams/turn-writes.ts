// Piping a Readable into a socket-backed Writable (an HTTP response) a turn at a time: every chunk
// the source holds is written in the turn it is there, and the source is paused only after the turn
// when the destination wants draining. `pipeline` pauses after the first write that returns false,
// and a response's socket takes 16 KiB before that: a source of 64 KiB chunks (a GetBatch's TAR
// holding a peer's 1 MiB part) then went out one chunk, one system call and one drain at a time,
// where a turn's writes of a corked response go out as one `writev`.
import type { Readable, Writable } from 'node:stream';
import { writtenRelease } from './memory-body.js';

/**
 * Writes all of `source` to `destination` and ends it (with `tail`, e.g. a multipart answer's
 * closing boundary); resolves once `destination` has finished.
 * What the source holds at once is bounded by its high-water mark, so is what one turn writes. A
 * failure of either side destroys both (a response is cut, never ended early) and rejects.
 */
export function writeByTurns(
  source: Readable,
  destination: Writable,
  tail?: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (error: Error): void => {
      if (settled) return;
      settled = true;
      source.destroy(error);
      destination.destroy(error);
      reject(error);
    };
    let checkScheduled = false;
    const resume = (): void => {
      if (!settled) source.resume();
    };
    const pauseIfFull = (): void => {
      checkScheduled = false;
      if (settled || !destination.writableNeedDrain) return;
      source.pause();
      destination.once('drain', resume);
    };
    source.on('data', (chunk: Buffer) => {
      // A pooled buffer goes back to its pool once the socket has it (written or failed).
      const release = writtenRelease(chunk);
      destination.write(chunk, release === undefined ? undefined : () => release());
      if (checkScheduled) return;
      checkScheduled = true;
      process.nextTick(pauseIfFull);
    });
    source.once('end', () => (tail === undefined ? destination.end() : destination.end(tail)));
    source.once('error', fail);
    source.once('close', () => {
      if (!source.readableEnded) fail(new Error('the source closed before its end'));
    });
    destination.once('error', fail);
    destination.once('finish', () => {
      if (settled) return;
      settled = true;
      resolve();
    });
    destination.once('close', () => {
      if (!destination.writableFinished) fail(new Error('the destination closed before the end'));
    });
    // Closed already (a client gone while the answer was prepared): it emits nothing more, and its
    // writes and end fail quietly, so without this nothing would ever settle the promise.
    if (destination.destroyed) fail(new Error('the destination closed before the end'));
    // Likewise a source that failed before it was handed over (a batch aborted meanwhile).
    else if (source.destroyed && !source.readableEnded)
      fail(source.errored ?? new Error('the source closed before its end'));
  });
}
