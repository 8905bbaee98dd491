// Intra-cluster byte streams (EC slices and replicas): upload a body to a peer and open a peer's
// body for reading, over their own undici keep-alive pool, with deadlines and typed peer errors.
import type { Readable } from 'node:stream';
import { Agent, request, type buildConnector } from 'undici';
import { StoreError } from '../errors/index.js';
import { parseJson } from '../util/json.js';
import { ContentType, Header } from '../wire/index.js';
import { requestBefore } from './deadline-request.js';
import { describeRequestError, peerError } from './intra-client.js';

type Connector = buildConnector.connector;

export interface IntraStreamClientOptions {
  callerId: string;
  connectionsPerPeer: number;
  /** How connections to peers are opened (TLS trust and client certificate); default plain undici. */
  connect?: Connector | undefined;
}

export interface StreamUpload {
  body: Readable | Buffer;
  contentLength: number;
  headers?: Record<string, string>;
  /** Deadline for the whole upload. */
  timeoutMs: number;
}

/** An open peer response: its headers, declared length and body (consume it or destroy it). */
export interface StreamDownload {
  headers: Record<string, string | string[] | undefined>;
  contentLength: number;
  body: Readable;
}

export class IntraStreamClient {
  readonly #agent: Agent;

  constructor(private readonly options: IntraStreamClientOptions) {
    this.#agent = new Agent({
      connections: options.connectionsPerPeer,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 60_000,
      ...(options.connect === undefined ? {} : { connect: options.connect }),
    });
  }

  /** PUTs a body of known length; returns the peer's JSON (or text) answer. */
  async upload(url: string, upload: StreamUpload): Promise<unknown> {
    const headers: Record<string, string> = {
      [Header.callerId]: this.options.callerId,
      [Header.contentType]: ContentType.octetStream,
      [Header.contentLength]: String(upload.contentLength),
      ...upload.headers,
    };
    let response;
    try {
      response = await requestBefore(
        url,
        {
          method: 'PUT',
          headers,
          body: upload.body,
          dispatcher: this.#agent,
          headersTimeout: upload.timeoutMs,
          bodyTimeout: upload.timeoutMs,
        },
        upload.timeoutMs,
      );
    } catch (error) {
      throw new StoreError('PeerUnreachable', `PUT ${url}: ${describeRequestError(error)}`, {
        cause: error,
      });
    }
    const text = await response.body.text();
    if (response.statusCode >= 300) throw peerError('PUT', url, response.statusCode, text);
    const type = String(response.headers[Header.contentType] ?? '');
    return text !== '' && type.startsWith(ContentType.json) ? parseJson(text) : text;
  }

  /**
   * GETs a body. `timeoutMs` bounds the wait for headers and each gap between chunks (a stalled
   * peer fails the body); the caller reads at its own pace.
   */
  async download(
    url: string,
    options: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<StreamDownload> {
    let response;
    try {
      response = await request(url, {
        method: 'GET',
        headers: { [Header.callerId]: this.options.callerId },
        dispatcher: this.#agent,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
    } catch (error) {
      throw new StoreError('PeerUnreachable', `GET ${url}: ${describeRequestError(error)}`, {
        cause: error,
      });
    }
    if (response.statusCode >= 300) {
      const text = await response.body.text();
      throw peerError('GET', url, response.statusCode, text);
    }
    const length = Number(response.headers[Header.contentLength] ?? Number.NaN);
    return {
      headers: response.headers,
      contentLength: Number.isSafeInteger(length) ? length : -1,
      body: response.body,
    };
  }

  close(): Promise<void> {
    return this.#agent.close();
  }
}
