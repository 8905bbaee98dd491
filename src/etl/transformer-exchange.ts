// One HTTP/1.1 exchange with a transformer on this host (the inline hpush PUT), built for the cost
// of the answer's bytes. An inline GET relays the transformer's answer into the client's response;
// undici (like Node's own client) reads it into a fresh 64 KiB buffer per socket read: 1 MiB of
// short-lived external memory per 1 MiB GET, which made V8 run a full mark-compact every few dozen
// inline GETs (bench/RESULTS.md, branch etl5). Here the socket reads into pooled buffers
// (net.Socket's `onread`), http-parser-js hands the body out as views of them, and a buffer goes
// back to the pool once every byte of it was written (the sink's write callbacks). Connections are
// kept alive per transformer.
import { connect, type Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { HTTPParser } from 'http-parser-js';
import { BufferPool } from '../util/buffer-pool.js';

/** Socket reads land in these (Node reads at most 64 KiB at a time). */
const readBuffers = new BufferPool(64 * 1024, 256);
/** Kept-alive connections per transformer, and how long one may stay unused. */
const maxIdlePerTransformer = 64;
const idleTimeoutMs = 10_000;

/** The transformer closed the connection (crashed, restarted) before its answer ended. */
export class TransformerGone extends Error {}
/** No byte of the answer within the exchange's timeout (nor between two reads of it). */
export class TransformerSilent extends Error {}

export interface ExchangeRequest {
  /** `http://<host>:<port>` of the transformer. */
  origin: string;
  /** The request target: path and query. */
  path: string;
  headers: Record<string, string>;
  body: AsyncIterable<Buffer> | Iterable<Buffer>;
  /** Longest silence of the transformer: before its answer and between two reads of it. */
  timeoutMs: number;
}

export type AnswerHeaders = Record<string, string | undefined>;

/**
 * Where the answer's body goes, given its status and headers (lower-case names). The sink must be
 * done with a chunk when it calls the write's callback: a socket or an HTTP response is (it handed
 * the bytes to the kernel); a Writable that copies what it keeps is.
 */
export type AnswerSink = (statusCode: number, headers: AnswerHeaders) => Writable;

/** PUTs `request` and writes the answer's body into the sink: the body's length once ended. */
export function exchange(request: ExchangeRequest, sinkFor: AnswerSink): Promise<number> {
  const idle = idleOf(request.origin).pop();
  return new Exchange(request, sinkFor, idle ?? open(request.origin)).run();
}

interface Connection {
  socket: Socket;
  /** The exchange the socket's reads belong to (none: idle). */
  reader: ((buffer: Buffer, bytes: number) => boolean) | undefined;
}

const idleConnections = new Map<string, Connection[]>();

function idleOf(origin: string): Connection[] {
  let list = idleConnections.get(origin);
  if (list === undefined) {
    list = [];
    idleConnections.set(origin, list);
  }
  return list;
}

function open(origin: string): Connection {
  const { hostname, port } = new URL(origin);
  const connection: Connection = { socket: undefined as unknown as Socket, reader: undefined };
  connection.socket = connect({
    host: hostname,
    port: Number(port),
    noDelay: true,
    onread: {
      buffer: () => readBuffers.acquire(),
      callback: (bytes, buffer) => {
        const reader = connection.reader;
        if (reader !== undefined) return reader(buffer as Buffer, bytes);
        // Bytes nobody asked for: the connection is out of step, never reused.
        connection.socket.destroy();
        return false;
      },
    },
  });
  return connection;
}

/** Keeps a connection whose exchange ended cleanly for the next one to this transformer. */
function keep(origin: string, connection: Connection): void {
  const { socket } = connection;
  const list = idleOf(origin);
  if (socket.destroyed || list.length >= maxIdlePerTransformer) {
    socket.destroy();
    return;
  }
  const drop = (): void => {
    const at = list.indexOf(connection);
    if (at >= 0) list.splice(at, 1);
    // A restarted transformer listens on another port: its old origin's entry goes.
    if (list.length === 0 && idleConnections.get(origin) === list) idleConnections.delete(origin);
    socket.destroy();
  };
  socket.setTimeout(idleTimeoutMs, drop);
  socket.once('end', drop);
  socket.once('close', drop);
  socket.on('error', drop);
  connection.reader = undefined;
  // Taken again: the idle watchers go (the exchange installs its own).
  (connection as IdleConnection).unwatch = (): void => {
    socket.setTimeout(0);
    socket.off('end', drop);
    socket.off('close', drop);
    socket.off('error', drop);
  };
  list.push(connection);
}

interface IdleConnection extends Connection {
  unwatch?: (() => void) | undefined;
}

class Exchange {
  readonly #parser = new HTTPParser(HTTPParser.RESPONSE);
  #sink: Writable | undefined;
  #bodyBytes = 0;
  #answered = false;
  #sent = false;
  #settled = false;
  #keepAlive = false;
  #timer: NodeJS.Timeout | undefined;
  #resolve!: (bytes: number) => void;
  #reject!: (error: unknown) => void;

  constructor(
    private readonly request: ExchangeRequest,
    private readonly sinkFor: AnswerSink,
    private readonly connection: IdleConnection,
  ) {}

  run(): Promise<number> {
    const result = new Promise<number>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    const { socket } = this.connection;
    this.connection.unwatch?.();
    this.connection.unwatch = undefined;
    socket.on('error', this.#onSocketError);
    socket.on('end', this.#onEnd);
    socket.on('close', this.#onEnd);
    this.connection.reader = this.#onRead;
    this.#parser[HTTPParser.kOnHeadersComplete] = this.#onHeaders;
    this.#parser[HTTPParser.kOnBody] = this.#onBody;
    this.#parser[HTTPParser.kOnMessageComplete] = this.#onComplete;
    this.#armTimer();
    // A kept connection may have been paused by its last exchange's slow client.
    socket.resume();
    this.#send().catch((error: unknown) => this.#fail(error));
    return result;
  }

  async #send(): Promise<void> {
    const { socket } = this.connection;
    const { request } = this;
    let head = `PUT ${request.path} HTTP/1.1\r\nHost: ${new URL(request.origin).host}\r\n`;
    for (const [name, value] of Object.entries(request.headers)) head += `${name}: ${value}\r\n`;
    // The head and the first chunk in one write.
    socket.cork();
    socket.write(`${head}\r\n`);
    try {
      for await (const chunk of request.body) {
        if (this.#settled || this.#answered) break;
        const flushed = socket.write(chunk);
        if (socket.writableCorked > 0) socket.uncork();
        if (!flushed) await this.#drained();
      }
    } finally {
      if (socket.writableCorked > 0) socket.uncork();
    }
    this.#sent = !this.#settled && !this.#answered;
  }

  /** Resolves when the socket takes more, or when the exchange is over anyway. */
  #drained(): Promise<void> {
    const { socket } = this.connection;
    return new Promise((resolve) => {
      const done = (): void => {
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.on('drain', done);
      socket.on('close', done);
    });
  }

  readonly #onRead = (buffer: Buffer, bytes: number): boolean => {
    this.#armTimer();
    let writes = 0;
    let executing = true;
    const written = (error?: Error | null): void => {
      writes -= 1;
      // A failed write may still reference the bytes: that buffer is left to the collector.
      if (error == null && writes === 0 && !executing) readBuffers.release(buffer);
    };
    this.#writeChunk = (chunk: Buffer): boolean => {
      writes += 1;
      return this.#sink?.write(chunk, written) ?? true;
    };
    const parsed = this.#parser.execute(buffer, 0, bytes);
    executing = false;
    if (writes === 0) readBuffers.release(buffer);
    if (parsed instanceof Error) {
      this.#fail(new TransformerGone(`the transformer's answer is not HTTP: ${parsed.message}`));
      return false;
    }
    const sink = this.#sink;
    if (this.#settled || this.#answered || sink === undefined || !sink.writableNeedDrain)
      return true;
    // The client is slower than the transformer: read on once it took what it has.
    this.#disarmTimer();
    sink.once('drain', () => {
      if (this.#settled) return;
      this.#armTimer();
      this.connection.socket.resume();
    });
    return false;
  };

  #writeChunk: (chunk: Buffer) => boolean = () => true;

  /** http-parser-js passes an object, or (in Node 0.11's form) the fields in order. */
  readonly #onHeaders = (...args: unknown[]): number => {
    const info = (
      typeof args[0] === 'object'
        ? args[0]
        : { headers: args[2], statusCode: args[5], shouldKeepAlive: args[8] }
    ) as { statusCode: number; headers: string[]; shouldKeepAlive: boolean };
    const headers: AnswerHeaders = {};
    for (let i = 0; i + 1 < info.headers.length; i += 2) {
      const name = (info.headers[i] as string).toLowerCase();
      const value = info.headers[i + 1] as string;
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    this.#keepAlive = info.shouldKeepAlive;
    try {
      const sink = this.sinkFor(info.statusCode, headers);
      sink.on('error', this.#onSinkError);
      sink.on('close', this.#onSinkClose);
      this.#sink = sink;
    } catch (error) {
      this.#fail(error);
    }
    return 0;
  };

  readonly #onBody = (chunk: Buffer): void => {
    if (this.#settled) return;
    this.#bodyBytes += chunk.length;
    this.#writeChunk(chunk);
  };

  readonly #onComplete = (): void => {
    if (this.#answered) {
      // A second answer to one request: the connection is out of step.
      this.connection.socket.destroy();
      return;
    }
    this.#answered = true;
    this.#disarmTimer();
    const sink = this.#sink;
    if (sink === undefined || this.#settled) return;
    sink.end(() => {
      if (this.#settled) return;
      this.#settled = true;
      this.#detach();
      if (this.#keepAlive && this.#sent) keep(this.request.origin, this.connection);
      else this.connection.socket.destroy();
      this.#resolve(this.#bodyBytes);
    });
  };

  readonly #onSocketError = (error: Error): void => this.#fail(error);

  /** The transformer ended the connection: a body delimited by it ends here, any other fails. */
  readonly #onEnd = (): void => {
    if (this.#answered || this.#settled) return;
    const ended = this.#parser.finish();
    if (ended instanceof Error || !this.#answered)
      this.#fail(
        new TransformerGone('the transformer closed the connection before its answer ended'),
      );
  };

  readonly #onSinkError = (error: Error): void => this.#fail(error);

  readonly #onSinkClose = (): void => {
    if (!this.#settled && !(this.#sink?.writableFinished ?? false))
      this.#fail(new Error('the answer was broken off (the client went away)'));
  };

  #fail(error: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#disarmTimer();
    this.#detach();
    this.connection.socket.destroy();
    const sink = this.#sink;
    if (sink !== undefined && !sink.writableFinished) sink.destroy(error as Error);
    this.#reject(error);
  }

  #detach(): void {
    const { socket } = this.connection;
    this.connection.reader = undefined;
    socket.off('error', this.#onSocketError);
    socket.off('end', this.#onEnd);
    socket.off('close', this.#onEnd);
    // A late error of a socket being destroyed must not go unhandled.
    if (socket.listenerCount('error') === 0) socket.on('error', () => undefined);
    this.#sink?.off('close', this.#onSinkClose);
  }

  #armTimer(): void {
    if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#fail(new TransformerSilent(`no answer within ${this.request.timeoutMs} ms`));
      }, this.request.timeoutMs);
      return;
    }
    this.#timer.refresh();
  }

  #disarmTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
