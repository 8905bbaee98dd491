// Routes object requests: straight to the HRW owner target (direct mode), or to the endpoint
// gateway whose 307 the exchange follows. Direct mode refreshes the cluster map when a target
// redirects, and retries once after a connection failure with a refreshed map.
import type { BucketJson } from '../wire/index.js';
import { Query, apiPath, isGlobalNamespace, namespaceUname } from '../wire/index.js';
import type { ClusterMapCache } from './cluster-map-cache.js';
import { nodePublicUrl } from './cluster-map.js';
import { isConnectionError } from './errors.js';
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

  async #withRetry<T>(
    request: ObjectRequest,
    send: (routed: ExchangeRequest) => Promise<T>,
  ): Promise<T> {
    const clusterMap = this.#clusterMap;
    if (clusterMap === undefined) return await send(await this.#route(request));
    try {
      return await send(await this.#route(request));
    } catch (error) {
      if (!isConnectionError(error)) throw error;
      // The owner may have left the cluster: ask for the current map and try its owner once.
      await clusterMap.refresh();
      return await send(await this.#route(request));
    }
  }

  /** Builds the URL: the owner target's in direct mode (if the map has one), else the endpoint. */
  async #route(request: ObjectRequest): Promise<ExchangeRequest> {
    const path = apiPath('objects', request.bucket.name, request.objectName);
    const query = new URLSearchParams({ ...bucketQuery(request.bucket), ...request.query });
    const placement = await this.#clusterMap?.current();
    const owner = placement?.owner(request.bucket, request.objectName);
    const base = owner === undefined ? this.#endpoint.origin : nodePublicUrl(owner);
    const url = new URL(`${base}${path}?${query.toString()}`);
    const routed = {
      method: request.method,
      url,
      label: request.label,
      ...(request.headers === undefined ? {} : { headers: request.headers }),
      ...(request.body === undefined ? {} : { body: request.body }),
    };
    if (owner === undefined) return routed;
    // A target redirecting a direct request means the map is stale (placement changed).
    return { ...routed, onRedirect: async () => void (await this.#clusterMap?.refresh()) };
  }
}

/** Query parameters naming a bucket's provider and (non-global) namespace. */
export function bucketQuery(bucket: BucketJson): Record<string, string> {
  const query: Record<string, string> = { [Query.provider]: bucket.provider };
  if (!isGlobalNamespace(bucket.namespace))
    query[Query.namespace] = namespaceUname(bucket.namespace);
  return query;
}
