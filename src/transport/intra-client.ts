// Intra-cluster HTTP client (metasync, keepalive, registration, listing fan-out): undici keep-alive
// pools, a deadline on every request, and peer errors turned back into typed StoreErrors.
import type { Readable, Writable } from 'node:stream';
import { Agent, request, type buildConnector, type Dispatcher } from 'undici';
import { StoreError, isErrorCode } from '../errors/index.js';
import { asRecord, parseJson, stringifyJson } from '../util/json.js';
import { ContentType, Header } from '../wire/index.js';
import { PeerPool, type ProxyHead, type ProxyRequest } from './proxy-exchange.js';

type Connector = buildConnector.connector;

export {
  passedHead,
  type PassedHead,
  type ProxyHead,
  type ProxyRequest,
} from './proxy-exchange.js';

export interface IntraRequest {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE' | 'PATCH' | 'HEAD';
  body?: unknown;
  timeoutMs: number;
  headers?: Record<string, string>;
}

export interface IntraStreamRequest {
  method: string;
  headers: Record<string, string | string[]>;
  body?: Readable;
  /** Longest wait for the answer's headers and between two body chunks. */
  timeoutMs: number;
}

export interface IntraStreamResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
}

export interface IntraClientOptions {
  callerId: string;
  callerName: string;
  connectionsPerPeer: number;
  /** How connections to peers are opened (TLS trust and client certificate); default plain undici. */
  connect?: Connector | undefined;
}

/** How long an unused pooled connection to a peer is kept. */
const keepAliveTimeoutMs = 30_000;

export class IntraClient {
  readonly #agent: Agent;
  /** Proxied object requests go through Node's own client (see proxy-exchange.ts). */
  readonly #peers: PeerPool;

  constructor(private readonly options: IntraClientOptions) {
    this.#agent = new Agent({
      connections: options.connectionsPerPeer,
      keepAliveTimeout: keepAliveTimeoutMs,
      keepAliveMaxTimeout: 60_000,
      ...(options.connect === undefined ? {} : { connect: options.connect }),
    });
    this.#peers = new PeerPool({
      connectionsPerPeer: options.connectionsPerPeer,
      idleTimeoutMs: keepAliveTimeoutMs,
      connect: options.connect,
    });
  }

  /** The keep-alive pool, for streaming transfers (see object-stream.ts). */
  get dispatcher(): Dispatcher {
    return this.#agent;
  }

  /** Headers every request carries: who is calling. */
  get callerHeaders(): Record<string, string> {
    return {
      [Header.callerId]: this.options.callerId,
      [Header.callerName]: this.options.callerName,
    };
  }

  /** Sends a JSON request and returns the parsed JSON (or text) body; non-2xx throws StoreError. */
  async requestJson(url: string, options: IntraRequest): Promise<unknown> {
    const headers: Record<string, string> = {
      [Header.callerId]: this.options.callerId,
      [Header.callerName]: this.options.callerName,
      ...options.headers,
    };
    const body = options.body === undefined ? null : stringifyJson(options.body);
    if (body !== null) headers[Header.contentType] = ContentType.json;
    let response;
    try {
      response = await request(url, {
        method: options.method,
        headers,
        body,
        dispatcher: this.#agent,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      throw new StoreError(
        'PeerUnreachable',
        `${options.method} ${url}: ${describeRequestError(error)}`,
        {
          cause: error,
        },
      );
    }
    const text = await response.body.text();
    if (response.statusCode >= 300) {
      // HEAD answers carry their error in a header (no body allowed).
      const detail =
        options.method === 'HEAD' ? String(response.headers[Header.error] ?? '') : text;
      throw peerError(options.method, url, response.statusCode, detail);
    }
    const contentType = String(response.headers[Header.contentType] ?? '');
    if (text === '' || !contentType.startsWith(ContentType.json)) return text;
    return parseJson(text);
  }

  /**
   * Sends a request whose body is a stream (or nothing) and returns the answer without reading its
   * body: status, headers and a stream, for proxying both ways. Any status is returned, not thrown.
   */
  async stream(url: string, options: IntraStreamRequest): Promise<IntraStreamResponse> {
    try {
      const response = await request(url, this.#streamOptions(options));
      return { statusCode: response.statusCode, headers: response.headers, body: response.body };
    } catch (error) {
      throw new StoreError(
        'PeerUnreachable',
        `${options.method} ${url}: ${describeRequestError(error)}`,
        {
          cause: error,
        },
      );
    }
  }

  /**
   * Proxies a request on Node's HTTP client and writes the answer straight into `res`: raw header
   * lists both ways (nothing parsed into objects), the body's chunks piped as they arrive with
   * `res`'s backpressure. `head` writes the status line and headers from the answer's raw header
   * list. Resolves once the answer is fully written; rejects with PeerUnreachable when the exchange
   * fails (`res` is destroyed if its head was written already). Takes ownership of
   * `request.headers` (the caller headers are appended to it).
   */
  async proxy(request: ProxyRequest, res: Writable, head: ProxyHead): Promise<void> {
    request.headers.push(
      Header.callerId,
      this.options.callerId,
      Header.callerName,
      this.options.callerName,
    );
    try {
      await this.#peers.exchange(request, res, head);
    } catch (error) {
      throw new StoreError(
        'PeerUnreachable',
        `${request.method} ${request.origin}${request.path}: ${describeRequestError(error)}`,
        { cause: error },
      );
    }
  }

  #streamOptions(options: IntraStreamRequest) {
    return {
      method: options.method as 'GET',
      headers: {
        [Header.callerId]: this.options.callerId,
        [Header.callerName]: this.options.callerName,
        ...options.headers,
      },
      body: options.body ?? null,
      dispatcher: this.#agent,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    };
  }

  close(): Promise<void> {
    this.#peers.close();
    return this.#agent.close();
  }
}

/** Rebuilds the peer's typed error from its ErrHTTP body (`tcode` + message). */
export function peerError(method: string, url: string, status: number, text: string): StoreError {
  let record: Record<string, unknown> | undefined;
  try {
    record = asRecord(parseJson(text));
  } catch {
    record = undefined;
  }
  const code = isErrorCode(record?.tcode) ? record.tcode : undefined;
  const message = typeof record?.message === 'string' ? record.message : text.slice(0, 500);
  if (code !== undefined) return new StoreError(code, message);
  return new StoreError('Internal', `${method} ${url}: peer answered ${status}: ${message}`);
}

export function describeRequestError(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}
