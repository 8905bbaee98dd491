// An object's metadata on a target-to-target transfer (rebalance sends, get-from-neighbor reads):
// checksum, version, custom metadata and modification time travel as headers next to the bytes,
// so the receiver verifies the bytes and commits the object as it was.
import { parseChecksumType } from '../../checksum/index.js';
import { badRequest } from '../../errors/index.js';
import type { StoredObject } from '../../storage/index.js';
import { asRecord, parseJson } from '../../util/json.js';
import { Header, type ChecksumTypeName } from '../../wire/index.js';

/** Intra-cluster only, so Cairn's own names. */
export const TransferHeader = {
  /** Unix milliseconds of the object's last write (the receiver keeps it). */
  modifiedTimeMs: 'cairn-modified-ms',
  /** Custom metadata as base64 JSON: any key or value survives. */
  customMetadata: 'cairn-custom-md',
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
}

export function transferHeaders(object: StoredObject): Record<string, string> {
  const headers: Record<string, string> = {
    [Header.contentLength]: String(object.size),
    [Header.checksumType]: object.checksum.type,
    [Header.checksumValue]: object.checksum.value,
    [TransferHeader.modifiedTimeMs]: String(object.modifiedTimeMs),
    [TransferHeader.customMetadata]: Buffer.from(JSON.stringify(object.customMetadata)).toString(
      'base64',
    ),
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
  const customText = single(TransferHeader.customMetadata);
  const custom = asRecord(
    customText === undefined ? {} : parseJson(Buffer.from(customText, 'base64').toString('utf8')),
  );
  const customMetadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(custom ?? {})) {
    if (typeof value === 'string') customMetadata[key] = value;
  }
  return {
    size,
    checksum: {
      type: parseChecksumType(single(Header.checksumType) ?? 'none'),
      value: single(Header.checksumValue) ?? '',
    },
    version: single(Header.version),
    customMetadata,
    modifiedTimeMs,
  };
}
