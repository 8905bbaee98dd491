// A metadata-only change (custom metadata, S3 tags) of an object or one of its kept versions:
// the record is rewritten in place under the object's write lock; the bytes stay.
import { objectNotFound, StoreError } from '../../errors/index.js';
import type { BucketJson } from '../../wire/index.js';
import { validateObjectName, type StoredContentType } from '../layout/index.js';
import { encodeObjectMetadata, writeFileMetadata, type ObjectMetadata } from '../meta/index.js';
import { findReplica, type OpenReplica } from '../replica-lookup.js';
import { lockKeyOf, toStoredObject, unameOf, type StoreContext } from '../store-context.js';
import type { StoredObject } from '../store-types.js';
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
