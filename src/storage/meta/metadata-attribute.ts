// Reads and writes the metadata record in the object file's extended attribute `user.ais.lom`, by
// path or through an open file (then data and record come from the same inode).
import { hasErrnoCode, objectMetadataCorrupted } from '../../errors/index.js';
import type { Disk, DiskFile } from '../io/disk.js';
import {
  decodeEvictionFields,
  decodeObjectMetadata,
  decodeObjectSize,
  encodeObjectMetadata,
  type EvictionFields,
} from './metadata-codec.js';
import type { ObjectMetadata } from './object-metadata.js';

/** AIStore's attribute name, kept so that tools that look for it find it. */
export const metadataAttributeName = 'user.ais.lom';

/** Reads and decodes the record of the file at `path`; a missing attribute is corruption too. */
export async function readObjectMetadata(
  disk: Disk,
  path: string,
  context: string,
): Promise<ObjectMetadata> {
  let record: Buffer;
  try {
    record = await disk.getAttribute(path, metadataAttributeName);
  } catch (error) {
    throw attributeError(error, context);
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

/** Like `metadataFromAttribute`, for what LRU weighs (`decodeEvictionFields`). */
export function evictionFieldsFromAttribute(
  record: Buffer | undefined,
  readError: Error | undefined,
  context: string,
): EvictionFields {
  return decodeEvictionFields(readRecord(record, readError, context), context);
}

function readRecord(
  record: Buffer | undefined,
  readError: Error | undefined,
  context: string,
): Buffer {
  if (readError !== undefined) throw attributeError(readError, context);
  if (record === undefined) throw objectMetadataCorrupted(context, 'no metadata attribute');
  return record;
}

/**
 * Reads the record of an open file: it belongs to the inode that was opened even if the name was
 * renamed over since.
 */
export async function readFileMetadata(
  disk: Disk,
  file: DiskFile,
  context: string,
): Promise<ObjectMetadata> {
  return decodeObjectMetadata(await readFileRecord(disk, file, context), context);
}

/** The encoded record of an open file (see `readFileMetadata`), not decoded. */
export async function readFileRecord(disk: Disk, file: DiskFile, context: string): Promise<Buffer> {
  try {
    return await disk.getFileAttribute(file, metadataAttributeName);
  } catch (error) {
    throw attributeError(error, context);
  }
}

function attributeError(error: unknown, context: string): unknown {
  if (hasErrnoCode(error, 'ENODATA', 'ENOATTR')) {
    return objectMetadataCorrupted(context, 'no metadata attribute');
  }
  return error;
}

/** Encodes (checking the size limit) and writes the record of the file at `path`. */
export async function writeObjectMetadata(
  disk: Disk,
  path: string,
  metadata: ObjectMetadata,
): Promise<void> {
  await disk.setAttribute(path, metadataAttributeName, encodeObjectMetadata(metadata));
}

/** Encodes and writes the record of an open file (the inode that was opened). */
export async function writeFileMetadata(
  disk: Disk,
  file: DiskFile,
  metadata: ObjectMetadata,
): Promise<void> {
  await disk.setFileAttribute(file, metadataAttributeName, encodeObjectMetadata(metadata));
}
