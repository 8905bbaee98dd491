// A name's whole history leaving this target (a rebalance sent every version to the new owner):
// reading what is kept, and removing it all only if nothing changed since it was sent.
import type { BucketJson } from '../../wire/index.js';
import { validateObjectName } from '../layout/index.js';
import { removeChunkSet } from '../multipart/chunk-sets.js';
import { unlinkAllReplicas, type ReplicaIdentity } from '../remove-replicas.js';
import { toStoredObject, unameOf, type StoreContext } from '../store-context.js';
import type { StoredObject } from '../store-types.js';
import { readVersionFiles, uniqueVersions, type VersionFile } from './version-files.js';
import { findCurrent, isLeftover, removeVersionFiles } from './version-history.js';

/** What a history looked like when it was sent: the current object (if any) and kept IDs. */
export interface HistoryIdentity {
  current: (ReplicaIdentity & { versionId: string }) | undefined;
  keptVersionIds: readonly string[];
}

/** The kept versions and delete markers of `name`, oldest first (leftovers of crashes excluded). */
export async function keptVersions(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
): Promise<StoredObject[]> {
  validateObjectName(name);
  return context.locks.withReadLock(unameOf(bucket, name), async () => {
    const current = await findCurrent(context, bucket, name);
    const kept = await readVersionFiles(context, bucket, name);
    return uniqueVersions(kept.filter((file) => !isLeftover(file, current)))
      .reverse()
      .map((file) => toStoredObject(bucket, name, file.metadata, file.stats, file.mountpath));
  });
}

/**
 * Removes every version of `name` (current object, its copies, kept versions, delete markers and
 * their chunk sets) if they are still exactly `expected`; false, keeping all, when anything changed.
 */
export async function removeHistoryIfUnchanged(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  expected: HistoryIdentity,
): Promise<boolean> {
  const chunks = await context.locks.withWriteLock(unameOf(bucket, name), async () => {
    const current = await findCurrent(context, bucket, name);
    const kept = (await readVersionFiles(context, bucket, name)).filter(
      (file) => !isLeftover(file, current),
    );
    if (!sameCurrent(current, expected.current)) return undefined;
    const ids = new Set(kept.map((file) => file.versionId));
    if (ids.size !== expected.keptVersionIds.length) return undefined;
    if (!expected.keptVersionIds.every((id) => ids.has(id))) return undefined;
    await unlinkAllReplicas(context, bucket, name);
    const removed = await removeVersionFiles(context, bucket, kept);
    if (current?.metadata.chunks !== undefined) removed.push(current.metadata.chunks);
    return removed;
  });
  if (chunks === undefined) return false;
  for (const set of new Set(chunks)) await removeChunkSet(context, bucket, set);
  return true;
}

function sameCurrent(
  current: VersionFile | undefined,
  expected: HistoryIdentity['current'],
): boolean {
  if (current === undefined || expected === undefined) return current === expected;
  return (
    current.versionId === expected.versionId &&
    Number(current.stats.mtimeNs / 1_000_000n) === expected.modifiedTimeMs &&
    current.metadata.checksum.value === expected.checksumValue
  );
}
