// A replica a read found corrupt: quarantined under the object's write lock (when its path still
// names the inode that failed), and the error to report; or, when an append in place rewrote it
// while it was read, not corrupt at all (the reader is told to read again).
import { objectCorrupted, StoreError } from '../../errors/index.js';
import type { BucketJson } from '../../wire/index.js';
import { quarantineReplica, type ChecksumProblem } from '../io/index.js';
import type { StoredContentType } from '../layout/index.js';
import { readObjectMetadata } from '../meta/index.js';
import type { ReplicaFile } from '../replica-lookup.js';
import { describeObject, lockKeyOf, type StoreContext } from '../store-context.js';

/**
 * True when the replica's record changed since it was read (an append in place, under the write
 * lock the caller holds, wrote new bytes and a new record on the same inode): the bytes did not
 * rot, they were replaced.
 */
async function changedInPlace(context: StoreContext, replica: ReplicaFile): Promise<boolean> {
  const path = replica.location.path;
  try {
    const current = await context.disk.stat(path, { bigint: true });
    if (current.dev !== replica.stats.dev || current.ino !== replica.stats.ino) return false;
    const record = await readObjectMetadata(context.disk, path, path);
    const read = replica.metadata;
    return record.size !== read.size || record.checksum.value !== read.checksum.value;
  } catch {
    return false;
  }
}

/**
 * Quarantines the replica (if its path still names the inode that failed) under the write lock,
 * and returns the error to report. A failed quarantine does not hide the corruption. A replica
 * appended to in place while it was read is not corrupt: the reader is told to read again.
 */
export async function corrupted(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  replica: ReplicaFile,
  problem: ChecksumProblem,
  type: StoredContentType,
): Promise<Error> {
  const identity = { dev: replica.stats.dev, ino: replica.stats.ino };
  try {
    const changed = await context.locks.withWriteLock(lockKeyOf(bucket, name, type), async () => {
      if (await changedInPlace(context, replica)) return true;
      await quarantineReplica(
        context.disk,
        replica.mountpath.path,
        replica.location.path,
        identity,
        context.clock.nowMs(),
      );
      return false;
    });
    if (changed)
      return new StoreError(
        'Conflict',
        `${describeObject(bucket, name)} was appended to while it was read: read it again`,
      );
  } catch {
    // Reported through the corruption error below; the next read will retry the quarantine.
  }
  const where = `${describeObject(bucket, name)} on ${replica.mountpath.path}`;
  return objectCorrupted(problem.type, problem.stored, problem.computed, where);
}
