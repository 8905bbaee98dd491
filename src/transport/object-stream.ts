// Streaming object transfers between nodes over the intra-cluster pool: send a body with a PUT,
// or fetch one with a GET (or a POST naming what to send), each bounded by timeouts. Errors come
// back as typed StoreErrors.
import { Readable } from 'node:stream';
import { request } from 'undici';
import { StoreError } from '../errors/index.js';
import { ContentType, Header } from '../wire/index.js';
import { requestBefore } from './deadline-request.js';
import { describeRequestError, peerError, type IntraClient } from './intra-client.js';
import { destroyQuietly } from '../util/stream-teardown.js';

/** A fetched body with the response headers (lower-case names). */
export interface FetchedObject {
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
}

/**
 * PUTs `body` to `url` with `headers`; resolves when the peer answered 2xx. An async iterable body
 * is asked for its next chunk once the last one is flushed to the socket (see ObjectBody.chunks).
 */
export async function sendObjectStream(
  client: IntraClient,
  url: string,
  options: {
    headers: Record<string, string>;
    body: Readable | AsyncIterable<Buffer>;
    timeoutMs: number;
  },
): Promise<void> {
  let response;
  try {
    response = await requestBefore(
      url,
      {
        method: 'PUT',
        headers: { ...client.callerHeaders, ...options.headers },
        // undici takes async iterables (its documented body types; its typings list only streams).
        body: options.body as Readable,
        dispatcher: client.dispatcher,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
      },
      options.timeoutMs,
    );
  } catch (error) {
    if (options.body instanceof Readable) destroyQuietly(options.body);
    if (error instanceof StoreError) throw error;
    throw new StoreError('PeerUnreachable', `PUT ${url}: ${describeRequestError(error)}`, {
      cause: error,
    });
  }
  const text = await response.body.text();
  if (response.statusCode >= 300) throw peerError('PUT', url, response.statusCode, text);
}

/**
 * GETs `url`, or POSTs `options.json` to it; undefined on 404, the open body otherwise (the caller
 * must consume it). `timeoutMs` bounds the wait for the answer and every pause of the peer between
 * two chunks; a GET's whole transfer too. A POST's transfer has no deadline: it asks for a long
 * body that the caller reads at its own pace (undici's body timeout does not run while paused).
 */
export async function fetchObjectStream(
  client: IntraClient,
  url: string,
  timeoutMs: number,
  options: { json?: unknown } = {},
): Promise<FetchedObject | undefined> {
  const post = options.json !== undefined;
  const method = post ? 'POST' : 'GET';
  let response;
  try {
    const common = {
      dispatcher: client.dispatcher,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    };
    response = post
      ? await request(url, {
          ...common,
          method,
          headers: { ...client.callerHeaders, [Header.contentType]: ContentType.json },
          body: JSON.stringify(options.json),
        })
      : await requestBefore(url, { ...common, method, headers: client.callerHeaders }, timeoutMs);
  } catch (error) {
    throw new StoreError('PeerUnreachable', `${method} ${url}: ${describeRequestError(error)}`, {
      cause: error,
    });
  }
  if (response.statusCode === 404) {
    await response.body.dump();
    return undefined;
  }
  if (response.statusCode >= 300) {
    throw peerError(method, url, response.statusCode, await response.body.text());
  }
  return { headers: response.headers, body: response.body };
}
