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
