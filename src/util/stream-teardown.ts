// Tearing a stream down without leaving an 'error' event nobody listens to: an undici body destroyed
// before its end emits RequestAbortedError, and an unhandled 'error' event ends the process.
import type { Readable, Writable } from 'node:stream';

/**
 * Destroys `stream` (releasing its socket or file) and swallows the error its teardown emits. For
 * streams whose remaining bytes are no longer wanted: after a failed precondition, an abandoned
 * transfer, or once a consumer stopped early.
 */
export function destroyQuietly(stream: Readable | Writable, error?: Error): void {
  stream.on('error', ignore);
  if (!stream.destroyed) stream.destroy(error);
}

function ignore(): void {}
