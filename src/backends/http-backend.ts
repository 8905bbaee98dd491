// `ht://` buckets: a plain HTTP(S) origin (a public dataset) in front of which the cluster caches.
// An object is a URL: the bucket's `extra.http.original_url` joined with the object's name, as
// AIStore's HTTP backend builds it. An origin is read-only and has no listing: GET (with ranges)
// and HEAD only; PUT and DELETE are refused (400, as AIStore refuses them), and listing an ht://
// bucket lists what the cluster holds. Requests go through undici with the backend timeout.
import { Agent, request, type Dispatcher } from 'undici';
import { StoreError, badRequest } from '../errors/index.js';
import type { ByteRange } from '../storage/index.js';
import { RemoteMetadataKey, type Backend, type RemoteObject, type RemoteRead } from './backend.js';
import { httpObjectUrl } from './http-object-url.js';
import { retryAfterMs } from '../util/time.js';
import {
  backendError,
  describeBackend,
  relayRemoteBody,
  RemoteStatusError,
  type BackendIdentity,
} from './backend-errors.js';

/** One HTTP origin's connections: shared by every ht:// bucket. */
export function createHttpAgent(timeoutMs: number): Agent {
  return new Agent({
    connectTimeout: timeoutMs,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
}

export class HttpBackend implements Backend {
  readonly description: string;
  readonly #identity: BackendIdentity;

  constructor(
    private readonly agent: Dispatcher,
    /** The origin's base URL, without a trailing slash. */
    private readonly origin: string,
    bucketUri: string,
  ) {
    this.#identity = { bucketUri, remote: origin };
    this.description = describeBackend(this.#identity);
  }

  /** Reachable: the origin answers a HEAD of its base URL with anything but a server error. */
  async headBucket(): Promise<void> {
    const response = await this.#send('HEAD bucket', 'HEAD', `${this.origin}/`);
    await discard(response);
    if (response.statusCode >= 500)
      throw backendError(
        this.#identity,
        'HEAD bucket',
        new RemoteStatusError(response.statusCode, `HEAD ${this.origin}/`),
      );
  }

  list(): Promise<never> {
    // The gateway lists an ht:// bucket's cached objects and never asks (see remote-listing.ts).
    return Promise.reject(
      new StoreError('NotImplemented', `${this.description}: an HTTP origin has no listing`),
    );
  }

  async head(name: string): Promise<RemoteObject> {
    const response = await this.#send('HEAD object', 'HEAD', this.#url(name), name);
    await discard(response);
    await this.#check(response, 'HEAD object', name);
    return this.#describe(name, response, lengthOf(response));
  }

  async get(name: string, range?: ByteRange): Promise<RemoteRead> {
    const headers =
      range === undefined ? undefined : { range: `bytes=${range.start}-${range.end}` };
    const response = await this.#send('GET object', 'GET', this.#url(name), name, headers);
    await this.#check(response, 'GET object', name);
    if (range !== undefined && response.statusCode !== 206) {
      await discard(response);
      throw backendError(
        this.#identity,
        'GET object',
        new Error(`the origin ignored the range (HTTP ${response.statusCode})`),
        name,
      );
    }
    const size = lengthOf(response);
    return {
      object: this.#describe(name, response, size),
      body: relayRemoteBody(this.#identity, name, response.body),
    };
  }

  put(): Promise<never> {
    return Promise.reject(
      badRequest(`PUT: objects cannot be written to ${this.description} (an HTTP origin)`),
    );
  }

  delete(): Promise<never> {
    return Promise.reject(
      badRequest(`DELETE: objects cannot be deleted from ${this.description} (an HTTP origin)`),
    );
  }

  #url(name: string): string {
    return httpObjectUrl(this.origin, name);
  }

  async #send(
    operation: string,
    method: 'GET' | 'HEAD',
    url: string,
    name?: string,
    headers?: Record<string, string>,
  ): Promise<Dispatcher.ResponseData> {
    try {
      const response = await request(url, {
        method,
        dispatcher: this.agent,
        ...(headers === undefined ? {} : { headers }),
      });
      // Until a reader takes the body (relayRemoteBody names the backend in its errors), an error
      // of an unread body (the origin resetting it) must not go unhandled.
      response.body.on('error', () => undefined);
      return response;
    } catch (error) {
      throw backendError(this.#identity, operation, error, name);
    }
  }

  /** A 2xx answer goes on; any other is the backend's error (404: the object does not exist). */
  async #check(response: Dispatcher.ResponseData, operation: string, name: string): Promise<void> {
    if (response.statusCode >= 200 && response.statusCode < 300) return;
    await discard(response);
    throw backendError(
      this.#identity,
      operation,
      new RemoteStatusError(
        response.statusCode,
        `${operation} ${this.#url(name)}`,
        retryAfterMs(response.headers['retry-after']),
      ),
      name,
    );
  }

  #describe(name: string, response: Dispatcher.ResponseData, size: number): RemoteObject {
    const etag = headerOf(response, 'etag')?.replace(/^(W\/)?"|"$/g, '');
    const modified = Date.parse(headerOf(response, 'last-modified') ?? '');
    const object: RemoteObject = {
      name,
      size,
      customMetadata: { [RemoteMetadataKey.source]: 'ht', original_url: this.#url(name) },
    };
    if (etag !== undefined && etag !== '') object.etag = etag;
    if (!Number.isNaN(modified)) object.lastModifiedMs = modified;
    return object;
  }
}

/** Reads and drops an answer's body, so the connection can be reused (or closed) quietly. */
async function discard(response: Dispatcher.ResponseData): Promise<void> {
  await response.body.dump().catch(() => undefined);
}

function headerOf(response: Dispatcher.ResponseData, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The object's size: a ranged answer's total from Content-Range, else Content-Length. */
function lengthOf(response: Dispatcher.ResponseData): number {
  const total = /\/(\d+)$/.exec(headerOf(response, 'content-range') ?? '')?.[1];
  if (total !== undefined) return Number(total);
  const length = headerOf(response, 'content-length');
  if (length === undefined || !/^\d+$/.test(length))
    throw new StoreError('BackendUnreachable', `the origin sent no Content-Length`);
  return Number(length);
}
