// The undici dispatch handler behind IntraClient.proxy: the answer's raw headers go to `head`,
// its body chunks straight into the response with its backpressure, and nothing is parsed into
// objects on the way (undici's `stream()` turns the headers into an object and watches the writable
// with `finished()`, which cost a gateway more than the rest of the proxy hop).
import type { Writable } from 'node:stream';
import type { Dispatcher } from 'undici';

/** Writes the answer's status and headers (a raw list: names and values alternating) to `res`. */
export type ProxyHead = (statusCode: number, rawHeaders: readonly Buffer[]) => void;

/** An answer's head as passed on: its headers as a raw list of strings, and its body length. */
export interface PassedHead {
  headers: string[];
  /** The announced body length (Node keeps no header object for a raw list, so it is noted here). */
  contentLength: number | undefined;
}

/** The answer's raw headers as strings for `writeHead`, without those in `dropped` (lower case). */
export function passedHead(
  rawHeaders: readonly Buffer[],
  dropped: ReadonlySet<string>,
): PassedHead {
  const headers: string[] = [];
  let contentLength: number | undefined;
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = (rawHeaders[index] as Buffer).toString('latin1');
    const lower = name.toLowerCase();
    if (dropped.has(lower)) continue;
    const value = (rawHeaders[index + 1] as Buffer).toString('latin1');
    if (lower === 'content-length') contentLength = Number(value);
    headers.push(name, value);
  }
  return { headers, contentLength };
}

export class ProxyHandler implements Dispatcher.DispatchHandler {
  #abort: ((error?: Error) => void) | undefined;
  #resume: (() => void) | undefined;
  #started = false;
  #settled = false;

  constructor(
    private readonly res: Writable,
    private readonly head: ProxyHead,
    private readonly resolve: () => void,
    private readonly reject: (error: Error) => void,
  ) {
    // Watched from the start: a client that hangs up before the answer arrives cuts the exchange.
    res.once('close', this.#onClose);
  }

  onConnect(abort: (error?: Error) => void): void {
    this.#abort = abort;
    if (this.res.destroyed) abort(new Error('the client closed the connection'));
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    // 1xx informational answers (100 Continue) are the peer's business, not the client's.
    if (statusCode < 200) return true;
    this.#started = true;
    this.#resume = resume;
    if (this.res.destroyed) return true;
    this.head(statusCode, rawHeaders);
    this.res.on('drain', this.#onDrain);
    return !this.res.writableNeedDrain;
  }

  onData(chunk: Buffer): boolean {
    // Never pause for a response that is gone (no 'drain' would come): undici asserts that a
    // connection the peer closes is not paused. The abort on 'close' ends the exchange.
    if (this.res.destroyed) return true;
    // undici flushes its parser with an empty buffer on every resume after backpressure, which
    // reports an empty body chunk: written, it would cost the client's socket a zero-length write
    // syscall per 64 KiB of a proxied body (measured with strace on a gateway's GET 1 MiB).
    if (chunk.length === 0) return true;
    return this.res.write(chunk);
  }

  onComplete(): void {
    this.#settled = true;
    this.res.end();
    this.resolve();
  }

  onError(error: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    // Once the head was written, the client can only learn of the failure from a cut connection.
    // The request's body is left alone: undici destroys it when the exchange fails after it began
    // sending it, and one never sent (the peer refused the connection) is the caller's, which still
    // answers the client (503 for a PUT to a dead owner, not a reset; Node discards the unread rest).
    if (this.#started) this.res.destroy();
    this.reject(error);
  }

  readonly #onDrain = (): void => {
    this.#resume?.();
  };

  readonly #onClose = (): void => {
    if (this.#settled) return;
    // Paused on backpressure, the exchange would wait for a 'drain' that never comes: let it run
    // on (the rest of the answer is dropped), then cut it if it has not ended by itself.
    this.#resume?.();
    if (!this.#settled) this.#abort?.(new Error('the client closed the connection'));
  };
}
