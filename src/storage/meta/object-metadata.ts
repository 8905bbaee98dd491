// The object metadata record: what the store keeps about an object besides its bytes.
import type { ChecksumTypeName } from '../../wire/index.js';

/** A content checksum; `value` is lowercase hex, '' for type `none`. */
export interface ObjectChecksum {
  type: ChecksumTypeName;
  value: string;
}

/**
 * Kept in the `user.ais.lom` extended attribute of the object file, so the metadata moves with
 * the file (rename, copy with xattrs) and is replaced atomically with it.
 */
export interface ObjectMetadata {
  /** Size in bytes of the user's data. */
  size: number;
  checksum: ObjectChecksum;
  /** Integer string when the bucket is versioned; absent otherwise. */
  version?: string;
  customMetadata: Record<string, string>;
  /** Absolute paths of mirror copies on other mountpaths (empty until mirroring exists). */
  copies: string[];
  /** Full object name; present only for objects stored under a hashed file name. */
  name?: string;
  /** Reserved bit set for future per-object states; 0 today. */
  flags: number;
}
