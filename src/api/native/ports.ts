// The operations the native API needs from a role; gateways and targets implement them differently.
import type { Readable, Writable } from 'node:stream';
import type {
  ActionMessage,
  BlobMsgJson,
  BucketJson,
  BucketSummaryJson,
  BucketSummaryRequestJson,
  DownloadJobJson,
  DownloadStartJson,
  DownloadStatusJson,
  DsortJobInfoJson,
  JobSnapshotJson,
  BucketPropsJson,
  BucketPropsUpdateJson,
  ListObjectsRequestJson,
  ListPageJson,
  ShareEndJson,
  StartJobRequestJson,
  PromoteArgsJson,
} from '../../wire/index.js';
import type { ResolvedRange } from '../common/range.js';
import type { RequestContext } from '../common/request-context.js';
import type { BatchRequest } from './shards/get-batch-route.js';

export interface ObjectAddress {
  readonly bucket: BucketJson;
  readonly name: string;
}

/** What the API needs to describe a stored object (a structural subset of the store's record). */
export interface ObjectInfo {
  bucket: BucketJson;
  name: string;
  size: number;
  checksum: { type: string; value: string };
  version?: string | undefined;
  customMetadata: Record<string, string>;
  copies: string[];
  accessTimeNs: bigint;
  modifiedTimeMs: number;
  mountpath: string;
  /** Set for erasure-coded objects (HEAD): their layout and where the pieces are. */
  erasureCoding?: ErasureCodingInfo | undefined;
  /** The S3 ETag stored with the object (S3 writes, multipart completions), unquoted. */
  etag?: string | undefined;
  /** Set for chunked (multipart) objects when a HEAD asked for it (`props=chunked`). */
  chunks?: ChunkLayout | undefined;
  /** False for an object of a remote bucket that only its backend holds (HEAD). */
  present?: boolean;
}

/** A chunked object's chunks as HEAD V2 reports them (`Ais-Chunks-*`). */
export interface ChunkLayout {
  count: number;
  maxChunkSizeBytes: number;
}

/** An EC object's layout as HEAD reports it (`Ais-Ec-*`). */
export interface ErasureCodingInfo {
  dataSlices: number;
  paritySlices: number;
  generation: number;
  /** True when the object is replicated (small objects) rather than sliced. */
  replicated: boolean;
  /** Target ID → slice ID (0 = full copy). */
  nodes: Record<string, number>;
}

/** An object's bytes, sent once to a socket-backed destination (verified as they go). */
export interface ObjectBodySource {
  sendTo(destination: Writable): Promise<void>;
  discard(): Promise<void>;
  /**
   * The bytes when the body holds them verified in memory and they are small, the body consumed
   * (nothing to release after); undefined otherwise, the body untouched (ObjectBody's).
   */
  takeSmall?(): Buffer | undefined;
}

export interface PutOptions {
  contentLength: number | undefined;
  checksum: { type: string; value: string } | undefined;
}

/** How a read reached this node. */
export interface ReadRouting {
  /** The ID of the unreachable owner this target stands in for (`Query.substituteFor`). */
  substituteFor?: string;
  /** GET/HEAD `latest-ver`: a remote bucket's cached object is checked against the remote first. */
  latestVersion?: boolean;
  /** GET `Ais-Blob-Download`: an object not cached is fetched in parallel ranged reads. */
  blob?: BlobGetRequest;
  /** GET/HEAD `original_url` of an ht:// object: its URL at the origin (checked, not followed). */
  originalUrl?: string;
}

/** What a GET's `Ais-Blob-*` headers ask for. */
export interface BlobGetRequest {
  /** `Ais-Blob-Chunk` and `Ais-Blob-Workers` as the BlobMsg they stand for. */
  message: BlobMsgJson;
  /** `Ais-Blob-Read-Timeout`: a Go duration, as sent. */
  readTimeout: string | undefined;
  /** `Ais-Blob-Threshold`: a smaller object is a plain cold GET (0: none is). */
  thresholdBytes: number;
}

/** What a HEAD asks for beyond the object's record. */
export interface HeadOptions extends ReadRouting {
  /** The chunk layout of a chunked object (HEAD V2 `chunked`). */
  chunks?: boolean;
  /** Only an object the cluster holds counts (presence filters 1-3), not one only a backend has. */
  inClusterOnly?: boolean;
}

/** Single-object copy flags (AIStore's; for ais buckets they only disable the no-op shortcut). */
export interface CopyOptions {
  latestVersion: boolean;
  synchronize: boolean;
}

/** One APPEND: the handle ('' for the first), the bytes to add. */
export interface AppendRequest {
  handle: string;
  body: Readable;
  contentLength: number | undefined;
}

/** One part of a native multipart upload. */
export interface PartRequest {
  uploadId: string;
  partNumber: number;
  body: Readable;
  contentLength: number;
}

/** A read out of a shard: one file (`path`, raw bytes) or the files a pattern selects (a TAR). */
export interface ArchiveReadRequest {
  /** `archmime`: the shard's format when its name and bytes do not say ('' otherwise). */
  mime: string;
  path?: string | undefined;
  match?: { expression: string; mode: string } | undefined;
}

/** `PUT ?archpath=`: one file into a shard. */
export interface ArchiveWriteRequest {
  mime: string;
  path: string;
  body: Readable;
  contentLength: number;
  /** `Ais-Pine`: create (or replace) the shard, append to it (it must exist), or either. */
  mode: 'create' | 'append' | 'append-or-create';
}

export interface ArchiveRead {
  contentType: string;
  /** Known for one file; a TAR of selected files is streamed without a length. */
  size: number | undefined;
  body: Readable;
  /**
   * The file's bytes when they are in memory already (an indexed file of a plain tar, e.g. out of
   * the content cache), never changed by anyone: a route writes them at once, with no stream;
   * `body` streams the same bytes to any other consumer.
   */
  bytes?: Buffer | undefined;
}

/** What `ObjectPort.get` answers. */
export interface ObjectGet {
  object: ObjectInfo;
  body: ObjectBodySource;
  range: ResolvedRange | undefined;
}

export interface ObjectPort {
  /**
   * A URL to answer with 307 (gateways; targets that do not own the object), or undefined to serve
   * here: at once when nothing is to wait for (a target's usual case), else a promise.
   */
  redirect(
    address: ObjectAddress,
    context: RequestContext,
  ): string | undefined | Promise<string | undefined>;
  head(address: ObjectAddress, options?: HeadOptions): Promise<ObjectInfo>;
  /**
   * `rangeHeader` is the raw Range header; resolve it with `resolveRange` against the size. At once
   * when the read is ready now (a target's content hit), else a promise.
   */
  get(
    address: ObjectAddress,
    rangeHeader: string | undefined,
    options?: ReadRouting,
  ): ObjectGet | Promise<ObjectGet>;
  /** `GET ?archpath=` or `?archregx=&archmode=`: files out of a shard. */
  getFromArchive(address: ObjectAddress, request: ArchiveReadRequest): Promise<ArchiveRead>;
  /** `PUT ?archpath=`: adds one file to a shard (or makes a shard of it). */
  putIntoArchive(address: ObjectAddress, request: ArchiveWriteRequest): Promise<void>;
  put(address: ObjectAddress, body: Readable, options: PutOptions): Promise<ObjectInfo>;
  delete(address: ObjectAddress): Promise<void>;
  /** `DELETE` with `evict-listrange`: drops the cached copy of a remote bucket's object. */
  evict(address: ObjectAddress): Promise<void>;
  setCustomMetadata(
    address: ObjectAddress,
    metadata: Record<string, string>,
    replace: boolean,
  ): Promise<ObjectInfo>;
  /** `PUT ?object_to=`: copies the object (this target owns the source) to `destination`. */
  copy(source: ObjectAddress, destination: ObjectAddress, options: CopyOptions): Promise<void>;
  /** `PUT ?append_type=append`: adds the bytes to the append in progress; returns its new handle. */
  append(address: ObjectAddress, request: AppendRequest): Promise<string>;
  /** `PUT ?append_type=flush`: commits the append as the object (`checksum`: of all of it). */
  flush(
    address: ObjectAddress,
    handle: string,
    checksum: { type: string; value: string } | undefined,
  ): Promise<void>;
  /** `POST mpt-upload`: starts a multipart upload; returns its ID. */
  createUpload(address: ObjectAddress): Promise<string>;
  uploadPart(address: ObjectAddress, request: PartRequest): Promise<void>;
  /** `POST mpt-complete`: the listed part numbers must be exactly the uploaded parts, 1..N. */
  completeUpload(address: ObjectAddress, uploadId: string, partNumbers: number[]): Promise<void>;
  /** `DELETE mpt-abort`. */
  abortUpload(address: ObjectAddress, uploadId: string): Promise<void>;
  /** `POST /v1/objects/<bucket>` `promote` (`src` checked): a job ID, or "" when done already. */
  promote(bucket: BucketJson, args: PromoteArgsJson & { src: string }): Promise<string>;
  /**
   * `POST /v1/objects/<bucket>` `blob-download` (here once redirected to the owner): the job ID,
   * or "" when the cached copy is current.
   */
  blobDownload(address: ObjectAddress, value: unknown): Promise<string>;
}

export interface BucketPort {
  listBuckets(provider: string | undefined): BucketJson[];
  /** HEAD bucket (a gateway adds a remote bucket it is asked about first, as AIStore does). */
  props(bucket: BucketJson, context: RequestContext): Promise<BucketPropsJson>;
  /** Control-plane bucket actions (create, destroy, props, multi-object jobs); a job ID or nothing. */
  control(
    bucket: BucketJson,
    message: ActionMessage,
    context: RequestContext,
  ): Promise<string | undefined>;
  listObjects(bucket: BucketJson, request: ListObjectsRequestJson): Promise<ListPageJson>;
}

export type BucketPropsUpdate = BucketPropsUpdateJson;

/** Where a bucket summary stands. */
export interface BucketSummaryAnswer {
  jobId: string;
  /** `running`: no target finished yet (202); `partial`: some did (206); `done`: all did (200). */
  state: 'running' | 'partial' | 'done';
  /** The summary of what the finished targets counted (one entry), empty while running. */
  results: BucketSummaryJson[];
}

/** Bucket summaries (gateways): `summary-bck` and HEAD bucket with `bsumm_remote`. */
export interface BucketSummaryPort {
  /** Starts a summary job (no `uuid`), or reports on one. */
  summarize(bucket: BucketJson, request: BucketSummaryRequestJson): Promise<BucketSummaryAnswer>;
}

export interface ClusterPort {
  /**
   * Why the node cannot serve data now (`GET /v1/health` answers 503 with it), or undefined when
   * it is ready.
   */
  notReadyReason(): Promise<string | undefined>;
  /** `GET /v1/daemon?what=` and `GET /v1/cluster?what=`: a JSON-serialisable answer. */
  query(scope: 'daemon' | 'cluster', what: string, context: RequestContext): Promise<unknown>;
  /** `POST|PUT|DELETE /v1/cluster/...` and `/v1/daemon/...` (registration, keepalive, config, ...). */
  control(scope: 'daemon' | 'cluster', context: RequestContext): Promise<unknown>;
  /** `PUT /v1/metasync` (intra port only). */
  metasync(body: unknown): Promise<void>;
}

/** Selects jobs: by ID, kind, bucket, running only. */
export interface JobSelector {
  id?: string | undefined;
  kind?: string | undefined;
  bucket?: BucketJson | undefined;
  onlyRunning?: boolean | undefined;
}

/** A target's share of jobs (`/v1/jobs`, intra-cluster only). */
export interface JobsPort {
  start(request: StartJobRequestJson): Promise<void>;
  /** Another target's share of a job ended. */
  peerEnded(end: ShareEndJson): void;
  abort(selector: JobSelector): number;
  snapshots(selector: JobSelector): JobSnapshotJson[];
  /**
   * Settles once job `id` has ended here, or after `waitMs` (at once when it is not here or has
   * ended already): a status query held until the job's end (`Query.jobWaitMs`); then, with
   * `mapVersion` (`Query.jobMapVersion`), once this target has that cluster map (bounded).
   */
  untilEnded(id: string, waitMs: number, mapVersion?: number): Promise<void>;
}

/** EC pieces held by a target (`/v1/ec/<bucket>/<object>`, intra-cluster only). */
export interface ErasureCodingPort {
  /** Stores a slice or replica (`body`) with its metafile, or the metafile alone (empty body). */
  store(
    address: ObjectAddress,
    metadata: unknown,
    body: Readable,
    contentLength: number | undefined,
  ): Promise<unknown>;
  /**
   * The metafile (JSON); ObjectNotFound when this target holds nothing of the object. With
   * `verify`, the piece's bytes are checked first (a corrupt piece counts as not held).
   */
  metadata(address: ObjectAddress, verify: boolean): Promise<unknown>;
  /** The metafile and the verified bytes of the slice or replica held here. */
  read(
    address: ObjectAddress,
  ): Promise<{ metadata: unknown; size: number; body: ObjectBodySource }>;
  /** Removes whatever this target holds of the object (pieces and metafile). */
  remove(address: ObjectAddress): Promise<void>;
  /**
   * Asked of the object's owner by a holder of a piece of its kept version (`metadata`, the
   * holder's metafile): the version is restored here if it is missing. Answers `{"outcome":
   * "present" | "restored" | "unrecoverable" | "not-owner"}`.
   */
  ensureKept(address: ObjectAddress, metadata: unknown): Promise<{ outcome: string }>;
}
/**
 * A node-to-node resource served only on the intra-cluster port (`/v1/<resource>/...`): election,
 * metadata gathering, object transfers between targets. `segments` follow the resource name.
 */
export type InternalRoute = (context: RequestContext, segments: readonly string[]) => Promise<void>;

/** GetBatch: a gateway redirects to a designated target, which assembles and streams the archive. */
export interface BatchPort {
  getBatch(request: BatchRequest, context: RequestContext): Promise<void>;
}

/** ETL (`/v1/etl/...`), and the inline transform of a GET with `etl_name` (targets). */
export interface EtlPort {
  handle(context: RequestContext, segments: readonly string[]): Promise<void>;
  transform?(context: RequestContext, address: ObjectAddress): Promise<void>;
  /** `PUT ?object_to=&etl_name=[&etl_args=]`: copies the object (owned here) transformed. */
  copy?(context: RequestContext, source: ObjectAddress): Promise<void>;
}

/** dSort (`/v1/sort`, gateways). */
export interface DsortPort {
  /** Starts a job from a RequestSpec; its ID (`srt-...`). */
  start(spec: unknown): Promise<string>;
  /** Each target's JobInfo of the job (JobNotFound when none knows it). */
  metrics(id: string): Promise<Record<string, DsortJobInfoJson>>;
  list(regex: string | undefined, onlyActive: boolean): Promise<DsortJobInfoJson[]>;
  abort(id: string): Promise<void>;
  remove(id: string): Promise<void>;
}

/** The downloader (`/v1/download`, gateways). */
export interface DownloadPort {
  /** Starts a job on every target from a start body; its ID. */
  start(body: unknown, context: RequestContext): Promise<DownloadStartJson>;
  /** The job added up over targets (JobNotFound when no target knows it). */
  status(id: string, onlyActive: boolean): Promise<DownloadStatusJson>;
  /** Every job; `regex` matches descriptions (or IDs). */
  list(regex: string | undefined, onlyActive: boolean): Promise<DownloadJobJson[]>;
  abort(id: string): Promise<void>;
  /** Forgets a job that ended (400 while it runs). */
  remove(id: string): Promise<void>;
}

export interface NativeApiPorts {
  /** Gateways only. */
  dsort?: DsortPort;
  /** Gateways only. */
  download?: DownloadPort;
  /** GetBatch (`/v1/ml/moss`). */
  batch?: BatchPort;
  objects: ObjectPort;
  buckets: BucketPort;
  cluster: ClusterPort;
  /** Targets only. */
  jobs?: JobsPort;
  /** Targets only. */
  erasureCoding?: ErasureCodingPort;
  /** Intra-cluster resources a role adds, by resource name. */
  internal?: Readonly<Record<string, InternalRoute>>;
  /** Gateways only: `/v1/reverse/daemon...` forwarded to the node named by `Ais-Node-Id`. */
  reverse?: InternalRoute;
  /** Gateways only. */
  bucketSummary?: BucketSummaryPort;
  /** Gateways: the control API; targets: transformers, inline transforms, object endpoint. */
  etl?: EtlPort;
}
