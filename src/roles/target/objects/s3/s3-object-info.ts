// How the S3 API describes a stored object (ETag, version ID, lock, encryption, expiration), for
// the object port and its multipart uploads.
import type { S3Encryption, S3ObjectInfo } from '../../../../api/s3/index.js';
import { decodeObjectAcl } from '../../../../api/s3/access/index.js';
import { activeLifecycleRules, currentVersionExpiry } from '../../../../cluster/index.js';
import { encryptionRecordOf, type StoredObject } from '../../../../storage/index.js';
import { objectAclMetadataKey } from '../../../../wire/index.js';
import { encryptionOf, plaintextView } from '../object-encryption.js';
import type { ResolvedBucket } from '../object-types.js';

/**
 * The S3 description of a stored object. In a bucket that keeps (or kept) history every version
 * has an ID, `null` for those written without one; elsewhere there are no version IDs.
 */
export function toS3Info(stored: StoredObject, versioned = false): S3ObjectInfo {
  const object = plaintextView(stored);
  const parts = /-(\d+)$/.exec(object.etag ?? '')?.[1];
  const info: S3ObjectInfo = {
    key: object.name,
    size: object.size,
    // Objects written through the native API have no MD5: their content checksum stands in.
    etag: object.etag ?? (object.checksum.value === '' ? 'none' : object.checksum.value),
    modifiedTimeMs: object.modifiedTimeMs,
    userMetadata: object.customMetadata,
    contentHeaders: object.contentHeaders,
    tags: object.tags,
    checksums: object.extraChecksums,
  };
  if (parts !== undefined) info.partsCount = Number(parts);
  if (versioned || object.versionId !== undefined) info.versionId = object.versionId ?? 'null';
  if (object.deleteMarker === true) info.deleteMarker = true;
  const acl = decodeObjectAcl(stored.customMetadata[objectAclMetadataKey]);
  if (acl !== undefined) info.acl = acl;
  const encryption = encryptionOf(encryptionRecordOf(stored.customMetadata));
  if (encryption !== undefined) info.encryption = encryption;
  if (object.retention !== undefined || object.legalHold === true) {
    info.lock = {};
    if (object.retention !== undefined) info.lock.retention = { ...object.retention };
    if (object.legalHold === true) info.lock.legalHold = true;
  }
  return info;
}

/** The current version's description with when the bucket's lifecycle rules expire it. */
export function withExpiration(view: ResolvedBucket, info: S3ObjectInfo): S3ObjectInfo {
  const rules = activeLifecycleRules(view.props);
  if (rules.length === 0 || info.deleteMarker === true) return info;
  const subject = { key: info.key, size: info.size, tags: info.tags };
  const expiration = currentVersionExpiry(rules, subject, info.modifiedTimeMs);
  return expiration === undefined ? info : { ...info, expiration };
}

/**
 * Whether an encrypted write's ETag is the MD5 of the stored bytes: SSE-C's is (it says nothing
 * about the plaintext); SSE-S3 keeps the plaintext's MD5 (as AWS).
 */
export function etagIsCipherMd5(encryption: S3Encryption | undefined): boolean {
  return encryption?.kind === 'SSE-C';
}

/** The ETag S3 gives an encrypted write: the ciphertext's MD5 for SSE-C, else the plaintext's. */
export function sseEtag(
  encryption: S3Encryption | undefined,
  plainEtag: string,
  encrypted: { cipherMd5(): string } | undefined,
): string {
  return etagIsCipherMd5(encryption) && encrypted !== undefined ? encrypted.cipherMd5() : plainEtag;
}
