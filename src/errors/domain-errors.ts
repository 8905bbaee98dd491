// Domain error constructors with AIStore's exact wording (clients classify errors by these texts).
import { bucketDisplayName, type BucketJson } from '../wire/index.js';
import { StoreError, type StoreErrorOptions } from './store-error.js';

export function bucketNotFound(bucket: BucketJson): StoreError {
  return new StoreError('BucketNotFound', `bucket "${bucketDisplayName(bucket)}" does not exist`);
}

/**
 * A bucket being renamed (move-bck) is gone to clients from the moment its new name exists: every
 * request, a write that was under way included, is refused as for a missing bucket.
 */
export function bucketRenamed(bucket: BucketJson, to: BucketJson): StoreError {
  return new StoreError(
    'BucketNotFound',
    `bucket "${bucketDisplayName(bucket)}" does not exist: renamed to "${bucketDisplayName(to)}"`,
  );
}

export function bucketAlreadyExists(bucket: BucketJson): StoreError {
  return new StoreError(
    'BucketAlreadyExists',
    `bucket "${bucketDisplayName(bucket)}" already exists`,
  );
}

/** `t[<node>]: ais://bucket/object does not exist` */
export function objectNotFound(nodeId: string, bucket: BucketJson, objectName: string): StoreError {
  return new StoreError(
    'ObjectNotFound',
    `t[${nodeId}]: ${bucketDisplayName(bucket)}/${objectName} does not exist`,
  );
}

export function invalidBucketName(name: string, reason: string): StoreError {
  return new StoreError('InvalidBucketName', `bucket name "${name}" is invalid: ${reason}`);
}

export function invalidObjectName(name: string, reason: string): StoreError {
  return new StoreError(
    'InvalidObjectName',
    `object name "${printable(name)}" is invalid: ${reason}`,
  );
}

export function unknownProvider(provider: string): StoreError {
  return new StoreError(
    'UnknownProvider',
    `invalid backend provider "${provider}": expecting one of ais, aws (s3), gcp (gs), azure (az), oci (oc), ht`,
  );
}

export function badRequest(message: string, options?: StoreErrorOptions): StoreError {
  return new StoreError('BadRequest', message, options);
}

export function notImplemented(feature: string): StoreError {
  return new StoreError('NotImplemented', `${feature} is not implemented yet`);
}

/** Client-supplied checksum does not match the body (AIStore: `BAD DATA CHECKSUM: type(a != b)`). */
export function checksumMismatch(
  type: string,
  expected: string,
  actual: string,
  context: string,
): StoreError {
  return new StoreError(
    'ChecksumMismatch',
    `BAD DATA CHECKSUM: ${type}(${expected} != ${actual}) (context: ${context})`,
  );
}

/** Stored bytes fail their stored checksum: bitrot. The replica is quarantined by the caller. */
export function objectCorrupted(
  type: string,
  stored: string,
  computed: string,
  context: string,
): StoreError {
  return new StoreError(
    'ObjectCorrupted',
    `BAD DATA CHECKSUM: ${type}(${stored} != ${computed}) (context: ${context}): replica moved to quarantine`,
  );
}

/**
 * A replica's bytes or record cannot be read (an I/O error of its disk). Classed with corruption:
 * a protected object is then restored from another copy; the replica itself is left in place.
 */
export function objectUnreadable(context: string, options?: StoreErrorOptions): StoreError {
  return new StoreError('ObjectCorrupted', `cannot read ${context}: disk I/O error`, options);
}

export function insufficientStorage(where: string, options?: StoreErrorOptions): StoreError {
  return new StoreError('InsufficientStorage', `insufficient storage: ${where} is full`, options);
}

/** An object's metadata record (its xattr) is missing, unreadable or fails its own checksum. */
export function objectMetadataCorrupted(context: string, reason: string): StoreError {
  return new StoreError('ObjectCorrupted', `object metadata of ${context} is corrupted: ${reason}`);
}

/** The encoded metadata record would exceed the store's limit (custom metadata too large). */
export function objectMetadataTooLarge(sizeBytes: number, limitBytes: number): StoreError {
  return new StoreError(
    'BadRequest',
    `object metadata too large: ${sizeBytes} bytes encoded (limit ${limitBytes})`,
  );
}

/** Too many requests are already waiting for the same object's name lock. */
export function objectBusy(context: string): StoreError {
  return new StoreError('Conflict', `${context} is busy: too many concurrent operations, retry`);
}

/** A mountpath cannot be used (not a directory, unreadable marker, another node's disk...). */
export function invalidMountpath(
  path: string,
  reason: string,
  options?: StoreErrorOptions,
): StoreError {
  return new StoreError('Internal', `mountpath "${path}" cannot be used: ${reason}`, options);
}

/** Keeps control characters out of messages (names may hold NUL). */
function printable(text: string): string {
  let result = '';
  for (const char of text) {
    const code = char.charCodeAt(0);
    result += code < 0x20 ? `\\x${code.toString(16).padStart(2, '0')}` : char;
  }
  return result;
}
