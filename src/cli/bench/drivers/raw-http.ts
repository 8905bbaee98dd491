// Requests for the S3 and plain-HTTP drivers: one keep-alive undici Agent, a deadline per request,
// bodies drained chunk by chunk, and failures turned into one-line BenchRequestErrors.
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { Agent, type Dispatcher } from 'undici';
import { BenchRequestError, type ChunkObserver } from './bench-driver.js';

export interface RawRequest {
  method: Dispatcher.HttpMethod;
  url: URL;
  headers?: Record<string, string>;
  body?: Buffer | Readable;
  /** For messages: `PUT bucket/name`. */
  label: string;
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Dispatcher.ResponseData['body'];
}

/** Error bodies are read up to this size for their message. */
const maxErrorBodyBytes = 64 * 1024;

export class RawHttp {
  readonly #agent: Agent;

  /** `connections`: the most sockets per origin (the run's concurrency). */
  constructor(timeoutMs: number, connections: number) {
    this.#agent = new Agent({
      connections,
      keepAliveTimeout: 30_000,
      connect: { timeout: timeoutMs },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
  }

  async request(request: RawRequest): Promise<RawResponse> {
    try {
      const response = await this.#agent.request({
        origin: request.url.origin,
        path: `${request.url.pathname}${request.url.search}`,
        method: request.method,
        headers: request.headers ?? {},
        body: request.body ?? null,
      });
      return { status: response.statusCode, headers: response.headers, body: response.body };
    } catch (error) {
      if (request.body !== undefined && !Buffer.isBuffer(request.body)) request.body.destroy();
      throw new BenchRequestError(`${request.label}: ${describe(error)}`, { cause: error });
    }
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}

/** Reads a body to its end, handing chunks to `observe`; resolves with the byte count. */
export async function drainBody(
  body: RawResponse['body'],
  observe: ChunkObserver | undefined,
  label: string,
): Promise<number> {
  let bytes = 0;
  try {
    for await (const chunk of body) {
      const buffer = chunk as Buffer;
      bytes += buffer.length;
      observe?.(buffer);
    }
  } catch (error) {
    throw new BenchRequestError(`${label}: reading the body: ${describe(error)}`, { cause: error });
  }
  return bytes;
}

/** A bounded read of a (small) body as text; the rest is dropped. */
export async function readText(
  body: RawResponse['body'],
  limitBytes = maxErrorBodyBytes,
): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    const buffer = chunk as Buffer;
    if (total + buffer.length > limitBytes) {
      chunks.push(buffer.subarray(0, limitBytes - total));
      body.destroy();
      break;
    }
    chunks.push(buffer);
    total += buffer.length;
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Throws unless the status is one of `expected` (the error body read for the message: `explain`
 * turns it into one, e.g. the S3 error code, else its first 200 characters are shown). An expected
 * answer's body is left to the caller.
 */
export async function expectStatus(
  response: RawResponse,
  expected: readonly number[],
  label: string,
  explain: (text: string) => string | undefined = () => undefined,
): Promise<void> {
  if (expected.includes(response.status)) return;
  const text = await readText(response.body);
  const detail = explain(text) ?? text.replace(/\s+/g, ' ').trim().slice(0, 200);
  throw new BenchRequestError(
    `${label}: HTTP ${response.status}${detail === '' ? '' : `: ${detail}`}`,
    { status: response.status },
  );
}

/**
 * As `expectStatus`, for an answer whose body the caller does not read (a PUT's, a DELETE's): it is
 * discarded, so that the connection goes back to the pool (or is closed) instead of waiting paused
 * with the body unread, which would leave the run waiting for nothing.
 */
export async function expectStatusOnly(
  response: RawResponse,
  expected: readonly number[],
  label: string,
  explain?: (text: string) => string | undefined,
): Promise<void> {
  await expectStatus(response, expected, label, explain);
  await response.body.dump();
}

/** `connect ECONNREFUSED 127.0.0.1:1` rather than undici's generic wording. */
export function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause : undefined;
  const code = (error as NodeJS.ErrnoException).code ?? (cause as NodeJS.ErrnoException)?.code;
  const message = cause?.message ?? error.message;
  return code === undefined || message.includes(code) ? message : `${message} (${code})`;
}
