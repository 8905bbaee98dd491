// A metadata-only change (custom metadata, S3 tags, object lock) of an object or one of its kept
// versions: the record is rewritten in place under the object's write lock; the bytes stay. Also
// the file-level one that needs no lock: an object file's access time (LRU's order).
import { hasErrnoCode, objectNotFound, StoreError } from '../../errors/index.js';
import type { BucketJson } from '../../wire/index.js';
import { openFlags } from '../io/index.js';
import { validateObjectName, type StoredContentType } from '../layout/index.js';
import { encodeObjectMetadata, writeFileMetadata, type ObjectMetadata } from '../meta/index.js';
import { findReplica, searchReplicas, type OpenReplica } from '../replica-lookup.js';
import { lockKeyOf, toStoredObject, unameOf, type StoreContext } from '../store-context.js';
import type { ObjectLockState, StoredObject } from '../store-types.js';
import { findVersion } from './version-files.js';

/** Rewrites the record of `name` (or of its version `versionId`) with `update`. */
export async function updateObjectMetadata(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  update: (record: ObjectMetadata) => ObjectMetadata,
  versionId?: string,
): Promise<StoredObject> {
  validateObjectName(name);
  return await context.locks.withWriteLock(unameOf(bucket, name), async () => {
    const replica = await findVersion(context, bucket, name, versionId);
    if (replica === undefined && versionId !== undefined) {
      throw new StoreError('NoSuchVersion', 'The specified version does not exist.');
    }
    if (replica === undefined) throw objectNotFound(context.nodeId, bucket, name);
    return await rewriteRecord(context, bucket, name, replica, update);
  });
}

/**
 * Rewrites the record of the file of `name` in another tree than `%ob` (an EC piece's record
 * carries its EC metadata) under that file's write lock; the bytes stay.
 */
export async function updateFileMetadata(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  type: Exclude<StoredContentType, 'ob'>,
  update: (record: ObjectMetadata) => ObjectMetadata,
): Promise<StoredObject> {
  validateObjectName(name);
  return await context.locks.withWriteLock(lockKeyOf(bucket, name, type), async () => {
    const replica = await findReplica(context, bucket, name, type);
    if (replica === undefined) throw objectNotFound(context.nodeId, bucket, name);
    return await rewriteRecord(context, bucket, name, replica, update);
  });
}

async function rewriteRecord(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  replica: OpenReplica,
  update: (record: ObjectMetadata) => ObjectMetadata,
): Promise<StoredObject> {
  try {
    const updated = update(replica.metadata);
    // Same limit as PUT: as if the name were stored in the record.
    encodeObjectMetadata({ ...updated, name });
    // Through the descriptor: the attribute lands on the inode that was looked up.
    await writeFileMetadata(context.disk, replica.handle, updated);
    if (context.options.fsyncObjects) await replica.handle.sync();
    return toStoredObject(bucket, name, updated, replica.stats, replica.mountpath);
  } finally {
    await replica.handle.close();
  }
}

/** The record update that applies `change` to the S3 object lock (retention, legal hold). */
export function withObjectLock(
  change: (current: ObjectLockState) => ObjectLockState,
): (record: ObjectMetadata) => ObjectMetadata {
  return (record) => {
    const { retention, legalHold, ...rest } = record;
    const next = change({ retention, legalHold });
    return {
      ...rest,
      ...(next.retention === undefined ? {} : { retention: next.retention }),
      ...(next.legalHold === true ? { legalHold: true } : {}),
    };
  };
}

/**
 * Sets the atime of the object's replica through an open descriptor (the file read, even if a
 * PUT renames another into place meanwhile), never moving it back, and keeping the modification
 * time's milliseconds (what the object's last-modified and rebalance identity use).
 */
export async function writeAccessTime(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  atimeMs: number,
): Promise<void> {
  await searchReplicas(context, bucket, name, 'ob', undefined, async (location) => {
    const file = await context.disk.open(location.path, openFlags.replica).catch((error) => {
      if (hasErrnoCode(error, 'ENOENT', 'ENOTDIR', 'ENAMETOOLONG')) return undefined;
      throw error;
    });
    if (file === undefined) return undefined;
    try {
      const stats = await file.stat({ bigint: true });
      if (stats.atimeNs / 1_000_000n >= BigInt(atimeMs)) return true;
      // Mid-millisecond, so that the double's rounding cannot move it to another millisecond.
      const mtimeMs = Number(stats.mtimeNs / 1_000_000n) + 0.5;
      await file.utimes(atimeMs / 1000, mtimeMs / 1000);
      return true;
    } finally {
      await file.close();
    }
  });
}
