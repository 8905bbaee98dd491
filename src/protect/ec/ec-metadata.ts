// The EC metafile (docs/formats/ec-metadata.md): the one module that builds, encodes and validates
// it, and a holder's answer to a stored piece. A slice or replica carries it in its own record
// (custom metadata `pieceRecordKey` of `%ec/<name>`); the owner's main replica, and pieces whose
// metafile is too big for a record or that were written before, have it as `%mt/<name>` (a file
// with its own checksummed metadata record).
import { isChecksumType } from '../../checksum/index.js';
import { objectMetadataCorrupted, StoreError } from '../../errors/index.js';
import { asRecord } from '../../util/json.js';
import {
  erasureMetadataVersion,
  type ChecksumTypeName,
  type ErasureMetadataJson,
  type StoredSliceJson,
} from '../../wire/index.js';
import type { VersionAttributes } from '../../storage/index.js';
import { decodeS3Attributes, encodeS3Attributes } from '../s3-attributes.js';

/** The metafile's bytes as stored. */
export function encodeErasureMetadata(metadata: ErasureMetadataJson): Buffer {
  return Buffer.from(JSON.stringify(metadata));
}

/** Parses and checks a metafile (from disk or a peer); ObjectCorrupted when malformed. */
export function decodeErasureMetadata(value: unknown, context: string): ErasureMetadataJson {
  const record = typeof value === 'string' || Buffer.isBuffer(value) ? parse(value) : value;
  const map = asRecord(record);
  const fail = (why: string): never => {
    throw objectMetadataCorrupted(context, `EC metafile: ${why}`);
  };
  if (map === undefined) return fail('not a JSON object');
  if (map.md_version !== erasureMetadataVersion) return fail(`unknown md_version`);
  const counts = [
    'obj_size',
    'generation',
    'data_slices',
    'parity_slices',
    'slice_id',
    'slice_size',
    'stripe_size',
  ];
  for (const key of counts) if (!isCount(map[key])) fail(`"${key}" must be a count`);
  for (const key of ['name', 'obj_cksum', 'obj_version', 'slice_cksum']) {
    if (typeof map[key] !== 'string') fail(`"${key}" must be a string`);
  }
  if (!isChecksumType(map.cksum_type)) fail('"cksum_type" is not a checksum type');
  if (typeof map.is_copy !== 'boolean') fail('"is_copy" must be a boolean');
  const nodes = asRecord(map.nodes);
  if (nodes === undefined || !Object.values(nodes).every(isCount)) fail('"nodes" malformed');
  const custom = asRecord(map.custom_md);
  if (custom === undefined || !Object.values(custom).every((item) => typeof item === 'string'))
    fail('"custom_md" malformed');
  if (map.s3_attrs !== undefined && asRecord(map.s3_attrs) === undefined)
    fail('"s3_attrs" malformed');
  if (map.obj_name !== undefined && typeof map.obj_name !== 'string')
    fail('"obj_name" must be a string');
  if (map.mtime_ms !== undefined && !isCount(map.mtime_ms)) fail('"mtime_ms" must be a count');
  const metadata = map as unknown as ErasureMetadataJson;
  if (metadata.slice_id > metadata.data_slices + metadata.parity_slices) fail('slice_id too big');
  return metadata;
}

/**
 * A holder's answer to a piece it stored (a piece stream's ack or the `/v1/ec` PUT's answer): the
 * checksum it computed and the size it stored. A malformed one fails that piece (Internal: the
 * holder broke the protocol), never read as a checksum that does not match.
 */
export function decodeStoredSlice(value: unknown, context: string): StoredSliceJson {
  const map = asRecord(value);
  if (map !== undefined && typeof map.slice_cksum === 'string' && isCount(map.size))
    return { slice_cksum: map.slice_cksum, size: map.size };
  const shown = JSON.stringify(value)?.slice(0, 200) ?? String(value);
  throw new StoreError('Internal', `${context}: malformed answer to a stored piece: ${shown}`);
}

/** Custom metadata key of a piece file's record (`%ec/<name>`) that holds the piece's metafile. */
export const pieceRecordKey = 'ais.ec.metafile';

/**
 * Largest metafile plus piece name carried in a piece's record; a bigger one goes to `%mt`. The
 * record holds at most 4000 bytes (`object-metadata.md`), and the rest of it (checksum, version,
 * a hashed name) needs the other 1200.
 */
export const inRecordMaxBytes = 2800;

/**
 * The custom metadata of a piece file that carries `metadata` (its `slice_cksum` is the record's
 * own checksum, so it is left out), or undefined when it is too big for the record.
 */
export function pieceRecordOf(metadata: ErasureMetadataJson): Record<string, string> | undefined {
  const text = JSON.stringify({ ...metadata, slice_cksum: '' });
  const bytes = Buffer.byteLength(text) + Buffer.byteLength(metadata.name);
  return bytes > inRecordMaxBytes ? undefined : { [pieceRecordKey]: text };
}

/**
 * The metafile a piece file's record carries, its `slice_cksum` the checksum of the piece's bytes;
 * undefined for a piece whose metafile is under `%mt`.
 */
export function metafileInRecord(
  piece: { customMetadata: Record<string, string>; checksum: { value: string } },
  context: string,
): ErasureMetadataJson | undefined {
  const text = piece.customMetadata[pieceRecordKey];
  if (text === undefined) return undefined;
  const metadata = decodeErasureMetadata(text, context);
  return { ...metadata, slice_cksum: sliceChecksumOf(metadata, piece.checksum.value) };
}

/**
 * The checksum type a piece file is stored with: the object's, and xxhash for an object without
 * one. Decoding a slice that rotted on disk gives wrong bytes, and with no object checksum nothing
 * else would catch them: the holder verifies the piece file before it sends it (and refuses a
 * rotten one, so another slice is used), as it does for any checksum type.
 */
export function pieceChecksumType(metadata: ErasureMetadataJson): ChecksumTypeName {
  return metadata.cksum_type === 'none' ? 'xxhash' : metadata.cksum_type;
}

/**
 * A piece's `slice_cksum` from its file's checksum: empty for an object without a checksum (the
 * metafile's checksums are of `cksum_type`; the file's own xxhash stays in its record).
 */
export function sliceChecksumOf(metadata: ErasureMetadataJson, fileChecksum: string): string {
  return metadata.cksum_type === 'none' ? '' : fileChecksum;
}

/** What the encoder knows about the object it encodes. */
export interface EncodedObject {
  /** The piece name (see `version-pieces.ts`). */
  name: string;
  /** The object's name (the piece name is another for a kept version). */
  objectName: string;
  /** When the version was written, Unix milliseconds. */
  modifiedTimeMs: number;
  size: number;
  checksum: { type: ChecksumTypeName; value: string };
  version: string;
  customMetadata: Record<string, string>;
  attributes: VersionAttributes;
}

/** The metafile of one piece of an encoding. */
export function pieceMetadata(
  object: EncodedObject,
  encoding: {
    generation: number;
    dataSlices: number;
    paritySlices: number;
    sliceBytes: number;
    unitBytes: number;
    nodes: Record<string, number>;
  },
  piece: { sliceId: number; isCopy: boolean },
): ErasureMetadataJson {
  return {
    md_version: erasureMetadataVersion,
    name: object.name,
    obj_size: object.size,
    generation: encoding.generation,
    obj_cksum: object.checksum.value,
    cksum_type: object.checksum.type,
    obj_version: object.version,
    slice_cksum: '',
    nodes: encoding.nodes,
    data_slices: encoding.dataSlices,
    parity_slices: encoding.paritySlices,
    slice_id: piece.sliceId,
    is_copy: piece.isCopy,
    slice_size: encoding.sliceBytes,
    stripe_size: encoding.unitBytes,
    custom_md: object.customMetadata,
    s3_attrs: encodeS3Attributes(object.attributes),
    obj_name: object.objectName,
    mtime_ms: object.modifiedTimeMs,
  };
}

/** The attributes a restore from this metafile gives the object (none from older metafiles). */
export function restoredAttributes(metadata: ErasureMetadataJson): VersionAttributes {
  return decodeS3Attributes(metadata.s3_attrs);
}

/** True when the object is replicated rather than sliced. */
export function isReplicated(metadata: ErasureMetadataJson): boolean {
  return metadata.slice_size === 0;
}

/** Same encoding of the same object contents (pieces of it can be combined). */
export function sameEncoding(left: ErasureMetadataJson, right: ErasureMetadataJson): boolean {
  return (
    left.generation === right.generation &&
    left.obj_cksum === right.obj_cksum &&
    left.obj_size === right.obj_size &&
    left.slice_size === right.slice_size &&
    left.data_slices === right.data_slices &&
    left.parity_slices === right.parity_slices
  );
}

/** Same custom metadata and S3 attributes (tags, content headers...) in both metafiles. */
export function sameAttributes(left: ErasureMetadataJson, right: ErasureMetadataJson): boolean {
  return (
    sameRecord(left.custom_md, right.custom_md) &&
    sameRecord(
      encodeS3Attributes(restoredAttributes(left)),
      encodeS3Attributes(restoredAttributes(right)),
    )
  );
}

/** The metafile carries the object's current custom metadata and S3 attributes. */
export function carriesAttributes(metadata: ErasureMetadataJson, object: EncodedObject): boolean {
  return (
    sameRecord(metadata.custom_md, object.customMetadata) &&
    sameRecord(
      encodeS3Attributes(restoredAttributes(metadata)),
      encodeS3Attributes(object.attributes),
    )
  );
}

/** Equal as JSON whatever the key order. */
function sameRecord(left: object, right: object): boolean {
  return canonical(left) === canonical(right);
}

function canonical(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(',')}}`;
}

function parse(text: string | Buffer): unknown {
  try {
    return JSON.parse(text.toString()) as unknown;
  } catch {
    return undefined;
  }
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
