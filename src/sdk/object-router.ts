// Routes object requests: straight to the HRW owner target (direct mode), or to the endpoint
// gateway whose 307 the exchange follows. Direct mode refreshes the cluster map when a target
// redirects, and retries once after a connection failure with a refreshed map; a read whose target
// stays unreachable is sent to the gateway, which serves it from another target.
import type { BucketJson } from '../wire/index.js';
import {
  Header,
  Query,
  apiPath,
  dotSegmentIn,
  isGlobalNamespace,
  namespaceUname,
} from '../wire/index.js';
import type { ClusterMapCache } from './cluster-map-cache.js';
import { nodePublicUrl } from './cluster-map.js';
import { isConnectionError, isNotSentError, TransportError } from './errors.js';
import type {
  BufferedResponse,
  ExchangeRequest,
  HttpExchange,
  StreamingResponse,
} from './http-exchange.js';

/** An object request before it is given a node: the exchange request minus its URL. */
export interface ObjectRequest extends Omit<ExchangeRequest, 'url' | 'onRedirect'> {
  readonly bucket: BucketJson;
  readonly objectName: string;
  readonly query?: Record<string, string>;
}

/** Targets a read may find unreachable in a row before it fails (each is a redirect elsewhere). */
const maxUnreachableReported = 4;

/** Chooses the node for each object request and applies the redirect and retry policy. */
export class ObjectRouter {
  readonly #exchange: HttpExchange;
  readonly #endpoint: URL;
  /** Undefined in gateway mode. */
  readonly #clusterMap: ClusterMapCache | undefined;

  constructor(exchange: HttpExchange, endpoint: URL, clusterMap: ClusterMapCache | undefined) {
    this.#exchange = exchange;
    this.#endpoint = endpoint;
    this.#clusterMap = clusterMap;
  }

  /** Sends the request; the caller owns the response body. */
  streaming(request: ObjectRequest): Promise<StreamingResponse> {
    return this.#withRetry(request, (routed) => this.#exchange.streaming(routed));
  }

  /** Sends the request and reads the (small) answer. */
  buffered(request: ObjectRequest): Promise<BufferedResponse> {
    return this.#withRetry(request, (routed) => this.#exchange.buffered(routed));
  }

  /**
   * A connection failure at a target: in direct mode the map is refreshed and the new owner tried
   * once. A read whose target stays unreachable goes to the endpoint gateway, naming that target:
   * the gateway checks it and sends the read to a target that can serve it in its place (from EC
   * pieces), without waiting for the cluster to drop the dead one.
   */
  async #withRetry<T>(
    request: ObjectRequest,
    send: (routed: ExchangeRequest) => Promise<T>,
  ): Promise<T> {
    const routed = await this.#route(request);
    const mapGeneration = this.#clusterMap?.generation ?? 0;
    try {
      return await send(routed);
    } catch (error) {
      let failure = connectionFailure(error);
      const unreachable = [failure.origin];
      // An append a dead target may have applied before the connection broke is not sent again:
      // the new owner would append the same bytes a second time.
      if (!isIdempotent(request) && !isNotSentError(error)) throw failure.error;
      if (this.#clusterMap !== undefined) {
        // The owner may have left the cluster: ask for the current map and try its owner once.
        await this.#clusterMap.refreshSince(mapGeneration);
        const again = await this.#route(request);
        if (!unreachable.includes(again.url.origin)) {
          try {
            return await send(again);
          } catch (retryError) {
            failure = connectionFailure(retryError);
            unreachable.push(failure.origin);
          }
        }
      }
      const read = request.method === 'GET' || request.method === 'HEAD';
      if (!read || unreachable.includes(this.#endpoint.origin)) throw failure.error;
      return await this.#readViaEndpoint(request, send, unreachable);
    }
  }

  /**
   * Sends the read to the endpoint gateway, naming the targets that could not be reached; when the
   * target it redirects to is unreachable too, again with that one added (bounded).
   */
  async #readViaEndpoint<T>(
    request: ObjectRequest,
    send: (routed: ExchangeRequest) => Promise<T>,
    unreachable: string[],
  ): Promise<T> {
    for (;;) {
      const routed: ExchangeRequest = {
        method: request.method,
        url: objectUrl(this.#endpoint.origin, request),
        label: request.label,
        headers: { ...request.headers, [Header.unreachableTarget]: unreachable.join(',') },
      };
      try {
        return await send(routed);
      } catch (error) {
        const failed = error instanceof TransportError ? error.origin : undefined;
        const retry =
          isConnectionError(error) &&
          failed !== undefined &&
          failed !== this.#endpoint.origin &&
          !unreachable.includes(failed) &&
          unreachable.length < maxUnreachableReported;
        if (!retry) throw error;
        unreachable.push(failed);
      }
    }
  }

  /** Builds the URL: the owner target's in direct mode (if the map has one), else the endpoint. */
  async #route(request: ObjectRequest): Promise<ExchangeRequest> {
    const placement = await this.#clusterMap?.current();
    const owner = placement?.owner(request.bucket, request.objectName);
    const base = owner === undefined ? this.#endpoint.origin : nodePublicUrl(owner);
    const routed = {
      method: request.method,
      url: objectUrl(base, request),
      label: request.label,
      ...(request.headers === undefined ? {} : { headers: request.headers }),
      ...(request.body === undefined ? {} : { body: request.body }),
    };
    if (owner === undefined) return routed;
    // A target redirecting a direct request means the map is stale (placement changed).
    return { ...routed, onRedirect: async () => void (await this.#clusterMap?.refresh()) };
  }
}

/** A connection failure and the origin it happened at; any other error is rethrown. */
function connectionFailure(error: unknown): { error: TransportError; origin: string } {
  if (!isConnectionError(error) || !(error instanceof TransportError)) throw error;
  const origin = error.origin;
  if (origin === undefined) throw error;
  return { error, origin };
}

/**
 * Whether sending the request twice does what sending it once does (a PATCH sets the same custom
 * metadata again): not so for a POST (object actions) nor for a PUT that appends (`append_type`,
 * or a file written into a shard by `archpath`).
 */
function isIdempotent(request: ObjectRequest): boolean {
  const { method } = request;
  if (method === 'GET' || method === 'HEAD' || method === 'DELETE' || method === 'PATCH')
    return true;
  if (request.method !== 'PUT') return false;
  const query = request.query ?? {};
  return query[Query.appendType] === undefined && query[Query.archpath] === undefined;
}

/** The object's URL on the node at `base`. */
function objectUrl(base: string, request: ObjectRequest): URL {
  checkObjectName(request.objectName);
  const path = apiPath('objects', request.bucket.name, request.objectName);
  const query = new URLSearchParams({ ...bucketQuery(request.bucket), ...request.query });
  return new URL(`${base}${path}?${query.toString()}`);
}

/** Query parameters naming a bucket's provider and (non-global) namespace. */
export function bucketQuery(bucket: BucketJson): Record<string, string> {
  const query: Record<string, string> = { [Query.provider]: bucket.provider };
  if (!isGlobalNamespace(bucket.namespace))
    query[Query.namespace] = namespaceUname(bucket.namespace);
  return query;
}

/**
 * Refuses an object name with a `.` or `..` segment: URL handling would resolve it and the request
 * would address another object, or another resource altogether (`b/../../etc` is `/v1/etc`).
 */
export function checkObjectName(name: string): void {
  const dots = dotSegmentIn(name);
  if (dots === undefined) return;
  throw new TypeError(
    `object name "${name}" has a "${dots}" path segment, which URL handling resolves away (the request would address another path); such a name cannot be sent`,
  );
}
