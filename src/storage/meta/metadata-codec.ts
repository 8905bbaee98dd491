// Binary encoding of the object metadata record: version byte, XXH64 of the payload, msgpack map.
// The byte layout is documented in docs/formats/object-metadata.md; change both together.
import { decode, encode } from '@msgpack/msgpack';
import { xxh64 } from '@node-rs/xxhash';
import { objectMetadataCorrupted, objectMetadataTooLarge } from '../../errors/index.js';
import { asRecord } from '../../util/json.js';
import { checksumTypeNames, type ChecksumTypeName } from '../../wire/index.js';
import type { ObjectMetadata } from './object-metadata.js';

/** Version of records of plain objects; version-1 readers read them whole. */
export const metadataFormatVersion = 1;
/** Version of records of chunked objects: a version-1 reader would misread the empty file. */
export const chunkedMetadataFormatVersion = 2;
/** Largest encoded record: fits one extended-attribute block on ext4/XFS with 4 KiB blocks. */
export const maxEncodedMetadataBytes = 4000;

const headerBytes = 9; // 1 version byte + 8 checksum bytes

// Short keys keep records small (the xattr budget is shared with custom metadata).
const Key = {
  size: 's',
  checksumType: 'ct',
  checksumValue: 'cv',
  version: 'v',
  customMetadata: 'm',
  copies: 'c',
  name: 'n',
  flags: 'f',
  etag: 'e',
  contentHeaders: 'h',
  tags: 'g',
  extraChecksums: 'x',
  chunks: 'k',
  versionId: 'i',
  versionStamp: 't',
  deleteMarker: 'd',
} as const;

/**
 * Encodes a record. Throws a BadRequest StoreError ("object metadata too large") when the result
 * exceeds `maxEncodedMetadataBytes`.
 */
export function encodeObjectMetadata(metadata: ObjectMetadata): Buffer {
  const map: Record<string, unknown> = {
    [Key.size]: metadata.size,
    [Key.checksumType]: metadata.checksum.type,
    [Key.checksumValue]: metadata.checksum.value,
  };
  if (metadata.version !== undefined) map[Key.version] = metadata.version;
  // A flat [key, value, ...] array, not a map: map keys such as `__proto__` are refused by the
  // msgpack decoder (and unsafe as plain-object keys), and custom keys come from clients.
  map[Key.customMetadata] = Object.entries(metadata.customMetadata).flat();
  map[Key.copies] = metadata.copies;
  if (metadata.name !== undefined) map[Key.name] = metadata.name;
  map[Key.flags] = metadata.flags;
  if (metadata.etag !== undefined) map[Key.etag] = metadata.etag;
  if (metadata.contentHeaders !== undefined && Object.keys(metadata.contentHeaders).length > 0)
    map[Key.contentHeaders] = Object.entries(metadata.contentHeaders).flat();
  if (metadata.tags !== undefined && Object.keys(metadata.tags).length > 0)
    map[Key.tags] = Object.entries(metadata.tags).flat();
  if (metadata.extraChecksums !== undefined && Object.keys(metadata.extraChecksums).length > 0)
    map[Key.extraChecksums] = Object.entries(metadata.extraChecksums).flat();
  if (metadata.chunks !== undefined) map[Key.chunks] = metadata.chunks;
  if (metadata.versionId !== undefined) map[Key.versionId] = metadata.versionId;
  if (metadata.versionStamp !== undefined) map[Key.versionStamp] = metadata.versionStamp;
  if (metadata.deleteMarker === true) map[Key.deleteMarker] = true;

  const payload = encode(map);
  const record = Buffer.allocUnsafe(headerBytes + payload.length);
  record.writeUInt8(
    metadata.chunks === undefined ? metadataFormatVersion : chunkedMetadataFormatVersion,
    0,
  );
  record.writeBigUInt64BE(xxh64(payload, 0n), 1);
  record.set(payload, headerBytes);
  if (record.length > maxEncodedMetadataBytes) {
    throw objectMetadataTooLarge(record.length, maxEncodedMetadataBytes);
  }
  return record;
}

/**
 * Decodes a record, checking its version, checksum and every field's type. `context` names the
 * object in the error (code ObjectCorrupted) thrown for anything malformed.
 */
export function decodeObjectMetadata(record: Uint8Array, context: string): ObjectMetadata {
  const bytes = Buffer.from(record.buffer, record.byteOffset, record.byteLength);
  if (bytes.length < headerBytes) throw objectMetadataCorrupted(context, 'record truncated');
  const version = bytes.readUInt8(0);
  if (version !== metadataFormatVersion && version !== chunkedMetadataFormatVersion) {
    throw objectMetadataCorrupted(context, `unknown format version ${version}`);
  }
  const payload = bytes.subarray(headerBytes);
  if (bytes.readBigUInt64BE(1) !== xxh64(payload, 0n)) {
    throw objectMetadataCorrupted(context, 'record checksum mismatch');
  }
  let decoded: unknown;
  try {
    decoded = decode(payload);
  } catch (error) {
    throw objectMetadataCorrupted(context, `undecodable payload (${String(error)})`);
  }
  const map = asRecord(decoded);
  if (map === undefined) throw objectMetadataCorrupted(context, 'payload is not a map');
  return readFields(map, context);
}

function readFields(map: Record<string, unknown>, context: string): ObjectMetadata {
  const fail = (field: string): never => {
    throw objectMetadataCorrupted(context, `field "${field}" missing or malformed`);
  };
  const size = map[Key.size];
  const checksumType = map[Key.checksumType];
  const checksumValue = map[Key.checksumValue];
  const flags = map[Key.flags];
  if (!isCount(size)) return fail('size');
  if (!isChecksumTypeName(checksumType)) return fail('checksum type');
  if (typeof checksumValue !== 'string') return fail('checksum value');
  if (!isCount(flags)) return fail('flags');
  const customMetadata = readStringMap(map[Key.customMetadata]) ?? fail('custom metadata');
  const copies = readStringArray(map[Key.copies]) ?? fail('copies');

  const metadata: ObjectMetadata = {
    size,
    checksum: { type: checksumType, value: checksumValue },
    customMetadata,
    copies,
    flags,
  };
  const version = map[Key.version];
  if (version !== undefined)
    metadata.version = typeof version === 'string' ? version : fail('version');
  const name = map[Key.name];
  if (name !== undefined) metadata.name = typeof name === 'string' ? name : fail('name');
  const etag = map[Key.etag];
  if (etag !== undefined) metadata.etag = typeof etag === 'string' ? etag : fail('etag');
  for (const field of ['contentHeaders', 'tags', 'extraChecksums'] as const) {
    const value = map[Key[field]];
    if (value !== undefined) metadata[field] = readStringMap(value) ?? fail(field);
  }
  const chunks = map[Key.chunks];
  if (chunks !== undefined) metadata.chunks = typeof chunks === 'string' ? chunks : fail('chunks');
  const versionId = map[Key.versionId];
  if (versionId !== undefined)
    metadata.versionId = typeof versionId === 'string' ? versionId : fail('version ID');
  const stamp = map[Key.versionStamp];
  if (stamp !== undefined) metadata.versionStamp = isCount(stamp) ? stamp : fail('version stamp');
  const marker = map[Key.deleteMarker];
  if (marker !== undefined) metadata.deleteMarker = marker === true ? true : fail('delete marker');
  return metadata;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isChecksumTypeName(value: unknown): value is ChecksumTypeName {
  return typeof value === 'string' && (checksumTypeNames as readonly string[]).includes(value);
}

/** A flat `[key, value, ...]` string array as a map (keys such as `__proto__` stay plain keys). */
export function readStringMap(value: unknown): Record<string, string> | undefined {
  const items = readStringArray(value);
  if (items === undefined || items.length % 2 !== 0) return undefined;
  const result: Record<string, string> = {};
  for (let index = 0; index < items.length; index += 2) {
    // defineProperty: a key named `__proto__` becomes an ordinary own property, not a prototype.
    Object.defineProperty(result, items[index] ?? '', {
      value: items[index + 1] ?? '',
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return result;
}

function readStringArray(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const items: unknown[] = value;
  return items.every((item): item is string => typeof item === 'string') ? items : undefined;
}
