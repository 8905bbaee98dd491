// Public types of the local store: options, requests and what reads and listings return.
import type { Readable } from 'node:stream';
import type { BucketJson, ChecksumTypeName } from '../wire/index.js';
import type { ObjectBody } from './io/object-body.js';
import type { ListingDirectories } from './io/sorted-walk.js';
import type { ChunkedBody } from './multipart/chunked-body.js';
import type { StoredContentType } from './layout/index.js';
import type {
  ContentCacheLimits,
  ObjectChecksum,
  ObjectMetadata,
  ObjectRetention,
} from './meta/index.js';

/** Storage settings from the node's configuration. */
export interface StorageOptions {
  /** fsync the work file before the rename and the directory after it. */
  fsyncObjects: boolean;
  /** Objects up to this size (of content: encryption's overhead not counted) are read whole, verified, then served. */
  verifyInMemoryMaxBytes: number;
  /** Read chunk size when streaming larger objects. */
  readChunkBytes: number;
  /**
   * Memory for the metadata cache (decoded records of recently read objects, estimated; see
   * meta/metadata-cache.ts). 0 turns it off. Default `defaultMetadataCacheBytes`.
   */
  metadataCacheBytes?: number;
  /**
   * The content cache beside the metadata cache (bytes of hot small objects, meta/content-cache.ts):
   * its limits, `defaultContentCacheLimits` where not given. Kept only with their records, so a
   * metadata cache of 0 bytes keeps no content either.
   */
  contentCache?: Partial<ContentCacheLimits>;
}

/** The metadata cache's default limit: about 65,000 objects with small records (~1 KB each). */
export const defaultMetadataCacheBytes = 64 * 1024 * 1024;

/** An object as HEAD, GET and listings with metadata report it. */
export interface StoredObject {
  bucket: BucketJson;
  name: string;
  size: number;
  checksum: { type: ChecksumTypeName; value: string };
  version?: string;
  customMetadata: Record<string, string>;
  /** Absolute paths of the mirror copies on other mountpaths (the record's `copies`). */
  copies: string[];
  /** File-system access time in Unix nanoseconds. */
  accessTimeNs: bigint;
  /** File-system modification time in Unix milliseconds (when the object was written). */
  modifiedTimeMs: number;
  /** The mountpath holding the replica that was read. */
  mountpath: string;
  /** S3 attributes (absent on objects written without them, e.g. through the native API). */
  etag?: string;
  contentHeaders: Record<string, string>;
  tags: Record<string, string>;
  extraChecksums: Record<string, string>;
  /** S3 version ID in buckets that keep history; absent for the `null` version. */
  versionId?: string;
  /** Order of the name's versions (see ObjectMetadata.versionStamp); absent: oldest. */
  versionStamp?: number;
  /** A delete marker (only ever returned by version reads and version listings). */
  deleteMarker?: boolean;
  /** A chunked (multipart) object's chunk set: its manifest under `%ut` (see `chunkLayout`). */
  chunkSet?: string;
  /** S3 object lock retention of this version. */
  retention?: ObjectRetention;
  /** S3 legal hold on this version. */
  legalHold?: boolean;
}

/**
 * How a bucket that keeps history (S3 versioning) treats writes and deletes: `enabled` keeps
 * every version under a new ID; `suspended` writes the `null` version, keeping the others.
 */
export type KeptHistory = 'enabled' | 'suspended';

/** A listing entry of a names-only listing (`namesOnly`): no file was read for it. */
export interface ObjectName {
  name: string;
}

/** A listing entry without metadata: the name, and the size from the file system. */
export interface ListedName extends ObjectName {
  size: number;
}

export interface PutObjectRequest {
  bucket: BucketJson;
  name: string;
  body: Readable;
  /** When given, a body of another length fails with BadRequest and nothing is stored. */
  contentLength?: number;
  /** The bucket's checksum type: what is computed and stored. */
  checksumType: ChecksumTypeName;
  /** The client's checksum; a mismatch fails with ChecksumMismatch and nothing is stored. */
  expectedChecksum?: { type: ChecksumTypeName; value: string };
  customMetadata?: Record<string, string>;
  /** When true the new version is the previous one plus 1 ("1" for the first). */
  versioning: boolean;
  /** S3 content headers and tags stored with the object. */
  contentHeaders?: Record<string, string>;
  tags?: Record<string, string>;
  /** S3 object lock of the new version: its retention and legal hold. */
  retention?: ObjectRetention | undefined;
  legalHold?: boolean | undefined;
  /**
   * Runs once the whole body arrived, before anything becomes visible: the S3 layer verifies its
   * digests here (throwing cancels the write) and returns the ETag and checksums to store.
   */
  finish?: () => WriteFinish | Promise<WriteFinish>;
  /**
   * Moves the caller's own digests of the body (S3's MD5) to the thread pool; asked by a write that
   * streams the body to a file. Its answer is awaited with each file write, so that the body is
   * read no faster than they keep up.
   */
  offloadDigests?: (() => () => Promise<void>) | undefined;
  /** The bucket keeps history: the current version is kept (or replaced, if `null`). */
  history?: KeptHistory | undefined;
  /** Internal (multipart completion): commit an empty file standing for these chunks. */
  chunked?: { chunks: string; sizeBytes: number };
  /** Stores this version as it is (a restore keeps the version it restores); wins over `versioning`. */
  version?: string;
  /** The tree to store in: objects (default), or EC slices and metafiles (stored like objects). */
  contentType?: StoredContentType;
  /**
   * Set when an existing object moves here (rebalance, resilver): its version and modification
   * time are kept, and a replica already here that is at least as new (same or later modification
   * time) is kept instead (then nothing is written). `versioning` must be false.
   */
  migration?: {
    version?: string;
    modifiedTimeMs: number;
    /** A replica on this mountpath does not count (the resilver's source). */
    ignoreMountpath?: string;
  };
  /**
   * The S3 attributes of an existing version stored again (rebalance, resilver, EC restore): kept
   * as they are instead of being computed. In a bucket that keeps history (`history` set) the
   * version is placed by its stamp among the versions already here (see `version-import.ts`).
   */
  attributes?: VersionAttributes;
  /**
   * Runs under the object's write lock just before the new version commits, with the latest
   * object (undefined when there is none, or a delete marker is the latest version); throwing
   * cancels the write. S3's conditional writes check their condition here, atomically.
   */
  precondition?: WritePrecondition;
  /**
   * Set when the body is a stored object's bytes, read whole and checked against its stored
   * checksum on the way (a copy): a mismatch fails the body, and so the write. That checksum, when
   * of `checksumType`, is stored as it is instead of computed again. `inMemory`: the body holds the
   * bytes in one buffer already (read whole to verify them), so they are written in one job as a
   * small object's are, whatever their size.
   */
  verifiedSource?: { checksum: ObjectChecksum; inMemory: boolean };
  /**
   * The caller bounds the body (with `contentLength`): it is received whole and written in one job,
   * as a small object's, at sizes up to `wholeBodyMaxBytes` (an EC piece of one stripe, whose
   * sender holds it in memory too).
   */
  receiveWhole?: boolean;
}

/** The S3 object lock of one version (each absent when not set). */
export interface ObjectLockState {
  retention?: ObjectRetention | undefined;
  legalHold?: boolean | undefined;
}

/**
 * A check of a version about to be deleted for good, made under the object's write lock with its
 * record; throwing keeps the version (S3 object lock refuses deletes of locked versions here).
 */
export type DeleteGuard = (version: ObjectMetadata) => void;

/** A check of the object a write replaces, made atomically with the commit (see `precondition`). */
export type WritePrecondition = (current: StoredObject | undefined) => void;

/**
 * What a write learns once its body arrived: the S3 layer's ETag and checksums; a remote bucket's
 * write-through, the remote's ETag, version and attributes (kept as custom metadata).
 */
export interface WriteFinish {
  etag?: string | undefined;
  extraChecksums?: Record<string, string>;
  /** Replaces the version (a remote's version ID); only for writes that number none. */
  version?: string;
  /** Added to the object's custom metadata. */
  customMetadata?: Record<string, string>;
}

/** What a version is besides its bytes and custom metadata, as moves and restores carry it. */
export interface VersionAttributes {
  etag?: string;
  contentHeaders?: Record<string, string>;
  tags?: Record<string, string>;
  extraChecksums?: Record<string, string>;
  versionId?: string;
  versionStamp?: number;
  deleteMarker?: boolean;
  retention?: ObjectRetention;
  legalHold?: boolean;
}

/** Which tree a read looks in, and whether a large object is checked before its body is returned. */
export interface ReadOptions {
  contentType?: StoredContentType;
  /** A kept version (S3 version ID) instead of the latest. */
  versionId?: string | undefined;
  verifyBeforeSend?: boolean;
  /**
   * A client's GET: the whole verified bytes of a small object it reads from disk enter the
   * content cache (meta/content-cache.ts). Internal reads (EC encoding, rebalance sends, shard
   * indexes) are answered from the cache when it holds the object, but do not fill it: an object
   * is hot because clients read it.
   */
  keepInMemory?: boolean;
  /**
   * A client's read of a file in a shard (`archpath`): a range of a large object read alone from
   * disk (`read-object.ts` `readRange`) enters the content cache, checked as read (never
   * verified: a range cannot be), to serve that same range again. A plain Range GET does not fill
   * it (random ranges of large objects would churn it, a copy each), though it is served from it.
   */
  keepRangeInMemory?: boolean;
}

/** Inclusive byte range, already validated against the object's size by the caller. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Chooses the range to read once the object's size is known (a Range header resolved against it;
 * undefined: the whole object). It may throw (an unsatisfiable range): nothing is read then.
 */
export type RangeResolver = (sizeBytes: number) => ByteRange | undefined;

/** Listing page request. */
/**
 * A replica as LRU's candidate listing sees it (`listReplicas`): what it weighs and what the
 * eviction checks again, nothing else decoded.
 */
export interface ListedReplica {
  readonly name: string;
  /** The mountpath its file is on. */
  readonly mountpath: string;
  /** The object's size (a chunked object's too: its file is empty). */
  readonly size: number;
  readonly accessTimeNs: bigint;
  readonly modifiedTimeMs: number;
  /** Its mirror copies' paths (the record's `copies`). */
  readonly copies: readonly string[];
  readonly chunked: boolean;
}

export interface ListObjectsOptions {
  /** Only names starting with this. */
  prefix?: string;
  /** Only names strictly after this one (the previous page's last name). */
  startAfter?: string;
  /** At most this many entries. */
  limit: number;
  /** true: full `StoredObject`s (reads every object's metadata); false: `ListedName`s. */
  withMetadata: boolean;
  /** With `withMetadata` false: names only (`ObjectName`s); no object file is read at all. */
  namesOnly?: boolean;
  /** The tree to list: objects (default), EC slices or EC metafiles. */
  contentType?: StoredContentType;
  /** The listing's directory reads, kept between its pages (read afresh without). */
  directories?: ListingDirectories;
}

/** A GET's result: the object's metadata and its (verified) body. */
export interface ObjectReadResult {
  object: StoredObject;
  /** The range read (from a resolver), absent for the whole object. */
  range?: ByteRange;
  /**
   * The bytes. It holds the file open: send it, stream it, or discard it. For objects larger than
   * `verifyInMemoryMaxBytes` it fails with ObjectCorrupted before the last chunk instead of ending
   * when the bytes do not match their checksum: the caller must then abort its response.
   */
  body: ObjectBody | ChunkedBody;
}
