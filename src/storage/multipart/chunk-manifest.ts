// The chunk manifest (`%ut/<id>`): a multipart upload in progress, or the ordered chunk list of a
// completed (chunked) object. Binary: format byte, XXH64 of the payload, MessagePack payload.
// Documented in docs/formats/chunk-manifest.md; change both together.
import { decode, encode } from '@msgpack/msgpack';
import { xxh64 } from '@node-rs/xxhash';
import { StoreError } from '../../errors/index.js';
import { asRecord } from '../../util/json.js';
import type { ChecksumTypeName } from '../../wire/index.js';
import { readStringMap, type ObjectRetention } from '../meta/index.js';

export const manifestFormatVersion = 1;
const headerBytes = 9;

/** The S3 additional checksum an upload was created with, and its form (composite or full object). */
export interface UploadChecksum {
  algorithm: string;
  type: 'COMPOSITE' | 'FULL_OBJECT';
}

/** One chunk of a completed object, in object order. */
export interface ManifestChunk {
  /** The chunk's file number under `%ch/<id>/` (the S3 part number). */
  number: number;
  sizeBytes: number;
  /** The chunk's own content checksum (the bucket's type), verified when the chunk is read whole. */
  checksum: { type: ChecksumTypeName; value: string };
  /** MD5 hex of the chunk (the S3 part ETag). */
  etag: string;
  /** S3 additional checksums of the part, base64. */
  extraChecksums: Record<string, string>;
}

export interface ChunkManifest {
  /** `upload` while parts are being sent; `complete` once an object stands for the chunks. */
  state: 'upload' | 'complete';
  /** The object name. */
  name: string;
  createdMs: number;
  /** Attributes given when the upload was created, applied to the object at completion. */
  customMetadata: Record<string, string>;
  contentHeaders: Record<string, string>;
  tags: Record<string, string>;
  /** S3 object lock asked for when the upload was created (absent: none asked for). */
  retention?: ObjectRetention;
  legalHold?: boolean;
  /** S3: the additional checksum every part carries, asked for when the upload was created. */
  checksum?: UploadChecksum;
  /** Complete manifests only: the chunks in object order. */
  chunks: ManifestChunk[];
}

function corrupted(context: string, reason: string): StoreError {
  return new StoreError('ObjectCorrupted', `chunk manifest ${context} is corrupted: ${reason}`);
}

export function encodeChunkManifest(manifest: ChunkManifest): Buffer {
  const payload = encode({
    s: manifest.state,
    n: manifest.name,
    t: manifest.createdMs,
    m: Object.entries(manifest.customMetadata).flat(),
    h: Object.entries(manifest.contentHeaders).flat(),
    g: Object.entries(manifest.tags).flat(),
    ...(manifest.retention === undefined
      ? {}
      : { rm: manifest.retention.mode, ru: manifest.retention.untilMs }),
    ...(manifest.legalHold === true ? { l: true } : {}),
    ...(manifest.checksum === undefined
      ? {}
      : { k: [manifest.checksum.algorithm, manifest.checksum.type] }),
    c: manifest.chunks.map((chunk) => [
      chunk.number,
      chunk.sizeBytes,
      chunk.checksum.type,
      chunk.checksum.value,
      chunk.etag,
      Object.entries(chunk.extraChecksums).flat(),
    ]),
  });
  const record = Buffer.allocUnsafe(headerBytes + payload.length);
  record.writeUInt8(manifestFormatVersion, 0);
  record.writeBigUInt64BE(xxh64(payload, 0n), 1);
  record.set(payload, headerBytes);
  return record;
}

export function decodeChunkManifest(bytes: Buffer, context: string): ChunkManifest {
  if (bytes.length < headerBytes) throw corrupted(context, 'truncated');
  if (bytes.readUInt8(0) !== manifestFormatVersion) {
    throw corrupted(context, `unknown format version ${bytes.readUInt8(0)}`);
  }
  const payload = bytes.subarray(headerBytes);
  if (bytes.readBigUInt64BE(1) !== xxh64(payload, 0n))
    throw corrupted(context, 'checksum mismatch');
  let map: Record<string, unknown> | undefined;
  try {
    map = asRecord(decode(payload));
  } catch {
    map = undefined;
  }
  if (map === undefined) throw corrupted(context, 'payload is not a map');
  const fail = (field: string): never => corrupted(context, `field "${field}" malformed`) as never;
  const state = map.s === 'upload' || map.s === 'complete' ? map.s : fail('state');
  const name = typeof map.n === 'string' ? map.n : fail('name');
  const createdMs = typeof map.t === 'number' ? map.t : fail('created');
  const chunks = Array.isArray(map.c)
    ? map.c.map((item) => readChunk(item) ?? fail('chunks'))
    : fail('chunks');
  const manifest: ChunkManifest = {
    state,
    name,
    createdMs,
    customMetadata: readStringMap(map.m) ?? fail('custom metadata'),
    contentHeaders: readStringMap(map.h) ?? fail('content headers'),
    tags: readStringMap(map.g) ?? fail('tags'),
    chunks,
  };
  if (map.rm !== undefined || map.ru !== undefined) {
    const mode = map.rm === 'GOVERNANCE' || map.rm === 'COMPLIANCE' ? map.rm : fail('retention');
    const untilMs = Number.isSafeInteger(map.ru) ? (map.ru as number) : fail('retention');
    manifest.retention = { mode, untilMs };
  }
  if (map.l !== undefined) manifest.legalHold = map.l === true ? true : fail('legal hold');
  if (map.k !== undefined) manifest.checksum = readUploadChecksum(map.k) ?? fail('checksum');
  return manifest;
}

function readUploadChecksum(item: unknown): UploadChecksum | undefined {
  if (!Array.isArray(item) || item.length !== 2) return undefined;
  const [algorithm, type] = item as unknown[];
  if (typeof algorithm !== 'string' || (type !== 'COMPOSITE' && type !== 'FULL_OBJECT'))
    return undefined;
  return { algorithm, type };
}

function readChunk(item: unknown): ManifestChunk | undefined {
  if (!Array.isArray(item) || item.length !== 6) return undefined;
  const [number, sizeBytes, type, value, etag, extra] = item as unknown[];
  if (typeof number !== 'number' || typeof sizeBytes !== 'number') return undefined;
  if (typeof type !== 'string' || typeof value !== 'string' || typeof etag !== 'string')
    return undefined;
  const extraChecksums = readStringMap(extra);
  if (extraChecksums === undefined) return undefined;
  return {
    number,
    sizeBytes,
    checksum: { type: type as ChecksumTypeName, value },
    etag,
    extraChecksums,
  };
}
