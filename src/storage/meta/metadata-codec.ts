// Binary encoding of the object metadata record: version byte, XXH64 of the payload, msgpack map.
// The byte layout is documented in docs/formats/object-metadata.md; change both together.
import { decode, Encoder } from '@msgpack/msgpack';
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

// One encoder for every record: msgpack's `encode` makes a new one, and its buffer, per call (a PUT
// encodes two records: its size check and its own). Its defaults are `encode`'s: the same bytes.
const encoder = new Encoder();

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
  retentionMode: 'rm',
  retentionUntil: 'ru',
  legalHold: 'l',
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
  if (metadata.retention !== undefined) {
    map[Key.retentionMode] = metadata.retention.mode;
    map[Key.retentionUntil] = metadata.retention.untilMs;
  }
  if (metadata.legalHold === true) map[Key.legalHold] = true;

  // A view of the encoder's buffer, copied into the record before the next encode.
  const payload = encoder.encodeSharedRef(map);
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

/**
 * The size alone, for listings: the same version and checksum checks as `decodeObjectMetadata`,
 * then a scan of the payload's top-level map for `s` without building the other fields (the
 * encoder writes `s` first, so the scan usually stops at the first key). Throws ObjectCorrupted.
 */
export function decodeObjectSize(record: Uint8Array, context: string): number {
  const bytes = Buffer.isBuffer(record)
    ? record
    : Buffer.from(record.buffer, record.byteOffset, record.byteLength);
  if (bytes.length < headerBytes) throw objectMetadataCorrupted(context, 'record truncated');
  const version = bytes[0];
  if (version !== metadataFormatVersion && version !== chunkedMetadataFormatVersion) {
    throw objectMetadataCorrupted(context, `unknown format version ${version}`);
  }
  const payload = bytes.subarray(headerBytes);
  if (bytes.readBigUInt64BE(1) !== xxh64(payload, 0n)) {
    throw objectMetadataCorrupted(context, 'record checksum mismatch');
  }
  const size = scanForSize(payload);
  if (size === undefined) {
    // Not found by the scan (or a form it does not read): the full decoder decides.
    return decodeObjectMetadata(record, context).size;
  }
  if (!isCount(size)) throw objectMetadataCorrupted(context, 'field "size" missing or malformed');
  return size;
}

/** What LRU weighs of a record: the bytes it frees and where they are. */
export interface EvictionFields {
  readonly size: number;
  readonly copies: readonly string[];
  /** A chunked object (version-2 record): its chunks are removed by the general eviction. */
  readonly chunked: boolean;
}

const noCopies: readonly string[] = Object.freeze([]);

/**
 * Size, mirror copies and chunking for LRU's candidate listing: the checks of `decodeObjectSize`,
 * then one scan of the top-level map; only a record with copies (or a form the scan does not
 * read) is decoded whole. Throws ObjectCorrupted.
 */
export function decodeEvictionFields(record: Buffer, context: string): EvictionFields {
  const size = decodeObjectSize(record, context);
  const chunked = record[0] === chunkedMetadataFormatVersion;
  // `c` is always written; an empty array (0x90) is the common case of no mirror copies.
  const copiesAt = scanForKey(record.subarray(headerBytes), 0x63);
  if (copiesAt !== undefined && record[headerBytes + copiesAt] === 0x90)
    return { size, copies: noCopies, chunked };
  return { size, copies: decodeObjectMetadata(record, context).copies, chunked };
}

/** The `s` value of a MessagePack map of string keys; undefined when absent or unreadable. */
function scanForSize(payload: Buffer): number | undefined {
  const at = scanForKey(payload, 0x73);
  return at === undefined ? undefined : readUnsigned(payload, at);
}

/**
 * Where the value of one-letter key `letter` of a MessagePack map of string keys starts; undefined
 * when absent or unreadable.
 */
function scanForKey(payload: Buffer, letter: number): number | undefined {
  const head = payload[0];
  if (head === undefined) return undefined;
  let entries: number;
  let offset: number;
  if (head >= 0x80 && head <= 0x8f) [entries, offset] = [head & 0x0f, 1];
  else if (head === 0xde && payload.length >= 3) [entries, offset] = [payload.readUInt16BE(1), 3];
  else return undefined;
  for (let entry = 0; entry < entries; entry += 1) {
    const key = payload[offset];
    // A one-letter key: a one-byte fixstr (0xa1) holding the letter.
    if (key === 0xa1 && payload[offset + 1] === letter) return offset + 2;
    const valueAt = skipValue(payload, offset, 0);
    if (valueAt === undefined) return undefined;
    const next = skipValue(payload, valueAt, 0);
    if (next === undefined) return undefined;
    offset = next;
  }
  return undefined;
}

function readUnsigned(bytes: Buffer, offset: number): number | undefined {
  const head = bytes[offset];
  if (head === undefined) return undefined;
  if (head <= 0x7f) return head;
  const fits = (length: number): boolean => offset + 1 + length <= bytes.length;
  if (head === 0xcc && fits(1)) return bytes.readUInt8(offset + 1);
  if (head === 0xcd && fits(2)) return bytes.readUInt16BE(offset + 1);
  if (head === 0xce && fits(4)) return bytes.readUInt32BE(offset + 1);
  if (head === 0xcf && fits(8)) return Number(bytes.readBigUInt64BE(offset + 1));
  return undefined;
}

/** Where the MessagePack value at `offset` ends; undefined for a truncated or unknown form. */
function skipValue(bytes: Buffer, offset: number, depth: number): number | undefined {
  const head = bytes[offset];
  if (head === undefined || depth > 8) return undefined;
  let end: number | undefined;
  if (head <= 0x7f || head >= 0xe0 || head === 0xc0 || head === 0xc2 || head === 0xc3) {
    end = offset + 1; // fixint, negative fixint, nil, false, true
  } else if (head >= 0xa0 && head <= 0xbf) {
    end = offset + 1 + (head & 0x1f); // fixstr
  } else if (head === 0xd9 || head === 0xc4) {
    end = offset + 2 + (bytes[offset + 1] ?? Infinity); // str8, bin8
  } else if ((head === 0xda || head === 0xc5) && offset + 3 <= bytes.length) {
    end = offset + 3 + bytes.readUInt16BE(offset + 1); // str16, bin16
  } else if ((head === 0xdb || head === 0xc6) && offset + 5 <= bytes.length) {
    end = offset + 5 + bytes.readUInt32BE(offset + 1); // str32, bin32
  } else if (head === 0xcc || head === 0xd0) end = offset + 2;
  else if (head === 0xcd || head === 0xd1) end = offset + 3;
  else if (head === 0xce || head === 0xd2 || head === 0xca) end = offset + 5;
  else if (head === 0xcf || head === 0xd3 || head === 0xcb) end = offset + 9;
  else if ((head >= 0x90 && head <= 0x9f) || head === 0xdc) {
    // Arrays (of strings, in this format): fixarray or array16.
    const short = head !== 0xdc;
    if (!short && offset + 3 > bytes.length) return undefined;
    const count = short ? head & 0x0f : bytes.readUInt16BE(offset + 1);
    end = offset + (short ? 1 : 3);
    for (let item = 0; item < count && end !== undefined; item += 1) {
      end = skipValue(bytes, end, depth + 1);
    }
  }
  return end !== undefined && end <= bytes.length ? end : undefined;
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
  const mode = map[Key.retentionMode];
  const until = map[Key.retentionUntil];
  if (mode !== undefined || until !== undefined) {
    if ((mode !== 'GOVERNANCE' && mode !== 'COMPLIANCE') || !isCount(until))
      return fail('retention');
    metadata.retention = { mode, untilMs: until };
  }
  const hold = map[Key.legalHold];
  if (hold !== undefined) metadata.legalHold = hold === true ? true : fail('legal hold');
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
