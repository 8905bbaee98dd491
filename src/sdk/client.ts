// The native-API client: buckets and objects on a Cairn (or AIStore) cluster, over one keep-alive
// agent. Object requests go to the owning target (direct) or through the endpoint gateway.
import type { Readable } from 'node:stream';
import {
  Action,
  ContentType,
  Header,
  Query,
  What,
  apiPath,
  dotSegmentIn,
  type ActionMessage,
  type BlobMsgJson,
  type BucketJson,
  type BucketPropsJson,
  type BucketPropsUpdateJson,
  type ClusterMapJson,
  type ListEntryJson,
  type ListObjectsRequestJson,
  type ListPageJson,
  type MossReqJson,
  type NodeStatusJson,
  type PromoteArgsJson,
} from '../wire/index.js';
import { ClusterMapCache } from './cluster-map-cache.js';
import { parseClusterMap, parseJsonWithDigests } from './cluster-map.js';
import { TransportError, describeError, type OperationLabel } from './errors.js';
import {
  HttpExchange,
  decodeJson,
  headerValue,
  lengthCheckedStream,
  readBounded,
  throwIfBufferedError,
  throwIfError,
  type BufferedResponse,
} from './http-exchange.js';
import { bucketLabel, clusterLabel, objectLabel } from './labels.js';
import { ListEntries, decodeListPage } from './list-page.js';
import { objectPropsFromHeaders, type ObjectProps } from './object-props.js';
import { ObjectRouter, bucketQuery } from './object-router.js';
import {
  maxBufferedResponseBytes,
  resolveClientOptions,
  type ClientOptions,
  type ResolvedClientOptions,
} from './options.js';
import { ObjectWrites, type CopyObjectOptions, type ObjectAddress } from './object-writes.js';
import { jsonBody, replayableBody, type ObjectBody } from './request-body.js';
import { ClusterClient } from './cluster-client.js';
import { getBatch as requestBatch, type BatchResult } from './shards/get-batch.js';
import {
  readFromShard,
  writeIntoShard,
  type ArchiveReadResult,
  type ArchiveWriteMode,
  type ArchiveSelection,
} from './shards/shard-objects.js';
import { EtlClient } from './etl/etl-client.js';
import { DownloadClient } from './download/download-client.js';
import { DsortClient } from './shards/dsort-client.js';
import { JobsClient } from './jobs-client.js';
import { blobHeaders, type BlobGetOptions } from './download/blob-download.js';

/** A byte range: `start` to `end` inclusive (to the end of the object when `end` is omitted). */
export interface ByteRange {
  start: number;
  end?: number;
}

/** An object read: status (200, or 206 for a range), properties, and the body stream. */
export interface ObjectReadResult {
  status: number;
  props: ObjectProps;
  /** Errors (never ends quietly) if fewer bytes arrive than the response announced. */
  body: Readable;
}

/** Client of the native REST API. Create one per cluster and `close()` it when done. */
export class Client {
  /** The endpoint (a gateway) as given, without a trailing slash. */
  readonly endpoint: string;
  readonly options: ResolvedClientOptions;
  readonly #endpointUrl: URL;
  readonly #exchange: HttpExchange;
  readonly #clusterMap: ClusterMapCache;
  readonly #router: ObjectRouter;
  readonly #writes: ObjectWrites;
  /** Jobs: start, stop, status, wait, multi-object delete. */
  readonly jobs: JobsClient;
  /** ETL: transformers every target runs (`/v1/etl`). */
  readonly etl: EtlClient;
  /** Membership, maintenance, rebalance, mountpaths, cluster config. */
  readonly cluster: ClusterClient;
  /** dSort: start, metrics, list, abort, remove, wait. */
  readonly dsort: DsortClient;
  /** The downloader: start (single, range, multi, backend), status, list, abort, remove, wait. */
  readonly download: DownloadClient;

  constructor(endpoint: string, options?: ClientOptions) {
    this.#endpointUrl = parseEndpoint(endpoint);
    this.endpoint = this.#endpointUrl.origin;
    this.options = resolveClientOptions(options);
    this.#exchange = new HttpExchange(this.options);
    this.#clusterMap = new ClusterMapCache(
      () => this.#fetchClusterMap(),
      this.options.mapRefreshIntervalMs,
    );
    const placement = this.options.direct ? this.#clusterMap : undefined;
    this.#router = new ObjectRouter(this.#exchange, this.#endpointUrl, placement);
    this.#writes = new ObjectWrites(this.#router);
    this.jobs = new JobsClient(
      (method, path, label, extra) => this.#control(method, path, label, extra),
      this.options.timeoutMs,
    );
    this.etl = new EtlClient((method, path, label, extra) =>
      this.#control(method, path, label, extra),
    );
    this.dsort = new DsortClient((method, path, label, extra) =>
      this.#control(method, path, label, extra),
    );
    this.download = new DownloadClient((method, path, label, extra) =>
      this.#control(method, path, label, extra),
    );
    this.cluster = new ClusterClient(
      (method, path, label, extra) => this.#control(method, path, label, extra),
      () => this.clusterMap({ refresh: true }),
    );
  }

  /**
   * `GET /v1/health`: resolves when the endpoint is ready to serve data (a gateway with storage
   * targets, a target that joined with a usable mountpath), else throws with the reason. `live`
   * asks only whether the process answers.
   */
  async health(options?: { live?: boolean }): Promise<void> {
    const path = `${apiPath('health')}${options?.live === true ? `?${Query.live}=true` : ''}`;
    const label = clusterLabel(`GET ${this.endpoint}${path}`);
    const response = await this.#control('GET', path, label);
    throwIfBufferedError(response, label);
  }

  /** The cluster map, cached; `refresh` fetches it again from the endpoint. */
  async clusterMap(options?: { refresh?: boolean }): Promise<ClusterMapJson> {
    const placement =
      options?.refresh === true
        ? await this.#clusterMap.refresh({ force: true })
        : await this.#clusterMap.current();
    return placement.map;
  }

  /** `GET <node>/v1/daemon?what=node_status`: one node's identity, state and capacity. */
  async nodeStatus(nodePublicUrl: string): Promise<NodeStatusJson> {
    const base = parseEndpoint(nodePublicUrl).origin;
    const label = clusterLabel(`GET node status from ${base}`);
    const url = new URL(`${base}${apiPath('daemon')}?${Query.what}=${What.nodeStatus}`);
    const response = await this.#exchange.buffered({ method: 'GET', url, label });
    throwIfBufferedError(response, label);
    return decodeJson(response, label, (text) => parseJsonWithDigests(text) as NodeStatusJson);
  }

  /** `GET /v1/buckets?provider=...` with `{"action":"list"}`; the provider defaults to `ais`. */
  async listBuckets(provider = 'ais'): Promise<BucketJson[]> {
    const label = clusterLabel(`list ${provider} buckets`);
    const message: ActionMessage = { action: Action.list };
    const query = { [Query.provider]: provider };
    const response = await this.#control('GET', apiPath('buckets'), label, { query, message });
    throwIfBufferedError(response, label);
    const buckets = decodeJson(response, label, (text) => JSON.parse(text) as BucketJson[] | null);
    return buckets ?? [];
  }

  /** `POST /v1/buckets/{b}` `create-bck`, with optional initial properties. */
  async createBucket(bucket: BucketJson, props?: BucketPropsUpdateJson): Promise<void> {
    const message: ActionMessage = { action: Action.createBucket };
    if (props !== undefined) message.value = props;
    await this.#bucketAction('POST', bucket, message, 'create bucket');
  }

  /** `DELETE /v1/buckets/{b}` `destroy-bck`: removes the bucket and all its objects. */
  async destroyBucket(bucket: BucketJson): Promise<void> {
    await this.#bucketAction('DELETE', bucket, { action: Action.destroyBucket }, 'destroy bucket');
  }

  /** `HEAD /v1/buckets/{b}`: the bucket's properties (header `Ais-Bucket-Props`). */
  async bucketProps(bucket: BucketJson): Promise<BucketPropsJson> {
    const label = bucketLabel('HEAD', bucket);
    const path = apiPath('buckets', bucket.name);
    const response = await this.#control('HEAD', path, label, { query: bucketQuery(bucket) });
    throwIfBufferedError(response, label);
    const text = headerValue(response.headers, Header.bucketProps);
    if (text === undefined) throw new TransportError(label, `answer without ${Header.bucketProps}`);
    try {
      return JSON.parse(text) as BucketPropsJson;
    } catch (error) {
      throw new TransportError(label, `malformed ${Header.bucketProps}: ${describeError(error)}`);
    }
  }

  /** `PATCH /v1/buckets/{b}` `set-bprops` with a nested partial update. */
  async setBucketProps(bucket: BucketJson, update: BucketPropsUpdateJson): Promise<void> {
    const message: ActionMessage = { action: Action.setBucketProps, value: update };
    await this.#bucketAction('PATCH', bucket, message, 'set properties of');
  }

  /** `PUT /v1/objects/{b}/{o}`; a given checksum is sent for the server to validate. */
  async putObject(
    bucket: BucketJson,
    name: string,
    body: ObjectBody,
    options?: { checksum?: { type: string; value: string } },
  ): Promise<void> {
    const label = objectLabel('PUT', bucket, name);
    const headers: Record<string, string> = { [Header.contentType]: ContentType.octetStream };
    if (options?.checksum !== undefined) {
      headers[Header.checksumType] = options.checksum.type;
      headers[Header.checksumValue] = options.checksum.value;
    }
    const request = { bucket, objectName: name, label, headers, body: replayableBody(body) };
    const response = await this.#router.buffered({ method: 'PUT', ...request });
    throwIfBufferedError(response, label, [200, 201, 204]);
  }

  /** `GET /v1/objects/{b}/{o}` (a `Range` gives 206): properties and a length-checked stream. */
  async getObject(
    bucket: BucketJson,
    name: string,
    options?: { range?: ByteRange; etl?: { name: string; args?: string }; blob?: BlobGetOptions },
  ): Promise<ObjectReadResult> {
    const label = objectLabel('GET', bucket, name);
    const headers: Record<string, string> = {};
    if (options?.range !== undefined) headers[Header.range] = rangeHeader(options.range);
    if (options?.blob !== undefined) Object.assign(headers, blobHeaders(options.blob));
    const etl = options?.etl;
    // Inline ETL: the target answers with the transformed bytes (or a 307 to an hpull transformer).
    const query: Record<string, string> =
      etl === undefined
        ? {}
        : {
            [Query.etlName]: etl.name,
            ...(etl.args === undefined ? {} : { [Query.etlArgs]: etl.args }),
          };
    const request = { method: 'GET', bucket, objectName: name, label, headers, query } as const;
    const response = await this.#router.streaming(request);
    await throwIfError(response, label, options?.range === undefined ? [200] : [200, 206]);
    const announced = Number(headerValue(response.headers, Header.contentLength) ?? Number.NaN);
    const expectedBytes = Number.isSafeInteger(announced) ? announced : undefined;
    return {
      status: response.status,
      props: objectPropsFromHeaders(response.headers, { bucket, name }),
      body: lengthCheckedStream(response.body, expectedBytes, label),
    };
  }

  /** `GET ?archpath=` (one file's bytes) or `?archregx=&archmode=` (a TAR of the matches). */
  getFromShard(
    bucket: BucketJson,
    shard: string,
    selection: ArchiveSelection,
  ): Promise<ArchiveReadResult> {
    return readFromShard(this.#router, bucket, shard, selection);
  }

  /** `PUT ?archpath=`: `body` as the file `path` of `shard` (created, appended to, or either). */
  putIntoShard(
    bucket: BucketJson,
    shard: string,
    path: string,
    body: ObjectBody,
    options?: { mode?: ArchiveWriteMode; mime?: string },
  ): Promise<void> {
    return writeIntoShard(this.#router, bucket, shard, path, body, options);
  }

  /**
   * GetBatch: the objects, ranges and files inside shards `request.in` names, in that order, as one
   * archive (`request.mime`, TAR by default) streamed from a designated target; without `strm`
   * the answer is multipart and `metadata` (MossResp: each item's size, error, opaque) comes
   * with it. `bucket`: the default for items that name none.
   */
  getBatch(request: MossReqJson, bucket?: BucketJson): Promise<BatchResult> {
    return requestBatch(this.#exchange, this.endpoint, request, bucket);
  }

  /** The whole object (or range) in memory: for small objects and tests. */
  async getObjectBytes(
    bucket: BucketJson,
    name: string,
    options?: { range?: ByteRange },
  ): Promise<Buffer> {
    const { body } = await this.getObject(bucket, name, options);
    const label = objectLabel('GET', bucket, name);
    return await readBounded(body, maxBufferedResponseBytes, label);
  }

  /** `HEAD /v1/objects/{b}/{o}`: all properties (V1), or with `props` only those (V2). */
  async headObject(
    bucket: BucketJson,
    name: string,
    options?: { props?: string[] },
  ): Promise<ObjectProps> {
    const label = objectLabel('HEAD', bucket, name);
    const query: Record<string, string> = {};
    if (options?.props !== undefined) query[Query.props] = options.props.join(',');
    const request = { method: 'HEAD', bucket, objectName: name, label, query } as const;
    const response = await this.#router.buffered(request);
    throwIfBufferedError(response, label);
    return objectPropsFromHeaders(response.headers, { bucket, name });
  }

  /** `DELETE /v1/objects/{b}/{o}`. */
  async deleteObject(bucket: BucketJson, name: string): Promise<void> {
    const label = objectLabel('DELETE', bucket, name);
    const response = await this.#router.buffered({
      method: 'DELETE',
      bucket,
      objectName: name,
      label,
    });
    throwIfBufferedError(response, label, [200, 204]);
  }

  /**
   * `PATCH /v1/objects/{b}/{o}` with `{"value": {key: value}}`: adds or updates custom metadata
   * keys; `replace` (`set-new-custom=true`) drops the keys not given.
   */
  async setCustomMetadata(
    bucket: BucketJson,
    name: string,
    metadata: Record<string, string>,
    options?: { replace?: boolean },
  ): Promise<void> {
    const label = objectLabel('PATCH', bucket, name);
    const query: Record<string, string> = {};
    if (options?.replace === true) query[Query.setNewCustom] = 'true';
    const message: ActionMessage = { action: '', name: '', value: metadata };
    const response = await this.#router.buffered({
      method: 'PATCH',
      bucket,
      objectName: name,
      label,
      query,
      headers: { [Header.contentType]: ContentType.json },
      body: jsonBody(message),
    });
    throwIfBufferedError(response, label, [200, 204]);
  }

  /**
   * `PUT /v1/objects/{b}/{o}?object_to=<uname>`: copies the object to `to` (another name, another
   * bucket, or both); `latest` and `sync` are AIStore's `latest-ver` and `synchronize`; `etl`
   * stores it transformed by that ETL (`etl_name`, `etl_args`).
   */
  copyObject(
    bucket: BucketJson,
    name: string,
    to: ObjectAddress,
    options?: CopyObjectOptions,
  ): Promise<void> {
    return this.#writes.copy({ bucket, name }, to, options);
  }

  /**
   * `PUT ?append_type=append`: appends `body` (the first append, without a handle, starts from the
   * object's current content); returns the handle for the next append or the flush. Nothing is
   * visible until `flushObject`.
   */
  appendObject(
    bucket: BucketJson,
    name: string,
    body: ObjectBody,
    options?: { handle?: string },
  ): Promise<string> {
    return this.#writes.append({ bucket, name }, body, options?.handle);
  }

  /** `PUT ?append_type=flush`: the appended bytes become the object, atomically. */
  flushObject(
    bucket: BucketJson,
    name: string,
    handle: string,
    options?: { checksum?: { type: string; value: string } },
  ): Promise<void> {
    return this.#writes.flush({ bucket, name }, handle, options?.checksum);
  }

  /** `POST /v1/objects/{b}/{o}` `mpt-upload`: starts a native multipart upload; its ID. */
  createMultipartUpload(bucket: BucketJson, name: string): Promise<string> {
    return this.#writes.createUpload({ bucket, name });
  }

  /** `PUT ?uploadId=&partNumber=`: one part (1..9999; sent again, it replaces the earlier one). */
  uploadPart(
    bucket: BucketJson,
    name: string,
    uploadId: string,
    partNumber: number,
    body: ObjectBody,
  ): Promise<void> {
    return this.#writes.uploadPart({ bucket, name }, uploadId, partNumber, body);
  }

  /** `POST mpt-complete`: `partNumbers` must be all uploaded parts, 1..N, in any order. */
  completeMultipartUpload(
    bucket: BucketJson,
    name: string,
    uploadId: string,
    partNumbers: number[],
  ): Promise<void> {
    return this.#writes.completeUpload({ bucket, name }, uploadId, partNumbers);
  }

  /** `DELETE ?uploadId=` with `mpt-abort`. */
  abortMultipartUpload(bucket: BucketJson, name: string, uploadId: string): Promise<void> {
    return this.#writes.abortUpload({ bucket, name }, uploadId);
  }

  /**
   * `POST /v1/objects/{b}` `promote`: the file or directory at `source` (an absolute path on the
   * targets) becomes objects (`obj`: destination name or prefix, `rcr`, `ovw`, `dls`, `tid`,
   * `notshr`). A job ID, or "" when promoted synchronously.
   */
  async promote(
    bucket: BucketJson,
    source: string,
    args?: Omit<PromoteArgsJson, 'src'>,
  ): Promise<string> {
    const label = bucketLabel('POST', bucket, `promote ${source} into`);
    const message: ActionMessage = { action: Action.promote, name: source, value: { ...args } };
    const response = await this.#control('POST', apiPath('objects', bucket.name), label, {
      query: bucketQuery(bucket),
      message,
    });
    throwIfBufferedError(response, label);
    return Buffer.from(response.payload).toString('utf8').trim();
  }

  /**
   * `POST /v1/objects/{b}` `blob-download`: the remote object `name` fetched into the cluster by
   * its owning target in parallel ranged reads, as a job (kind `blob-download`; wait with
   * `jobs.wait`). Its ID, or "" when the cached copy is current.
   */
  async blobDownload(bucket: BucketJson, name: string, message: BlobMsgJson = {}): Promise<string> {
    const label = objectLabel('POST blob-download', bucket, name);
    const action: ActionMessage = { action: Action.blobDownload, name, value: message };
    const response = await this.#control('POST', apiPath('objects', bucket.name), label, {
      query: bucketQuery(bucket),
      message: action,
    });
    throwIfBufferedError(response, label);
    return Buffer.from(response.payload).toString('utf8').trim();
  }

  /** One page of `GET /v1/buckets/{b}` `list`; an empty `continuation_token` means the last page. */
  async listObjectsPage(
    bucket: BucketJson,
    request?: ListObjectsRequestJson,
  ): Promise<ListPageJson> {
    const label = bucketLabel('GET', bucket, 'list objects in');
    const message: ActionMessage = { action: Action.list, name: '', value: request ?? {} };
    const path = apiPath('buckets', bucket.name);
    const response = await this.#control('GET', path, label, {
      query: bucketQuery(bucket),
      message,
      accept: ContentType.json,
    });
    throwIfBufferedError(response, label);
    const contentType = headerValue(response.headers, Header.contentType) ?? ContentType.json;
    try {
      return decodeListPage(response.payload, contentType);
    } catch (error) {
      throw new TransportError(label, `malformed list page: ${describeError(error)}`);
    }
  }

  /** All entries, page after page, until the server returns an empty continuation token. */
  listObjects(bucket: BucketJson, request?: ListObjectsRequestJson): AsyncIterable<ListEntryJson> {
    return new ListEntries(
      request ?? {},
      (pageRequest) => this.listObjectsPage(bucket, pageRequest),
      (token) =>
        new TransportError(
          bucketLabel('GET', bucket, 'list objects in'),
          `listing does not advance past "${token}"`,
        ),
    );
  }

  /** Closes the connections; in-flight requests finish first. */
  async close(): Promise<void> {
    await this.#exchange.close();
  }

  async #fetchClusterMap(): Promise<ClusterMapJson> {
    const label = clusterLabel(`GET cluster map from ${this.endpoint}`);
    const path = `${apiPath('daemon')}?${Query.what}=${What.smap}`;
    const response = await this.#control('GET', path, label);
    throwIfBufferedError(response, label);
    return decodeJson(response, label, parseClusterMap);
  }

  async #bucketAction(
    method: 'POST' | 'DELETE' | 'PATCH',
    bucket: BucketJson,
    message: ActionMessage,
    what: string,
  ): Promise<void> {
    const label = bucketLabel(method, bucket, what);
    const path = apiPath('buckets', bucket.name);
    const response = await this.#control(method, path, label, {
      query: bucketQuery(bucket),
      message,
    });
    throwIfBufferedError(response, label, [200, 201, 204]);
  }

  /** A control-plane request to the endpoint, answered in full. */
  async #control(
    method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    label: OperationLabel,
    extra?: {
      query?: Record<string, string>;
      message?: ActionMessage | object;
      accept?: string;
      /** Another node than the endpoint (a target's own API). */
      baseUrl?: string;
      headers?: Record<string, string>;
    },
  ): Promise<BufferedResponse> {
    const dots = dotSegmentIn(path.split('?')[0] ?? '');
    if (dots !== undefined) {
      throw new TypeError(
        `${label.text}: a bucket or object name with a "${dots}" path segment cannot be sent (URL handling resolves it away: ${path} would address another path)`,
      );
    }
    const url = new URL(`${extra?.baseUrl ?? this.endpoint}${path}`);
    for (const [key, value] of Object.entries(extra?.query ?? {})) url.searchParams.set(key, value);
    const headers: Record<string, string> = { ...extra?.headers };
    if (extra?.accept !== undefined) headers[Header.accept] = extra.accept;
    if (extra?.message === undefined)
      return await this.#exchange.buffered({ method, url, label, headers });
    headers[Header.contentType] = ContentType.json;
    const body = jsonBody(extra.message);
    return await this.#exchange.buffered({ method, url, label, headers, body });
  }
}

function parseEndpoint(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TypeError(`invalid endpoint URL "${text}" (expected e.g. http://127.0.0.1:8080)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`endpoint must be http:// or https://, got "${text}"`);
  }
  return url;
}

function rangeHeader(range: ByteRange): string {
  const { start, end } = range;
  const valid =
    Number.isSafeInteger(start) &&
    start >= 0 &&
    (end === undefined || (Number.isSafeInteger(end) && end >= start));
  if (!valid) throw new RangeError(`invalid byte range ${start}-${end ?? ''}`);
  return `bytes=${start}-${end ?? ''}`;
}
