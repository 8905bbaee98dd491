// What every remote backend offers the target (one adapter per kind of remote behind it): list,
// head, get with a range, put, delete, with the remote's versions and ETags.
import type { Readable } from 'node:stream';
import type { ByteRange } from '../storage/index.js';

/** Custom metadata keys of a cached object's remote attributes (AIStore's `cmn/objattrs.go`). */
export const RemoteMetadataKey = {
  source: 'source',
  etag: 'ETag',
  lastModified: 'LastModified',
  version: 'version',
} as const;

/** An object as the remote describes it. */
export interface RemoteObject {
  name: string;
  size: number;
  /** The remote's ETag, unquoted. */
  etag?: string;
  /** The remote's version ID (versioned S3 buckets). */
  version?: string;
  /** Unix milliseconds. */
  lastModifiedMs?: number;
  /** User metadata the remote keeps with the object. */
  customMetadata: Record<string, string>;
}

/** A remote GET: what was read and its bytes (the range asked for, or all of them). */
export interface RemoteRead {
  object: RemoteObject;
  body: Readable;
}

/** One page of a remote listing; `continuationToken` absent on the last page. */
export interface RemotePage {
  entries: RemoteObject[];
  continuationToken?: string;
}

export interface RemoteListOptions {
  prefix?: string;
  continuationToken?: string;
  /** Only names after this one (a listing's first page; later pages go by their token). */
  startAfter?: string;
  /** At most this many entries (the backend may return fewer). */
  limit: number;
}

export interface RemotePutOptions {
  /** The body's length (remote PUTs are sized). */
  size: number;
  customMetadata?: Record<string, string>;
}

/** One remote bucket's backend. Failures are StoreErrors naming the backend (`describe`). */
export interface Backend {
  /** `aws://bucket at http://host:port`: how errors name the remote. */
  readonly description: string;
  /** Resolves when the remote bucket exists and is reachable. */
  headBucket(): Promise<void>;
  list(options: RemoteListOptions): Promise<RemotePage>;
  head(name: string): Promise<RemoteObject>;
  get(name: string, range?: ByteRange): Promise<RemoteRead>;
  put(name: string, body: Readable, options: RemotePutOptions): Promise<RemoteObject>;
  /** Deleting an object the remote does not have is not an error (as S3 answers it). */
  delete(name: string): Promise<void>;
}
