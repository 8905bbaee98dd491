// Erasure coding on the wire: the metafile JSON (AIStore's field names; also the on-disk format,
// see docs/formats/ec-metadata.md) and the intra-cluster slice endpoint `/v1/ec/<bucket>/<object>`.
import type { ChecksumTypeName } from './bucket-props.js';

/** Version of the metafile format written (`md_version`). */
export const erasureMetadataVersion = 1;

/**
 * One metafile: describes the object and one piece of it held by one target. `slice_id` 0 is a
 * full copy: the main replica (`is_copy` false, on the owner) or a replica of a small object
 * (`is_copy` true); 1..D are data slices and D+1..D+P parity slices.
 */
export interface ErasureMetadataJson {
  md_version: number;
  /** Object name (Cairn: lets a walk of `%mt` name objects stored under hashed file names). */
  name: string;
  obj_size: number;
  /** When the object was encoded: Unix microseconds (newest wins on restore). */
  generation: number;
  obj_cksum: string;
  cksum_type: ChecksumTypeName;
  obj_version: string;
  /** Checksum (of `cksum_type`) of this piece's bytes; '' for the main replica. */
  slice_cksum: string;
  /** Which target holds which piece at encoding time: target ID → slice ID (0 = full copy). */
  nodes: Record<string, number>;
  data_slices: number;
  parity_slices: number;
  slice_id: number;
  is_copy: boolean;
  /** Cairn: bytes of each slice (0 when replicated). */
  slice_size: number;
  /** Cairn: bytes per slice per stripe (the object is striped across data slices in these units). */
  stripe_size: number;
  /** Cairn: the object's custom metadata, restored with it. */
  custom_md: Record<string, string>;
  /**
   * Cairn (optional): the S3 attributes of the encoded version, restored with it: ETag, content
   * headers, tags, extra checksums, version ID and stamp.
   */
  s3_attrs?: S3AttributesJson;
  /**
   * Cairn (optional: absent in older metafiles): the object's name; a kept version's piece name is
   * another (see `protect/ec/version-pieces.ts`).
   */
  obj_name?: string;
  /** Cairn (optional): the version's modification time, Unix milliseconds (a restore keeps it). */
  mtime_ms?: number;
}

/**
 * The S3 attributes of a version as an EC metafile and a rebalance transfer carry them (each absent
 * when the version has none; `delete_marker` on transfers and on the pieces of delete markers).
 */
export interface S3AttributesJson {
  etag?: string;
  content_headers?: Record<string, string>;
  tags?: Record<string, string>;
  extra_checksums?: Record<string, string>;
  version_id?: string;
  version_stamp?: number;
  delete_marker?: boolean;
  /** S3 object lock retention: `GOVERNANCE` or `COMPLIANCE`, until (ms since the epoch). */
  retention?: { mode: string; until_ms: number };
  legal_hold?: boolean;
}

/** `what=` values of `GET /v1/ec/<bucket>/<object>`: the metafile alone, or the piece's bytes. */
export const ErasureWhat = {
  metadata: 'ec-meta',
  data: 'ec-data',
} as const;

/** Answer of a slice PUT: the checksum the receiver computed over the bytes it stored. */
export interface StoredSliceJson {
  slice_cksum: string;
  size: number;
}
