// The operations the S3 API needs from a role. Gateways answer bucket-level requests (from bucket
// metadata and by fanning out to targets) and forward object-level ones; targets serve objects.
import type { Readable, Writable } from 'node:stream';
import type { ResolvedRange } from '../common/range.js';
import type { AuthResult } from './auth/authenticate.js';
import type { RequestContext } from '../common/request-context.js';
import type { WriteCondition } from './write-conditions.js';
import type { S3UploadChecksum } from './body/multipart-checksums.js';
import type { S3ObjectLock, S3ObjectLockConfig, S3Retention } from './object-lock.js';
import type { LifecycleJson, S3AccessPropsJson, SsePropsJson } from '../../wire/index.js';
import type { S3ObjectAcl } from './access/object-acl.js';

export interface S3BucketInfo {
  name: string;
  createdMs: number;
}

export type VersioningStatus = 'Enabled' | 'Suspended';

/** An SSE-C key a request gives: the 32 key bytes and their MD5 (base64, as sent). */
export interface S3CustomerKey {
  key: Buffer;
  md5: string;
}

/**
 * How an object is encrypted at rest, as S3 reports it (SSE-KMS: with its key ID; SSE-C: with the
 * MD5 of the key used).
 */
export type S3Encryption =
  | { kind: 'SSE-S3' }
  | { kind: 'SSE-KMS'; keyId: string }
  | { kind: 'SSE-C'; customerKeyMd5?: string };

/**
 * What a write asks for: SSE-S3 (`AES256`), SSE-KMS with a key ID of the cluster's key store (checked
 * against `S3Settings.kmsKeys` where the request arrived, and again by the target), or SSE-C with
 * the customer's key.
 */
export type S3EncryptionRequest =
  { kind: 'SSE-S3' } | { kind: 'SSE-KMS'; keyId: string } | { kind: 'SSE-C'; key: S3CustomerKey };

/** An object (or one version of it) as S3 describes it. */
export interface S3ObjectInfo {
  key: string;
  size: number;
  /** MD5 hex for single-part objects, `<md5 of part md5s>-<parts>` for multipart; unquoted. */
  etag: string;
  modifiedTimeMs: number;
  /** Present when the bucket keeps versions (or the object was written while it did). */
  versionId?: string;
  /** `x-amz-meta-*` (names without the prefix); the native API's custom metadata. */
  userMetadata: Record<string, string>;
  /** Content-Type, Content-Encoding, Content-Disposition, Content-Language, Cache-Control, Expires. */
  contentHeaders: Record<string, string>;
  tags: Record<string, string>;
  /** Additional checksums by algorithm (crc32, crc32c, sha1, sha256), base64. */
  checksums: Record<string, string>;
  /** Multipart objects: how many parts. */
  partsCount?: number;
  deleteMarker?: boolean;
  /** S3 object lock of this version (retention, legal hold), when it has one. */
  lock?: S3ObjectLock;
  /** When the bucket's lifecycle rules expire this (current) version, and which rule does. */
  expiration?: { atMs: number; ruleId: string };
  /** Server-side encryption of the stored bytes (absent: stored as sent). */
  encryption?: S3Encryption;
  /** The object's own ACL (absent: the bucket owner's, private). */
  acl?: S3ObjectAcl;
}

/** A listing request after S3's parameters were parsed (V1 marker and V2 start-after/token alike). */
export interface S3ListRequest {
  prefix: string;
  delimiter: string;
  /** Only keys (and common prefixes) strictly after this. */
  startAfter: string;
  maxKeys: number;
  /** Ties the pages of one listing together: targets reuse what its earlier pages read. */
  session?: string;
}

export interface S3ListEntry {
  key: string;
  size: number;
  etag: string;
  modifiedTimeMs: number;
}

export interface S3ListPage {
  entries: S3ListEntry[];
  commonPrefixes: string[];
  truncated: boolean;
}

export interface S3VersionEntry extends S3ListEntry {
  versionId: string;
  isLatest: boolean;
  deleteMarker: boolean;
}

export interface S3VersionListRequest extends S3ListRequest {
  /** With `startAfter` as the key marker: versions of that key after this version (newest first). */
  versionIdMarker: string;
}

export interface S3UploadListRequest extends S3ListRequest {
  /** With `startAfter` as the key marker: uploads of that key after this one (oldest first). */
  uploadIdMarker: string;
}

export interface S3VersionPage {
  entries: S3VersionEntry[];
  commonPrefixes: string[];
  truncated: boolean;
}

export interface S3UploadEntry {
  key: string;
  uploadId: string;
  initiatedMs: number;
}

export interface S3UploadPage {
  uploads: S3UploadEntry[];
  commonPrefixes: string[];
  truncated: boolean;
}

export interface S3PartInfo {
  partNumber: number;
  size: number;
  etag: string;
  modifiedTimeMs: number;
  checksums: Record<string, string>;
}

export interface S3DeleteOutcome {
  versionId?: string;
  deleteMarker: boolean;
}

export interface S3DeleteResult extends S3DeleteOutcome {
  key: string;
  /** Set when this key failed: S3 error code and message. */
  error?: { code: string; message: string };
}

/** What an object write stores besides its bytes. */
export interface S3ObjectAttributes {
  userMetadata: Record<string, string>;
  contentHeaders: Record<string, string>;
  tags: Record<string, string>;
}

/** The bytes of a write and where they go. */
export interface S3PayloadWrite {
  bucket: string;
  key: string;
  body: Readable;
  contentLength: number;
  /** Runs when the whole body arrived, before the object is visible; throwing cancels the write. */
  finish(): Promise<{ etag: string; checksums: Record<string, string> }>;
  /** The digests to the thread pool (ObjectPayload's `offloadDigests`), for a streamed write. */
  offloadDigests?: () => () => Promise<void>;
}

/** An object write: bytes and attributes, and the condition it makes (If-None-Match, If-Match). */
export interface S3WriteRequest extends Omit<S3PayloadWrite, 'contentLength'>, S3ObjectAttributes {
  /** Undefined for a browser form upload's file, whose length is known only at its end. */
  contentLength: number | undefined;
  condition?: WriteCondition | undefined;
  /** The object lock the write asks for (`x-amz-object-lock-*`); else the bucket's default. */
  lock?: S3ObjectLock | undefined;
  /** The encryption the write asks for; else the bucket's default encryption, else none. */
  encryption?: S3EncryptionRequest | undefined;
}

/** A part of a multipart upload: bytes only (the upload carries the attributes). */
export interface S3PartWrite extends S3PayloadWrite {
  uploadId: string;
  partNumber: number;
  /** The SSE-C key of an upload encrypted with one (each part must give it). */
  customerKey?: S3CustomerKey | undefined;
}

/** Bytes of an object being read; sent once to a socket-backed destination, verified as they go. */
export interface S3ObjectBody {
  sendTo(destination: Writable): Promise<void>;
  discard(): Promise<void>;
  /** The bytes as a stream (a copy's source); like `sendTo`, at most once. */
  toStream(): Readable;
}

export interface S3BucketPort {
  listBuckets(): S3BucketInfo[];
  /** `objectLock`: the bucket has object lock enabled (and keeps every version). */
  createBucket(
    bucket: string,
    context: RequestContext,
    objectLock?: boolean,
    access?: S3AccessPropsJson,
  ): Promise<void>;
  /** The bucket's owner, ACL, ownership, policy and public access block (defaults when none). */
  getAccess(bucket: string): S3AccessPropsJson;
  /** Replaces them (the whole record: read, changed, written back). */
  setAccess(bucket: string, access: S3AccessPropsJson, context: RequestContext): Promise<void>;
  /** True when a canonical ID names a user an ACL may grant to. */
  isKnownUser(id: string): boolean;
  /** The canonical ID of the user with this email (case-insensitive), for grants by email. */
  userIdByEmail(email: string): string | undefined;
  /** The object lock configuration; undefined when the bucket does not have object lock. */
  getObjectLock(bucket: string): S3ObjectLockConfig | undefined;
  /** Enables object lock (versioning must be Enabled) and sets the default retention. */
  setObjectLock(bucket: string, config: S3ObjectLockConfig, context: RequestContext): Promise<void>;
  /** The lifecycle rules; undefined when the bucket has none. */
  getLifecycle(bucket: string): LifecycleJson | undefined;
  /** Replaces the lifecycle rules (none: removes the configuration). */
  setLifecycle(bucket: string, lifecycle: LifecycleJson, context: RequestContext): Promise<void>;
  /** The default encryption; undefined when the bucket has none. */
  getEncryption(bucket: string): SsePropsJson | undefined;
  /** Sets (an empty algorithm: removes) the default encryption. */
  setEncryption(bucket: string, sse: SsePropsJson, context: RequestContext): Promise<void>;
  /** The bucket's tags (none: empty). */
  getTags(bucket: string): Record<string, string>;
  /** Replaces the bucket's tags (none: removes them). */
  setTags(bucket: string, tags: Record<string, string>, context: RequestContext): Promise<void>;
  /** BucketNotEmpty while it holds objects, kept versions or delete markers. */
  deleteBucket(bucket: string, context: RequestContext): Promise<void>;
  /** Throws NoSuchBucket when absent. */
  headBucket(bucket: string): void;
  getVersioning(bucket: string): VersioningStatus | undefined;
  setVersioning(bucket: string, status: VersioningStatus, context: RequestContext): Promise<void>;
  listObjects(bucket: string, request: S3ListRequest): Promise<S3ListPage>;
  listObjectVersions(bucket: string, request: S3VersionListRequest): Promise<S3VersionPage>;
  listUploads(bucket: string, request: S3UploadListRequest): Promise<S3UploadPage>;
  deleteObjects(
    bucket: string,
    items: Array<{ key: string; versionId?: string }>,
    bypassGovernance: boolean,
  ): Promise<S3DeleteResult[]>;
}

/** How a read reached this node. */
export interface S3ReadRouting {
  /** The ID of the unreachable owner this target stands in for (a forwarding node says so). */
  substituteFor?: string;
}

export interface S3ObjectPort {
  /**
   * With `keyCheck` (HeadObject), an SSE-C object needs its key: without one the read is refused
   * (400), with another one too (403); a key given for an object not encrypted with one is refused
   * (400). Without it (tagging, retention, ACL reads) no key is asked for.
   */
  head(
    bucket: string,
    key: string,
    versionId: string | undefined,
    routing?: S3ReadRouting,
    keyCheck?: { customerKey: S3CustomerKey | undefined },
  ): Promise<S3ObjectInfo>;
  /** The plaintext (a range of it), decrypted as it is sent when the object is encrypted. */
  get(
    bucket: string,
    key: string,
    versionId: string | undefined,
    rangeHeader: string | undefined,
    routing?: S3ReadRouting,
    customerKey?: S3CustomerKey,
  ): Promise<{ info: S3ObjectInfo; body: S3ObjectBody; range: ResolvedRange | undefined }>;
  /** The source of a copy, wherever it is stored, as a stream (a range for UploadPartCopy). */
  openSource(
    bucket: string,
    key: string,
    versionId: string | undefined,
    range: string | undefined,
    customerKey?: S3CustomerKey,
  ): Promise<{ info: S3ObjectInfo; body: Readable; range: ResolvedRange | undefined }>;
  /**
   * The object (or version) and, for a multipart one, its parts in order (their numbers as
   * uploaded); `parts` is undefined for a single-part object.
   */
  objectParts(
    bucket: string,
    key: string,
    versionId: string | undefined,
  ): Promise<{ info: S3ObjectInfo; parts: S3PartInfo[] | undefined }>;
  put(request: S3WriteRequest): Promise<S3ObjectInfo>;
  /** A version under object lock is refused (AccessDenied); GOVERNANCE yields to the bypass. */
  delete(
    bucket: string,
    key: string,
    versionId: string | undefined,
    bypassGovernance?: boolean,
  ): Promise<S3DeleteOutcome>;
  /** Sets (or with undefined removes) the retention of the object or version. */
  setRetention(
    bucket: string,
    key: string,
    versionId: string | undefined,
    retention: S3Retention | undefined,
    bypassGovernance: boolean,
  ): Promise<S3ObjectInfo>;
  setLegalHold(
    bucket: string,
    key: string,
    versionId: string | undefined,
    on: boolean,
  ): Promise<S3ObjectInfo>;
  /** Replaces the tag set of the object (or version); an empty set removes the tags. */
  setTags(
    bucket: string,
    key: string,
    versionId: string | undefined,
    tags: Record<string, string>,
  ): Promise<S3ObjectInfo>;
  /** Replaces the ACL of the object (or version). */
  setAcl(
    bucket: string,
    key: string,
    versionId: string | undefined,
    acl: S3ObjectAcl,
  ): Promise<S3ObjectInfo>;
  /**
   * `lock`: the object lock the completed object gets (`x-amz-object-lock-*`); `checksum`: the
   * additional checksum every part carries and the form of the object's; `encryption`: how its
   * parts are encrypted (else the bucket's default). Answers the encryption it applies.
   */
  createUpload(
    bucket: string,
    key: string,
    attributes: S3ObjectAttributes,
    lock?: S3ObjectLock,
    checksum?: S3UploadChecksum,
    encryption?: S3EncryptionRequest,
  ): Promise<{ uploadId: string; encryption: S3Encryption | undefined }>;
  uploadPart(request: S3PartWrite): Promise<S3PartInfo & { encryption?: S3Encryption }>;
  listParts(bucket: string, key: string, uploadId: string): Promise<S3PartInfo[]>;
  completeUpload(
    bucket: string,
    key: string,
    uploadId: string,
    parts: Array<{ partNumber: number; etag: string; checksums: Record<string, string> }>,
    condition?: WriteCondition,
    /** The completion's `x-amz-checksum-*`: the object's checksum, verified before it is visible. */
    expectedChecksums?: Record<string, string>,
  ): Promise<S3ObjectInfo>;
  abortUpload(bucket: string, key: string, uploadId: string): Promise<void>;
}

/** Decides where object-level requests are served and carries them there. */
export interface S3Forwarder {
  /**
   * Sends an object request to the node that stores `key` of `bucket` (canonical path-style path,
   * the original query, the client's headers plus the verified `auth`, the raw body) and streams
   * the answer back, resolving true once answered; resolves false at once when this node stores
   * the key, so that `S3ObjectPort` serves it here. The owner is looked up once.
   */
  forward(context: RequestContext, bucket: string, key: string, auth: AuthResult): Promise<boolean>;
  /**
   * On a target: proxies a bucket-level request (its signature verified here) to a gateway, which
   * checks the signature again and answers it; resolves false at once when this node does not pass
   * bucket-level requests on (config `s3.serve_on_targets` off).
   */
  forwardToGateway(context: RequestContext): Promise<boolean>;
  /**
   * Sends a PutObject made on this node (a browser form upload's file) to the target that stores
   * `key` — itself included — with `headers` (lower-case names) and `body`, and returns the answer
   * unread. A body that fails aborts the request, so that nothing is stored.
   */
  forwardWrite(write: S3ForwardedWrite): Promise<S3ForwardedAnswer>;
  /**
   * On the node serving a forwarded object request: resolves once its bucket may be looked up
   * here (this node knows the bucket metadata the forwarding node checked it with, or waited for
   * it briefly); undefined when it may be now (the usual case: nothing to wait for).
   */
  arrived(context: RequestContext, bucket: string): Promise<void> | undefined;
}

export interface S3ForwardedWrite {
  bucket: string;
  key: string;
  auth: AuthResult;
  headers: Record<string, string>;
  body: Readable;
}

export interface S3ForwardedAnswer {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
}

export interface S3Ports {
  buckets: S3BucketPort;
  objects: S3ObjectPort;
  forwarder: S3Forwarder;
}
