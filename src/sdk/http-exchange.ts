// One HTTP exchange with a Cairn/AIStore node over a keep-alive undici Agent: per-request deadline,
// 307 redirects followed with the body re-sent, errors labelled with the operation, and object
// bodies guarded against silent short reads.
import type { IncomingHttpHeaders } from 'node:http';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { Agent, type Dispatcher } from 'undici';
import { TlsConnector } from '../util/tls/tls-client.js';
import { retryAfterMs } from '../util/time.js';
import { ContentType, Header, type ActionMessage } from '../wire/index.js';
import {
  ApiError,
  TransportError,
  describeError,
  errorCode,
  parseErrorBody,
  type OperationLabel,
} from './errors.js';
import {
  connectionsPerNode,
  maxBufferedResponseBytes,
  maxErrorBodyBytes,
  maxRedirects,
} from './options.js';
import type { ReplayableBody } from './request-body.js';

/** A request, possibly sent several times (redirects, retries): hence a replayable body. */
export interface ExchangeRequest {
  readonly method: Dispatcher.HttpMethod;
  readonly url: URL;
  readonly label: OperationLabel;
  readonly headers?: Record<string, string>;
  readonly body?: ReplayableBody;
  /** Called before following a redirect, e.g. to refresh the cluster map. */
  readonly onRedirect?: (from: URL, to: URL) => Promise<void>;
}

/** A response whose body is still to be read (or drained) by the caller. */
export interface StreamingResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Readable;
  /** Where the answer finally came from (after redirects). */
  readonly url: URL;
}

/** A response read completely into memory (bounded). */
export interface BufferedResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly payload: Buffer;
  readonly url: URL;
}

const userAgent = 'cairn-sdk/0.1';

/** One request sent: its response head, and the deadline still running over its body. */
interface Attempt {
  readonly response: StreamingResponse;
  /** Ends the deadline timer. */
  readonly settle: () => void;
  /** True when the deadline passed (the request was aborted). */
  readonly timedOut: () => boolean;
}

/** What an exchange needs of the client's options. */
export interface ExchangeOptions {
  readonly timeoutMs: number;
  readonly token: string | undefined;
  readonly caCert: string | Buffer | undefined;
  readonly insecure: boolean;
}

/** Sends requests to any node of a cluster; one keep-alive pool per origin. */
export class HttpExchange {
  readonly #agent: Agent;
  readonly #timeoutMs: number;
  readonly #authorization: Record<string, string>;

  constructor(options: ExchangeOptions) {
    const { timeoutMs, token } = options;
    this.#timeoutMs = timeoutMs;
    this.#authorization = token === undefined ? {} : { authorization: `Bearer ${token}` };
    const tls = new TlsConnector({ ca: options.caCert, verify: !options.insecure }, timeoutMs);
    this.#agent = new Agent({
      connections: connectionsPerNode,
      keepAliveTimeout: 30_000,
      connect: tls.connect,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
  }

  /**
   * Sends the request, follows redirects, and returns once the response head arrived. The caller
   * owns the body: it must consume or destroy it. The deadline stops at the response head.
   */
  async streaming(request: ExchangeRequest): Promise<StreamingResponse> {
    const { response, settle } = await this.#followRedirects(request);
    settle();
    return response;
  }

  /** Sends the request and reads the whole (bounded) answer within the deadline. */
  async buffered(request: ExchangeRequest): Promise<BufferedResponse> {
    const { response, settle, timedOut } = await this.#followRedirects(request);
    try {
      const payload = await readBounded(response.body, maxBufferedResponseBytes, request.label);
      return { status: response.status, headers: response.headers, payload, url: response.url };
    } catch (error) {
      if (!timedOut()) throw error;
      const detail = `answer from ${response.url.origin} not read within ${this.#timeoutMs} ms`;
      throw new TransportError(request.label, detail, { cause: error, code: 'ETIMEDOUT' });
    } finally {
      settle();
    }
  }

  /** Closes idle connections and waits for in-flight requests. */
  async close(): Promise<void> {
    await this.#agent.close();
  }

  async #followRedirects(request: ExchangeRequest): Promise<Attempt> {
    let url = request.url;
    for (let hop = 0; ; hop += 1) {
      const attempt = await this.#send(request, url);
      const { status, headers, body } = attempt.response;
      if (status !== 307 && status !== 308) return attempt;
      attempt.settle();
      const location = headerValue(headers, Header.location307);
      body.on('error', () => undefined).resume();
      if (location === undefined) {
        throw new TransportError(request.label, `${status} redirect without a Location header`);
      }
      if (hop >= maxRedirects) {
        throw new TransportError(request.label, `more than ${maxRedirects} redirects`);
      }
      const next = new URL(location, url);
      await request.onRedirect?.(url, next);
      url = next;
    }
  }

  /** One attempt at one URL. */
  async #send(request: ExchangeRequest, url: URL): Promise<Attempt> {
    const controller = new AbortController();
    const body = request.body?.open();
    // Uploading a stream may legitimately take longer than the deadline; undici's head timeout
    // (restarted whenever the upload makes progress) guards it instead.
    const timer =
      body instanceof Readable
        ? undefined
        : setTimeout(() => controller.abort(), this.#timeoutMs).unref();
    const settle = (): void => clearTimeout(timer);
    const headers: Record<string, string> = {
      'user-agent': userAgent,
      ...this.#authorization,
      ...request.headers,
    };
    if (request.body !== undefined) headers['content-length'] = String(request.body.sizeBytes);
    try {
      const response = await this.#agent.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: request.method,
        headers,
        body: body ?? null,
        signal: controller.signal,
        // undici closes the connection after a GET with a body unless told the server is fine.
        reset: false,
      });
      const streamingResponse = {
        status: response.statusCode,
        headers: response.headers,
        body: response.body,
        url,
      };
      return { response: streamingResponse, settle, timedOut: () => controller.signal.aborted };
    } catch (error) {
      settle();
      if (body instanceof Readable) body.destroy();
      // Name the node unless the label already does (direct requests go to varying targets).
      const node = request.label.text.includes(url.origin) ? '' : `${url.origin}: `;
      const detail = controller.signal.aborted
        ? `no answer from ${url.origin} within ${this.#timeoutMs} ms`
        : `${node}${describeError(error)}`;
      const code = controller.signal.aborted ? 'ETIMEDOUT' : errorCode(error);
      throw new TransportError(request.label, detail, {
        cause: error,
        origin: url.origin,
        ...(code === undefined ? {} : { code }),
      });
    }
  }
}

/** The first value of a header (undici gives repeated headers as arrays). */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** All values of a (possibly repeated) header. */
export function headerValues(headers: IncomingHttpHeaders, name: string): string[] {
  const value = headers[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Throws an ApiError for an error status; the body (or `Hdr-Error` for HEAD) gives the message. */
export async function throwIfError(
  response: StreamingResponse,
  label: OperationLabel,
  expected: readonly number[] = [200],
): Promise<void> {
  if (expected.includes(response.status)) return;
  const payload = await readBounded(response.body, maxErrorBodyBytes, label, { truncate: true });
  throw apiErrorFrom(response.status, response.headers, payload.toString('utf8'), label);
}

/** Same for a buffered response. */
export function throwIfBufferedError(
  response: BufferedResponse,
  label: OperationLabel,
  expected: readonly number[] = [200],
): void {
  if (expected.includes(response.status)) return;
  const text = response.payload.subarray(0, maxErrorBodyBytes).toString('utf8');
  throw apiErrorFrom(response.status, response.headers, text, label);
}

function apiErrorFrom(
  status: number,
  headers: IncomingHttpHeaders,
  text: string,
  label: OperationLabel,
): ApiError {
  const headerText = headerValue(headers, Header.error);
  const body =
    parseErrorBody(text) ?? (headerText === undefined ? undefined : parseErrorBody(headerText));
  const retryAfter = retryAfterMs(headers['retry-after']);
  return new ApiError(label, status, body, text || headerText, retryAfter);
}

/** Checks that a successful answer carries JSON (or nothing), then parses it with `parse`. */
export function decodeJson<T>(
  response: BufferedResponse,
  label: OperationLabel,
  parse: (text: string) => T,
): T {
  const contentType = headerValue(response.headers, Header.contentType) ?? ContentType.json;
  if (!contentType.includes('json')) {
    throw new TransportError(label, `expected JSON, got ${contentType}`);
  }
  try {
    return parse(response.payload.toString('utf8'));
  } catch (error) {
    throw new TransportError(label, `malformed JSON answer: ${describeError(error)}`, {
      cause: error,
    });
  }
}

/** Reads a stream into memory, failing (or truncating) beyond `limitBytes`. */
export async function readBounded(
  stream: Readable,
  limitBytes: number,
  label: OperationLabel,
  options?: { truncate?: boolean },
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      const buffer = chunk as Buffer;
      if (total + buffer.byteLength > limitBytes) {
        if (options?.truncate !== true) {
          throw new TransportError(label, `answer larger than ${limitBytes} bytes`);
        }
        chunks.push(buffer.subarray(0, limitBytes - total));
        stream.destroy();
        break;
      }
      chunks.push(buffer);
      total += buffer.byteLength;
    }
  } catch (error) {
    if (error instanceof TransportError) throw error;
    const code = errorCode(error);
    throw new TransportError(label, `reading the answer: ${describeError(error)}`, {
      cause: error,
      ...(code === undefined ? {} : { code }),
    });
  }
  return Buffer.concat(chunks);
}

// Guards object downloads against silent short reads: the returned stream fails unless exactly
// Content-Length bytes arrive (a server aborts a response mid-stream when it detects corruption).
/**
 * Pipes `source` through a byte counter. The result errors with a TransportError when the source
 * fails, ends early or runs long; destroying the result destroys the source.
 */
export function lengthCheckedStream(
  source: Readable,
  expectedBytes: number | undefined,
  label: OperationLabel,
): Readable {
  let receivedBytes = 0;
  const expected = expectedBytes === undefined ? 'an unknown number of' : String(expectedBytes);
  const checker = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
      receivedBytes += chunk.byteLength;
      if (expectedBytes !== undefined && receivedBytes > expectedBytes) {
        callback(
          new TransportError(label, `body longer than the ${expectedBytes} bytes announced`),
        );
        return;
      }
      callback(null, chunk);
    },
    flush(callback: TransformCallback): void {
      if (expectedBytes !== undefined && receivedBytes !== expectedBytes) {
        const detail = `body ended after ${receivedBytes} of ${expectedBytes} bytes`;
        callback(new TransportError(label, detail));
        return;
      }
      callback();
    },
  });
  source.on('error', (error: unknown) => {
    const code = errorCode(error);
    const detail = `body broke off after ${receivedBytes} of ${expected} bytes: ${describeError(error)}`;
    checker.destroy(
      new TransportError(label, detail, { cause: error, ...(code === undefined ? {} : { code }) }),
    );
  });
  // A reader that stops early (destroys the result) must release the connection too.
  checker.on('close', () => {
    if (!source.destroyed && !source.readableEnded) source.destroy();
  });
  source.pipe(checker);
  return checker;
}

/**
 * The one shape of a control-plane call that the client hands its sub-clients (jobs, cluster,
 * ETL, dSort): they build paths and messages, the client sends them and maps errors.
 */
export type ControlRequest = (
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE',
  path: string,
  label: OperationLabel,
  extra?: {
    query?: Record<string, string>;
    message?: ActionMessage | object;
    /** Another node than the endpoint (a target's own API). */
    baseUrl?: string;
    headers?: Record<string, string>;
  },
) => Promise<BufferedResponse>;
