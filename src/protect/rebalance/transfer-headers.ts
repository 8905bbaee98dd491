// An object's metadata on a target-to-target transfer (rebalance sends, get-from-neighbor reads):
// checksum, version, custom metadata, modification time and the S3 attributes (ETag, content
// headers, tags, extra checksums, version ID and stamp, delete marker) travel as headers next to
// the bytes, so the receiver verifies the bytes and commits a record identical to the sender's.
import { parseChecksumType } from '../../checksum/index.js';
import { badRequest } from '../../errors/index.js';
import { attributesOf, type StoredObject, type VersionAttributes } from '../../storage/index.js';
import { parseJson } from '../../util/json.js';
import { decodeS3Attributes, encodeS3Attributes, stringRecord } from '../s3-attributes.js';
import { Header, type ChecksumTypeName } from '../../wire/index.js';

/** Intra-cluster only, so Cairn's own names. */
export const TransferHeader = {
  /** Unix milliseconds of the object's last write (the receiver keeps it). */
  modifiedTimeMs: 'cairn-modified-ms',
  /** Custom metadata as base64 JSON: any key or value survives. */
  customMetadata: 'cairn-custom-md',
  /** The S3 attributes of the version (`VersionAttributes`) as base64 JSON. */
  attributes: 'cairn-s3-attributes',
  /** The rebalance generation that sent the object (`g<N>`), for the receiver's counters. */
  rebalanceId: 'cairn-rebalance-id',
} as const;

/** What the receiver needs to commit the object as it was. */
export interface TransferredObject {
  size: number;
  checksum: { type: ChecksumTypeName; value: string };
  version: string | undefined;
  customMetadata: Record<string, string>;
  modifiedTimeMs: number;
  attributes: VersionAttributes;
}

export function transferHeaders(object: StoredObject): Record<string, string> {
  const headers: Record<string, string> = {
    [Header.contentLength]: String(object.size),
    [Header.checksumType]: object.checksum.type,
    [Header.checksumValue]: object.checksum.value,
    [TransferHeader.modifiedTimeMs]: String(object.modifiedTimeMs),
    [TransferHeader.customMetadata]: toBase64Json(object.customMetadata),
    [TransferHeader.attributes]: toBase64Json(encodeS3Attributes(attributesOf(object))),
  };
  if (object.version !== undefined) headers[Header.version] = object.version;
  return headers;
}

export function parseTransferHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): TransferredObject {
  const single = (name: string): string | undefined => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const size = Number(single(Header.contentLength));
  const modifiedTimeMs = Number(single(TransferHeader.modifiedTimeMs));
  if (!Number.isSafeInteger(size) || size < 0 || !Number.isSafeInteger(modifiedTimeMs))
    throw badRequest('object transfer: missing or invalid length or modification time');
  const customMetadata = stringRecord(fromBase64Json(single(TransferHeader.customMetadata)));
  const attributes = decodeS3Attributes(fromBase64Json(single(TransferHeader.attributes)));
  return {
    size,
    checksum: {
      type: parseChecksumType(single(Header.checksumType) ?? 'none'),
      value: single(Header.checksumValue) ?? '',
    },
    version: single(Header.version),
    customMetadata,
    modifiedTimeMs,
    attributes,
  };
}

function toBase64Json(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64');
}

function fromBase64Json(text: string | undefined): unknown {
  return text === undefined ? {} : parseJson(Buffer.from(text, 'base64').toString('utf8'));
}
