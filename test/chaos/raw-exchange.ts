// A raw HTTP/1.1 client on a node:net socket that hangs up at a chosen point: part-way through the
// request head, part-way through the body, after the request, after some of the answer, while not
// reading, or after `Expect: 100-continue`; with a FIN, a plain close, or an RST.
import { connect, type Socket } from 'node:net';
import { request as httpRequest } from 'node:http';

export type HangUp = 'fin' | 'destroy' | 'reset';

/** Where the client hangs up; fractions are of the head's or the body's length. */
export type AbortPoint =
  | { at: 'head'; fraction: number }
  | { at: 'body'; fraction: number }
  | { at: 'sent'; delayMs: number }
  | { at: 'response'; bytes: number }
  | { at: 'stalled'; stallMs: number }
  | { at: 'continue'; fraction: number };

export interface RawRequest {
  port: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  /** The bytes after the head, as sent (already chunk-encoded where the headers say so). */
  body?: Buffer;
}

export interface ExchangeOutcome {
  /** Body bytes handed to the socket. */
  bodyBytesSent: number;
  /** The whole request (head and body) was written. */
  requestSent: boolean;
  responseBytes: number;
  /** Status codes of the answers that began (a 100 first, when it came). */
  statuses: number[];
  /** The exchange hit its deadline (the server neither answered nor closed). */
  timedOut: boolean;
}

/** An answer that stops arriving for this long counts as finished (keep-alive keeps it open). */
const idleMs = 150;
/** After a FIN the client reads until the server closes, at most this long. */
const finLingerMs = 3000;

export function requestHead(request: RawRequest): Buffer {
  const lines = [`${request.method} ${request.path} HTTP/1.1`];
  for (const [name, value] of Object.entries(request.headers)) lines.push(`${name}: ${value}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

/** A body in chunked transfer encoding, `chunkBytes` per chunk. */
export function chunkEncoded(data: Buffer, chunkBytes: number): Buffer {
  const parts: Buffer[] = [];
  for (let offset = 0; offset < data.length; offset += chunkBytes) {
    const chunk = data.subarray(offset, offset + chunkBytes);
    parts.push(Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

class Connection {
  readonly outcome: ExchangeOutcome = {
    bodyBytesSent: 0,
    requestSent: false,
    responseBytes: 0,
    statuses: [],
    timedOut: false,
  };
  closed = false;
  #headText = '';
  #waiters: (() => void)[] = [];
  readonly #closedPromise: Promise<void>;

  constructor(
    readonly socket: Socket,
    readonly deadline: number,
  ) {
    // RSTs from the server, EPIPE after it closed: expected, the outcome says what happened.
    socket.on('error', () => undefined);
    this.#closedPromise = new Promise((resolve) =>
      socket.once('close', () => {
        this.closed = true;
        this.#wake();
        resolve();
      }),
    );
    socket.on('data', (chunk: Buffer) => {
      this.outcome.responseBytes += chunk.length;
      if (this.#headText.length < 8192) {
        this.#headText += chunk.toString('latin1', 0, Math.min(chunk.length, 8192));
        this.outcome.statuses = [...this.#headText.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((match) =>
          Number(match[1]),
        );
      }
      this.#wake();
    });
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves on the next data or close, or after `ms` (bounded by the deadline). */
  #nextEvent(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, Math.min(ms, this.deadline - Date.now())));
      this.#waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  get expired(): boolean {
    if (Date.now() < this.deadline) return false;
    this.outcome.timedOut = true;
    return true;
  }

  async connected(): Promise<boolean> {
    if (!this.socket.connecting) return !this.closed;
    await new Promise<void>((resolve) => {
      this.socket.once('connect', resolve);
      this.socket.once('close', () => resolve());
    });
    return !this.closed;
  }

  /** Writes `data` (waiting for the kernel to take it, at most until the deadline or a close). */
  async write(data: Buffer): Promise<boolean> {
    if (this.closed || this.socket.destroyed || data.length === 0) return !this.closed;
    const written = new Promise<boolean>((resolve) => {
      this.socket.write(data, (error) => resolve(error === null || error === undefined));
    });
    const timer = new Promise<boolean>((resolve) => {
      const wait = setTimeout(() => resolve(false), Math.max(0, this.deadline - Date.now()));
      void this.#closedPromise.then(() => {
        clearTimeout(wait);
        resolve(false);
      });
    });
    return Promise.race([written, timer]);
  }

  /** Waits until `bytes` of answer arrived, the answer went quiet, the server closed, or time ran out. */
  async readUntil(bytes: number): Promise<void> {
    while (!this.closed && this.outcome.responseBytes < bytes && !this.expired) {
      const before = this.outcome.responseBytes;
      await this.#nextEvent(idleMs);
      if (this.outcome.responseBytes === before && !this.closed) return;
    }
  }

  /** Waits for the first answer bytes (a `100 Continue` or a final answer), bounded. */
  async firstAnswer(waitMs: number): Promise<void> {
    const until = Date.now() + waitMs;
    while (!this.closed && this.outcome.responseBytes === 0 && Date.now() < until && !this.expired)
      await this.#nextEvent(until - Date.now());
  }

  async hangUp(how: HangUp): Promise<void> {
    if (this.closed) return;
    if (how === 'reset') this.socket.resetAndDestroy();
    else if (how === 'destroy') this.socket.destroy();
    else {
      // Half-close: the server sees the end of the request stream and may still answer.
      this.socket.end();
      this.socket.resume();
      const until = Math.min(this.deadline, Date.now() + finLingerMs);
      while (!this.closed && Date.now() < until) await this.#nextEvent(until - Date.now());
      this.socket.destroy();
    }
    await this.#closedPromise;
  }
}

/**
 * Sends `request` and hangs up at `point` with `how`. Never throws for what the server does; every
 * wait is bounded by `limitMs`, after which the socket is destroyed.
 */
export async function abortedExchange(
  request: RawRequest,
  point: AbortPoint,
  how: HangUp,
  limitMs = 15_000,
): Promise<ExchangeOutcome> {
  const socket = connect({ host: '127.0.0.1', port: request.port });
  const connection = new Connection(socket, Date.now() + limitMs);
  try {
    if (!(await connection.connected())) return connection.outcome;
    await drive(connection, request, point);
    await connection.hangUp(connection.outcome.timedOut ? 'destroy' : how);
  } finally {
    socket.destroy();
  }
  return connection.outcome;
}

async function drive(
  connection: Connection,
  request: RawRequest,
  point: AbortPoint,
): Promise<void> {
  const head = requestHead(request);
  const body = request.body ?? Buffer.alloc(0);
  const sendBody = async (bytes: number): Promise<void> => {
    // In pieces, so that a large body is cut where the server is already reading it.
    for (let offset = 0; offset < bytes && !connection.closed; offset += 256 * 1024) {
      const piece = body.subarray(offset, Math.min(bytes, offset + 256 * 1024));
      if (!(await connection.write(piece))) return;
      connection.outcome.bodyBytesSent += piece.length;
    }
  };
  if (point.at === 'head') {
    await connection.write(head.subarray(0, Math.floor(point.fraction * head.length)));
    return;
  }
  if (!(await connection.write(head))) return;
  switch (point.at) {
    case 'body':
      await sendBody(Math.floor(point.fraction * body.length));
      return;
    case 'continue':
      await connection.firstAnswer(1000);
      await sendBody(Math.floor(point.fraction * body.length));
      return;
    default:
      break;
  }
  await sendBody(body.length);
  connection.outcome.requestSent = connection.outcome.bodyBytesSent === body.length;
  switch (point.at) {
    case 'sent':
      if (point.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, point.delayMs));
      return;
    case 'response':
      await connection.readUntil(point.bytes);
      return;
    case 'stalled':
      // Not reading: the server's writes back up into the socket buffers.
      connection.socket.pause();
      await new Promise((resolve) => setTimeout(resolve, point.stallMs));
      return;
  }
}

export interface CompleteAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  bytes: Buffer;
}

/**
 * One complete request on a fresh connection that is closed afterwards (no keep-alive socket
 * stays behind on the node, so descriptor counts are not disturbed by the checks themselves).
 */
export function closingRequest(
  port: number,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: Buffer | string; timeoutMs?: number } = {},
): Promise<CompleteAnswer> {
  const headers: Record<string, string> = { ...options.headers, connection: 'close' };
  if (options.body !== undefined)
    headers['content-length'] = String(Buffer.byteLength(options.body));
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method, path, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            bytes: Buffer.concat(chunks),
          }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(options.timeoutMs ?? 30_000, () =>
      req.destroy(new Error(`${method} ${path} on port ${port} timed out`)),
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
