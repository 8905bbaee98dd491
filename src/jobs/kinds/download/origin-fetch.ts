// GETs of a download's links from their origin (any HTTP(S) server): one connection pool per
// target, redirects followed, the request's headers sent, an abort signal that carries the job's
// abort and the per-object deadline. Never the intra-cluster client: its credentials stay inside
// the cluster. Failures say whether another attempt may help (network errors, 5xx, 429).
import type { Readable } from 'node:stream';
import { Agent, interceptors, request, type Dispatcher } from 'undici';

/** Redirects followed per link (public datasets often redirect to a CDN). */
const maxRedirections = 5;

/** An origin's answer that is not the object. */
export class OriginError extends Error {
  constructor(
    message: string,
    /** Whether a later attempt may succeed (5xx, 429, network errors). */
    readonly retriable: boolean,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'OriginError';
  }
}

/** The object's bytes as the origin sends them, with what it said of them. */
export interface OriginBody {
  body: Readable;
  /** Content-Length, when sent. */
  size: number | undefined;
  /** Hex MD5 from `Content-MD5` or `x-goog-hash: md5=`, when sent (checked as it is stored). */
  md5: string | undefined;
}

export class OriginClient {
  readonly #agent: Agent;
  readonly #dispatcher: Dispatcher;

  constructor() {
    // Deadlines come from each download's signal (the request's `timeout`), not from the pool.
    this.#agent = new Agent({ headersTimeout: 0, bodyTimeout: 0 });
    this.#dispatcher = this.#agent.compose(interceptors.redirect({ maxRedirections }));
  }

  /** Starts the GET of `link`; throws OriginError for an answer other than 2xx. */
  async open(
    link: string,
    headers: Record<string, string[]>,
    signal: AbortSignal,
  ): Promise<OriginBody> {
    let response: Dispatcher.ResponseData;
    try {
      response = await request(link, {
        method: 'GET',
        headers: flatHeaders(headers),
        dispatcher: this.#dispatcher,
        signal,
      });
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw new OriginError(`GET ${link}: ${describeNetworkError(error)}`, true);
    }
    // Until the store reads it, a reset of the body must not go unhandled.
    response.body.on('error', () => undefined);
    const { statusCode } = response;
    if (statusCode < 200 || statusCode >= 300) {
      await response.body.dump().catch(() => undefined);
      if (statusCode === 404) throw new OriginError(`"${link}" does not exist (404)`, false, 404);
      throw new OriginError(
        `failed to download "${link}": status ${statusCode}`,
        statusCode >= 500 || statusCode === 429,
        statusCode,
      );
    }
    const length = header(response, 'content-length');
    return {
      body: response.body,
      size: length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined,
      md5: md5Of(response),
    };
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}

function flatHeaders(headers: Record<string, string[]>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, values]) => [name, values.join(', ')]),
  );
}

function header(response: Dispatcher.ResponseData, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The MD5 the origin vouches for: `Content-MD5`, or GCS's `x-goog-hash: md5=<base64>`. */
function md5Of(response: Dispatcher.ResponseData): string | undefined {
  const google = header(response, 'x-goog-hash')
    ?.split(',')
    .map((part) => part.trim())
    .find((part) => part.startsWith('md5='))
    ?.slice(4);
  const base64 = header(response, 'content-md5') ?? google;
  if (base64 === undefined) return undefined;
  const digest = Buffer.from(base64, 'base64');
  return digest.length === 16 ? digest.toString('hex') : undefined;
}

function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${typeof code === 'string' ? `${code} ` : ''}${error.message}${cause}`;
}
