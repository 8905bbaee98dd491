// Clients that go silent mid-exchange. `requestTimeout` is off (a large upload or download may take
// hours), so a client that starts an upload and then sends nothing, or stops reading an answer,
// would hold its connection, the request's buffers and an open file for ever; enough of them
// exhaust a node. As S3 does (`RequestTimeout` after about 20 s of silence), such an exchange is
// dropped once the client has been silent for the idle timeout: an upload's request stream fails
// with RequestTimeout (the write path removes what it started), a download's connection is closed.
// Only the client's silence counts: a body the server has stopped reading (back-pressure from a
// slow disk or peer), an answer the server is slow to produce, and a client waiting for
// `100 Continue` before it was sent are never timed out.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StoreError } from '../../errors/index.js';

interface Exchange {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  /** False while the client waits for `100 Continue`: its silence is ours until we answer. */
  told: boolean;
  bytesRead: number;
  bytesWritten: number;
  /** Body bytes left unread at the last sweep (the server, not the client, was behind). */
  unread: boolean;
  /** Answer bytes the kernel would not take at the last sweep. */
  unsent: boolean;
}

/**
 * The exchanges in progress on one server, swept every `idleMs`: one whose client moved no byte
 * over a whole period, while the server waited on it at both ends of that period, is dropped. So a
 * silent client goes after one to two periods.
 */
export class StalledClients {
  readonly #exchanges = new Set<Exchange>();
  readonly #timer: NodeJS.Timeout;

  constructor(readonly idleMs: number) {
    this.#timer = setInterval(() => this.#sweep(), idleMs);
    this.#timer.unref();
  }

  watch(request: IncomingMessage, response: ServerResponse): void {
    const { socket } = request;
    const exchange: Exchange = {
      request,
      response,
      told: !/100-continue/i.test(request.headers.expect ?? ''),
      bytesRead: socket.bytesRead,
      bytesWritten: socket.bytesWritten,
      unread: request.readableLength > 0,
      unsent: false,
    };
    this.#exchanges.add(exchange);
    response.once('close', () => this.#exchanges.delete(exchange));
  }

  close(): void {
    clearInterval(this.#timer);
    this.#exchanges.clear();
  }

  #sweep(): void {
    for (const exchange of this.#exchanges) {
      const { request, response } = exchange;
      const { socket } = request;
      const read = socket.bytesRead !== exchange.bytesRead;
      // `bytesWritten` counts what Node buffered too: it stands still only when nothing more could
      // be queued, i.e. when the kernel took nothing and the answer's stream is held back.
      const written = socket.bytesWritten !== exchange.bytesWritten;
      const unread = request.readableLength > 0;
      const unsent = socket.writableLength > 0;
      if (!exchange.told) exchange.told = written;
      else if (!request.complete && !read && !unread && !exchange.unread) {
        this.#exchanges.delete(exchange);
        request.destroy(
          new StoreError(
            'RequestTimeout',
            `the request body stalled: no byte for ${this.idleMs} ms; the upload was dropped`,
          ),
        );
        continue;
      } else if (!response.writableFinished && !written && unsent && exchange.unsent) {
        this.#exchanges.delete(exchange);
        // Nobody reads this answer any more: an error status cannot reach the client either.
        socket.destroy();
        continue;
      }
      exchange.bytesRead = socket.bytesRead;
      exchange.bytesWritten = socket.bytesWritten;
      exchange.unread = unread;
      exchange.unsent = unsent;
    }
  }
}
