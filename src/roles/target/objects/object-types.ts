// The shapes the target's object path passes around: a bucket resolved once per request, the
// object a request is about, what a read returns, which read failures recovery can help with, and
// what the object service is told by and tells (a bucket rename's gate, listeners of changes).
import type { Readable } from 'node:stream';
import { resolveRange, type ResolvedRange } from '../../../api/common/index.js';
import type { ObjectAddress, PutOptions } from '../../../api/native/index.js';
import { parseChecksumType } from '../../../checksum/index.js';
import { isStoreError } from '../../../errors/index.js';
import type {
  EncryptionRecord,
  KeptHistory,
  ObjectReadResult,
  PutObjectRequest,
  RangeResolver,
  StoredObject,
} from '../../../storage/index.js';
import { keptHistoryOf, type BucketJson, type BucketPropsJson } from '../../../wire/index.js';
import type { StreamedBody } from './streamed-body.js';
import type { ColdSource } from './cold-reads.js';

/** A bucket as one request sees it, looked up once. */
export interface ResolvedBucket {
  readonly bucket: BucketJson;
  readonly props: BucketPropsJson;
  /** How the bucket keeps history now (undefined: it keeps none). */
  readonly history: KeptHistory | undefined;
  /** Versions have IDs: the bucket keeps, or once kept, history. */
  readonly versioned: boolean;
}

/** A bucket as one request sees it, from its entry in bucket metadata. */
export function resolvedBucket(bucket: BucketJson, props: BucketPropsJson): ResolvedBucket {
  const history = keptHistoryOf(props);
  return { bucket, props, history, versioned: history !== undefined };
}

/** One object of a resolved bucket. */
export interface ObjectTarget {
  readonly bucket: ResolvedBucket;
  readonly name: string;
}

/** A read: what was read, its bytes, and the range when a Range header asked for one. */
export interface ObjectRead {
  object: StoredObject;
  body: ObjectReadResult['body'] | StreamedBody;
  range: ResolvedRange | undefined;
  /**
   * The encryption record of a decrypted read, as the decryption parsed it from the object's
   * metadata (which keeps it): `plaintextView` takes it instead of parsing it again.
   */
  encryption?: EncryptionRecord;
}

/** How a read reaches the store: a kept version, or in place of an unreachable owner. */
export interface ReadOptions {
  /** A kept version (S3 version ID) rather than the latest; recovered from its mirror copies. */
  versionId?: string | undefined;
  /** The unreachable owner this target stands in for. */
  substituteFor?: string | undefined;
  /** HEAD: an object only a remote bucket's backend holds is not found rather than described. */
  inClusterOnly?: boolean;
  /** GET `latest-ver`: a remote bucket's cached object is checked against its backend first. */
  latestVersion?: boolean;
  /** Where a cold GET reads the object (the backend's GET when not set): blob download's ranges. */
  coldSource?: ColdSource;
  /**
   * A file of a shard read by its index (`archpath`): the range, read alone from disk, enters the
   * content cache to answer the next read of it from memory (the store's `keepRangeInMemory`).
   */
  keepRangeInMemory?: boolean;
}

/** How a read resolves its Range header against the object's size (none: no header, or ''). */
export function rangeResolverOf(rangeHeader: string | undefined): RangeResolver | undefined {
  if (rangeHeader === undefined || rangeHeader === '') return undefined;
  return (size: number) => resolveRange(rangeHeader, size);
}

/** Why a read failed, when recovery may help: the replica is missing or corrupt. */
export function readFailureOf(error: unknown): 'missing' | 'corrupted' | undefined {
  if (!isStoreError(error)) return undefined;
  if (error.code === 'ObjectNotFound') return 'missing';
  if (error.code === 'ObjectCorrupted') return 'corrupted';
  return undefined;
}

export function addressOf(target: ObjectTarget): ObjectAddress {
  return { bucket: target.bucket.bucket, name: target.name };
}

/** A native PUT of `body` as `name`: the bucket's checksum type and versioning, the client's checksum. */
export function nativePutRequest(
  bucket: ResolvedBucket,
  name: string,
  body: Readable,
  options: PutOptions,
): PutObjectRequest {
  const { checksum, contentLength } = options;
  return {
    bucket: bucket.bucket,
    name,
    body,
    ...(contentLength === undefined ? {} : { contentLength }),
    checksumType: bucket.props.checksum.type,
    ...(checksum === undefined
      ? {}
      : { expectedChecksum: { type: parseChecksumType(checksum.type), value: checksum.value } }),
    versioning: bucket.props.versioning.enabled,
    history: bucket.history,
  };
}

/**
 * What a bucket rename (move-bck, see roles/target/rename) asks of requests: a write into a bucket
 * is refused once the bucket is being renamed, and waited for by its rename; a request routed by a
 * node that already knows a newer bucket metadata waits until this target has it too, and for the
 * renames it asks for (the new name's directories exist only then). Without renames both just run.
 */
export interface BucketGate {
  write<T>(bucket: BucketJson, write: () => Promise<T>): Promise<T>;
  /** Undefined when the request may go on now (the usual case); else resolves once it may. */
  ready(bucket: BucketJson, senderVersion: string | undefined): Promise<void> | undefined;
}

export const openGate: BucketGate = {
  write: (_bucket, write) => write(),
  ready: () => undefined,
};

/** Told of every object written or deleted through the service, before the request is answered. */
export type ObjectChangeListener = (address: ObjectAddress) => Promise<void>;
