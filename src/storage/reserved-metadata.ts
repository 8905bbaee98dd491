// Entries of an object's custom metadata that Cairn keeps for itself: the encryption record and
// the object's S3 ACL. They live in the object's record so that every copy, move, rebalance and EC
// restore carries them without a codec change, but they are not the user's: no user write may set
// them (a forged encryption record turns reads into garbage, a forged ACL grants access), a
// replacing write of custom metadata keeps them, and no API shows them as user metadata.
import { StoreError } from '../errors/index.js';
import { encryptionMetadataKey } from './encryption/object-keys.js';

/** The object's S3 ACL (its encoding is owned by src/api/s3/access/object-acl.ts). */
export const objectAclMetadataKey = 'cairn-acl';

const reservedKeys: ReadonlySet<string> = new Set([encryptionMetadataKey, objectAclMetadataKey]);

function hasReserved(metadata: Record<string, string>): boolean {
  for (const key of reservedKeys) if (key in metadata) return true;
  return false;
}

/** The user's part of custom metadata (the same object when it holds nothing reserved). */
export function userMetadataOf(metadata: Record<string, string>): Record<string, string> {
  if (!hasReserved(metadata)) return metadata;
  return Object.fromEntries(Object.entries(metadata).filter(([key]) => !reservedKeys.has(key)));
}

/** Cairn's own part of custom metadata. */
export function reservedMetadataOf(metadata: Record<string, string>): Record<string, string> {
  if (!hasReserved(metadata)) return {};
  return Object.fromEntries(Object.entries(metadata).filter(([key]) => reservedKeys.has(key)));
}

/** Refuses user metadata that names a reserved entry (`prefix` as the client spelled the name). */
export function refuseReservedMetadata(metadata: Record<string, string>, prefix = ''): void {
  for (const key of reservedKeys) {
    if (key in metadata)
      throw new StoreError(
        'InvalidArgument',
        `${prefix}${key} is reserved (Cairn keeps it itself)`,
      );
  }
}
