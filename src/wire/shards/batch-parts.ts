// A GetBatch's items held by another target, asked of it in one intra-cluster request per batch
// (`POST /v1/batch-parts` on its intra-cluster port) and answered as one stream of parts, in the
// order asked: per item a fixed header, then (with `bodies`) the item's bytes.
import type { BucketJson } from '../bucket.js';

/** One item asked of its owner: what GetBatch's MossIn resolves to. */
export interface BatchPartJson {
  bucket: BucketJson;
  objname: string;
  archpath?: string;
  start?: number;
  length?: number;
}

/** The request body. `bodies` false: the headers alone (sizes and failures, for the metadata). */
export interface BatchPartsRequestJson {
  items: BatchPartJson[];
  bodies: boolean;
  /** GetBatch `coloc` 2: each shard opened once for all its files asked. */
  reuseShards?: boolean;
}

/**
 * A part's header: `kind` (u8: 0 the item, 1 its failure), `size` (u64 BE: the item's bytes that
 * follow with `bodies`; 0 for a failure), `messageLength` (u32 BE), then the message: for a
 * failure the peer's error body (`{"tcode", "message"}`), else empty.
 */
export const batchPartHeaderBytes = 13;

export const BatchPartKind = { item: 0, failure: 1 } as const;

export interface BatchPartHeader {
  kind: (typeof BatchPartKind)[keyof typeof BatchPartKind];
  size: number;
  messageLength: number;
}

export function encodeBatchPartHeader(
  kind: BatchPartHeader['kind'],
  size: number,
  message = '',
): Buffer {
  const text = Buffer.from(message, 'utf8');
  const header = Buffer.alloc(batchPartHeaderBytes + text.length);
  header.writeUInt8(kind, 0);
  header.writeBigUInt64BE(BigInt(size), 1);
  header.writeUInt32BE(text.length, 9);
  text.copy(header, batchPartHeaderBytes);
  return header;
}

/**
 * Writes an item's header (no message) into `into` at `at`, as `encodeBatchPartHeader(item, size)`
 * encodes it, for a writer that lays many parts into one buffer; answers the bytes written.
 */
export function writeItemPartHeader(into: Buffer, at: number, size: number): number {
  into[at] = BatchPartKind.item;
  // u64 BE as two u32 (a safe integer's high half is below 2^21): no BigInt per part.
  into.writeUInt32BE(Math.floor(size / 0x1_0000_0000), at + 1);
  into.writeUInt32BE(size >>> 0, at + 5);
  into.writeUInt32BE(0, at + 9);
  return batchPartHeaderBytes;
}

/** The fixed header (the message's bytes follow it); a string says why it is not one. */
export function decodeBatchPartHeader(bytes: Buffer): BatchPartHeader | string {
  const kind = bytes.readUInt8(0);
  const size = Number(bytes.readBigUInt64BE(1));
  if (kind !== BatchPartKind.item && kind !== BatchPartKind.failure)
    return `unknown part kind ${kind}`;
  if (!Number.isSafeInteger(size)) return `part size out of range`;
  return { kind, size, messageLength: bytes.readUInt32BE(9) };
}
