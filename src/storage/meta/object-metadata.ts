// The object metadata record: what the store keeps about an object besides its bytes.
import type { ChecksumTypeName } from '../../wire/index.js';

/** A content checksum; `value` is lowercase hex, '' for type `none`. */
export interface ObjectChecksum {
  type: ChecksumTypeName;
  value: string;
}

/** S3 object lock modes: GOVERNANCE can be lifted with a bypass; COMPLIANCE by nobody. */
export type RetentionMode = 'GOVERNANCE' | 'COMPLIANCE';

/** An S3 object lock retention of one version: it may not be deleted before `untilMs`. */
export interface ObjectRetention {
  mode: RetentionMode;
  /** When the retention ends, milliseconds since the epoch. */
  untilMs: number;
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
  /** S3 ETag (unquoted): MD5 hex of a single-part object, `<md5>-<parts>` of a multipart one. */
  etag?: string;
  /** Content-Type, Content-Encoding, ... as given by an S3 client (lowercase names). */
  contentHeaders?: Record<string, string>;
  /** S3 object tags. */
  tags?: Record<string, string>;
  /** S3 additional checksums by algorithm (crc32, crc32c, sha1, sha256), base64. */
  extraChecksums?: Record<string, string>;
  /**
   * Set on chunked objects (completed multipart uploads): the chunk set whose manifest is
   * `%ut/<id>` and whose chunks are `%ch/<id>/*`. The object file itself is then empty. Records
   * with this key are written as format version 2, which version-1 readers refuse.
   */
  chunks?: string;
  /**
   * S3 version ID, in buckets that keep history (S3 versioning). Absent: the `null` version (an
   * object written while the bucket kept no history).
   */
  versionId?: string;
  /**
   * When this version became the latest, microseconds since the epoch (strictly increasing per
   * name): the order of a name's versions. Absent on versions written without history (oldest).
   */
  versionStamp?: number;
  /** A delete marker (S3): an empty record under `%vr`, never an object under `%ob`. */
  deleteMarker?: boolean;
  /** S3 object lock retention of this version (absent: none; older records have none). */
  retention?: ObjectRetention;
  /** S3 legal hold on this version (absent: off). */
  legalHold?: boolean;
}
