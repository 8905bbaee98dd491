// Intra-cluster HTTP client (metasync, keepalive, registration, listing fan-out): undici keep-alive
// pools, a deadline on every request, and peer errors turned back into typed StoreErrors.
import type { Readable, Writable } from 'node:stream';
import { Agent, request, type buildConnector, type Dispatcher } from 'undici';
import { StoreError, isErrorCode } from '../errors/index.js';
import { asRecord, parseJson, stringifyJson } from '../util/json.js';
import { ContentType, Header } from '../wire/index.js';
import { requestBefore } from './deadline-request.js';
import { ProxyHandler, type ProxyHead } from './proxy-handler.js';

type Connector = buildConnector.connector;

export { passedHead, type PassedHead, type ProxyHead } from './proxy-handler.js';

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

/** A request to proxy: one peer's origin (`http://host:port`, made once per node), path and query. */
export interface ProxyRequest {
  origin: string;
  /** Path and query, already encoded. */
  path: string;
  method: string;
  /** Header names and values, alternating (a raw header list, as `IncomingMessage.rawHeaders`). */
  headers: string[];
  body?: Readable | undefined;
  /** Longest wait for the answer's headers and between two body chunks. */
  timeoutMs: number;
}

export interface IntraClientOptions {
  callerId: string;
  callerName: string;
  connectionsPerPeer: number;
  /** How connections to peers are opened (TLS trust and client certificate); default plain undici. */
  connect?: Connector | undefined;
}

export class IntraClient {
  readonly #agent: Agent;

  constructor(private readonly options: IntraClientOptions) {
    this.#agent = new Agent({
      connections: options.connectionsPerPeer,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 60_000,
      ...(options.connect === undefined ? {} : { connect: options.connect }),
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
      response = await requestBefore(
        url,
        {
          method: options.method,
          headers,
          body,
          dispatcher: this.#agent,
          headersTimeout: options.timeoutMs,
          bodyTimeout: options.timeoutMs,
          // undici closes a connection after a GET or HEAD that sent a body (some servers would
          // not read it); peers are Cairn nodes, which do, so a listing's page requests (GETs
          // with their message) keep the pool's connection instead of opening one per page.
          reset: false,
        },
        options.timeoutMs,
      );
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
   * Proxies a request with undici's `dispatch` and a handler that writes the answer straight into
   * `res`: raw header lists both ways (nothing parsed into objects), the body's chunks written as
   * they arrive with `res`'s backpressure. `head` writes the status line and headers from the
   * answer's raw header list. Resolves once the answer is fully written; rejects with
   * PeerUnreachable when the exchange fails (`res` is destroyed if its head was written already).
   * Takes ownership of `request.headers` (the caller headers are appended to it).
   */
  proxy(request: ProxyRequest, res: Writable, head: ProxyHead): Promise<void> {
    const headers = request.headers;
    headers.push(
      Header.callerId,
      this.options.callerId,
      Header.callerName,
      this.options.callerName,
    );
    return new Promise<void>((resolve, reject) => {
      const handler = new ProxyHandler(
        res,
        head,
        resolve,
        (error) =>
          reject(
            new StoreError(
              'PeerUnreachable',
              `${request.method} ${request.origin}${request.path}: ${describeRequestError(error)}`,
              { cause: error },
            ),
          ),
        request.body,
      );
      try {
        this.#agent.dispatch(
          {
            origin: request.origin,
            path: request.path,
            method: request.method,
            headers,
            body: request.body ?? null,
            headersTimeout: request.timeoutMs,
            bodyTimeout: request.timeoutMs,
          },
          handler,
        );
      } catch (error) {
        handler.onError(error as Error);
      }
    });
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
