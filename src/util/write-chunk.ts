// Writing one chunk to a socket-backed stream and learning when the socket is done with it.
import type { Writable } from 'node:stream';

/**
 * Resolves once `destination` has handed `chunk` to the kernel (the write callback), so the chunk's
 * memory may be reused; rejects if the destination errors or closes first. Only for destinations
 * that copy on write (sockets, HTTP responses), never for in-memory buffering streams.
 */
export function writeChunk(destination: Writable, chunk: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    if (destination.destroyed || destination.writableEnded) {
      reject(new Error('destination closed'));
      return;
    }
    const onClose = (): void => reject(new Error('destination closed before the write completed'));
    destination.once('close', onClose);
    destination.write(chunk, (error) => {
      destination.off('close', onClose);
      if (error === null || error === undefined) resolve();
      else reject(error);
    });
  });
}

/**
 * Writes `chunk` and resolves at once when `destination` takes more, else once it drains; rejects
 * if it errors or closes first. For chunks the caller will not reuse (no wait for the kernel), or
 * reuses only once `written` is called (the destination is done with the chunk, or never took it).
 */
export function writeOrDrain(
  destination: Writable,
  chunk: Uint8Array,
  written?: () => void,
): Promise<void> {
  if (destination.destroyed || destination.writableEnded) {
    written?.();
    return Promise.reject(new Error('destination closed'));
  }
  if (destination.write(chunk, written)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (error?: Error): void => {
      destination.off('drain', done);
      destination.off('error', done);
      destination.off('close', done);
      if (error instanceof Error) reject(error);
      else if (destination.writableNeedDrain) reject(new Error('destination closed'));
      else resolve();
    };
    destination.once('drain', done).once('error', done).once('close', done);
  });
}
