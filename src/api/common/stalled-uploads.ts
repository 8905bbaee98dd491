// A client that starts an upload and then sends nothing holds its connection, a request's memory
// and often a work file open for ever (`requestTimeout` is off: a large upload may take hours). As
// S3 does (`RequestTimeout`, after about 20 s), such a request is dropped once its body has been
// silent for the idle timeout: the request stream fails with RequestTimeout, the write path removes
// what it started, and the connection is closed. Only the client's silence counts: a body the
// server has stopped reading (back-pressure from a slow disk or peer) is never timed out, nor a
// client waiting for `100 Continue` before it was sent.
import type { IncomingMessage } from 'node:http';
import { StoreError } from '../../errors/index.js';

/**
 * Watches `request`'s body until it ends: checked every `idleMs`, the request is destroyed with a
 * RequestTimeout when no byte arrived over a whole period with nothing left unread at its start
 * or end. So a stalled client is dropped between `idleMs` and twice that. 0 turns the watch off.
 */
export function dropStalledUpload(request: IncomingMessage, idleMs: number): void {
  if (idleMs <= 0 || request.complete) return;
  const { socket } = request;
  // The client may hold its body back until it is told to send: the watch starts with our answer.
  let told = !/100-continue/i.test(request.headers.expect ?? '');
  let bytesRead = socket.bytesRead;
  let bytesWritten = socket.bytesWritten;
  let bufferedBefore = request.readableLength > 0;
  const timer = setInterval(() => {
    if (request.complete || request.destroyed) {
      clearInterval(timer);
      return;
    }
    // Nothing buffered at both ends of the period: the socket was being read all along, so the
    // client sent nothing (a buffer drained just now means the wait was ours).
    const silent =
      socket.bytesRead === bytesRead && request.readableLength === 0 && !bufferedBefore;
    if (!told) told = socket.bytesWritten > bytesWritten;
    else if (silent) {
      clearInterval(timer);
      request.destroy(
        new StoreError(
          'RequestTimeout',
          `the request body stalled: no byte for ${idleMs} ms; the upload was dropped`,
        ),
      );
      return;
    }
    bytesRead = socket.bytesRead;
    bytesWritten = socket.bytesWritten;
    bufferedBefore = request.readableLength > 0;
  }, idleMs);
  timer.unref();
  const stop = (): void => clearInterval(timer);
  request.once('end', stop);
  request.once('close', stop);
}
