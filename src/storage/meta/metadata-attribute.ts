// Reads and writes the metadata record in the object file's extended attribute `user.ais.lom`.
import { getAttribute, setAttribute } from 'fs-xattr';
import { hasErrnoCode, objectMetadataCorrupted } from '../../errors/index.js';
import { decodeObjectMetadata, decodeObjectSize, encodeObjectMetadata } from './metadata-codec.js';
import type { ObjectMetadata } from './object-metadata.js';

/** AIStore's attribute name, kept so that tools that look for it find it. */
export const metadataAttributeName = 'user.ais.lom';

/**
 * The path through which an open descriptor's file can be named. Reading the attribute through it
 * guarantees data and metadata come from the same inode even if the name was renamed over since.
 */
export function descriptorPath(fd: number): string {
  return `/proc/self/fd/${fd}`;
}

/** Reads and decodes the record of the file at `path`; a missing attribute is corruption too. */
export async function readObjectMetadata(path: string, context: string): Promise<ObjectMetadata> {
  let record: Buffer;
  try {
    record = await getAttribute(path, metadataAttributeName);
  } catch (error) {
    if (hasErrnoCode(error, 'ENODATA', 'ENOATTR')) {
      throw objectMetadataCorrupted(context, 'no metadata attribute');
    }
    throw error;
  }
  return decodeObjectMetadata(record, context);
}

/**
 * Decodes a record read elsewhere (a listing's batched attribute reads), with the same outcomes as
 * `readObjectMetadata`: an absent attribute is corruption; any other failed read is rethrown.
 */
export function metadataFromAttribute(
  record: Buffer | undefined,
  readError: Error | undefined,
  context: string,
): ObjectMetadata {
  return decodeObjectMetadata(readRecord(record, readError, context), context);
}

/** Like `metadataFromAttribute`, for the size alone (`decodeObjectSize`). */
export function sizeFromAttribute(
  record: Buffer | undefined,
  readError: Error | undefined,
  context: string,
): number {
  return decodeObjectSize(readRecord(record, readError, context), context);
}

function readRecord(
  record: Buffer | undefined,
  readError: Error | undefined,
  context: string,
): Buffer {
  if (readError !== undefined) {
    if (hasErrnoCode(readError, 'ENODATA', 'ENOATTR')) {
      throw objectMetadataCorrupted(context, 'no metadata attribute');
    }
    throw readError;
  }
  if (record === undefined) throw objectMetadataCorrupted(context, 'no metadata attribute');
  return record;
}

/** Encodes (checking the size limit) and writes the record of the file at `path`. */
export async function writeObjectMetadata(path: string, metadata: ObjectMetadata): Promise<void> {
  await setAttribute(path, metadataAttributeName, encodeObjectMetadata(metadata));
}
