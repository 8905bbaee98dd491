// The undici dispatch handler behind IntraClient.proxy: the answer's raw headers go to `head`,
// its body chunks straight into the response with its backpressure, and nothing is parsed into
// objects on the way (undici's `stream()` turns the headers into an object and watches the writable
// with `finished()`, which cost a gateway more than the rest of the proxy hop).
import type { Readable, Writable } from 'node:stream';
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

interface HeldAnswer {
  statusCode: number;
  rawHeaders: Buffer[];
  resume: () => void;
  /** Body chunks parsed meanwhile (undici's parser may run on when the peer closes). */
  chunks: Buffer[];
  complete: boolean;
}

export class ProxyHandler implements Dispatcher.DispatchHandler {
  #abort: ((error?: Error) => void) | undefined;
  #resume: (() => void) | undefined;
  #started = false;
  #settled = false;
  /** An answer that came before the request's body ended: held until it has (see onHeaders). */
  #held: HeldAnswer | undefined;

  constructor(
    private readonly res: Writable,
    private readonly head: ProxyHead,
    private readonly resolve: () => void,
    private readonly reject: (error: Error) => void,
    /** The request's body being sent: an answer that comes first waits for its end. */
    private readonly body?: Readable,
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
    // A peer that refused the request before reading all of its body (412, 404) read the rest
    // before answering, but the answer may still beat undici's own end of the upload: an answer
    // complete before its request makes undici destroy the connection and the request body with
    // it, which is the client's connection here (the client saw a reset instead of the answer).
    // Held (the parser paused) until the body has ended, and a turn more for undici to see it.
    // A peer closing the connection after its answer reads no more of the body: nothing to wait for.
    const body = this.body;
    if (
      body !== undefined &&
      !body.readableEnded &&
      !body.destroyed &&
      !closesConnection(rawHeaders)
    ) {
      this.#held = { statusCode, rawHeaders, resume, chunks: [], complete: false };
      const release = (): void => void setImmediate(this.#release);
      body.once('end', release).once('close', release);
      return false;
    }
    return this.#passHead(statusCode, rawHeaders, resume);
  }

  readonly #release = (): void => {
    const held = this.#held;
    if (held === undefined || this.#settled) return;
    this.#held = undefined;
    let flowing = this.#passHead(held.statusCode, held.rawHeaders, held.resume);
    for (const chunk of held.chunks) flowing = this.onData(chunk);
    if (held.complete) this.onComplete();
    else if (flowing) held.resume();
  };

  /** Writes the answer's head to `res`; false when `res` asks to wait for 'drain'. */
  #passHead(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    this.#started = true;
    this.#resume = resume;
    if (this.res.destroyed) return true;
    this.head(statusCode, rawHeaders);
    this.res.on('drain', this.#onDrain);
    return !this.res.writableNeedDrain;
  }

  onData(chunk: Buffer): boolean {
    if (this.#held !== undefined) {
      this.#held.chunks.push(chunk);
      return false;
    }
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
    if (this.#held !== undefined) {
      this.#held.complete = true;
      return;
    }
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

/** Whether a raw header list says `Connection: close`. */
function closesConnection(rawHeaders: readonly Buffer[]): boolean {
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    if ((rawHeaders[index] as Buffer).toString('latin1').toLowerCase() !== 'connection') continue;
    return (rawHeaders[index + 1] as Buffer).toString('latin1').toLowerCase().includes('close');
  }
  return false;
}
