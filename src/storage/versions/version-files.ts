// The kept versions of one object name in a bucket that keeps history: finding, opening and ordering
// its `%vr` files, and the stamp that orders a new version after all of them.
import type { BucketJson } from '../../wire/index.js';
import { isMissing, type Disk } from '../io/index.js';
import {
  childPath,
  isVersionId,
  nullVersionId,
  versionLocations,
  versionPaths,
  type ReplicaPath,
} from '../layout/index.js';
import type { ObjectMetadata } from '../meta/index.js';
import { findReplica, openReplica, type OpenReplica } from '../replica-lookup.js';
import { mountpathsFor, unameOf, type StoreContext } from '../store-context.js';

/** A kept version (or delete marker), as found on disk. */
export type VersionFile = Omit<OpenReplica, 'handle'> & { readonly versionId: string };

/** S3's version ID of a record: its own, or `null` for versions written without one. */
export function versionIdOf(metadata: ObjectMetadata): string {
  return metadata.versionId ?? nullVersionId;
}

/** Newest first: by stamp (versions without one are the oldest), then by ID for a stable order. */
export function newestFirst(
  left: { metadata: ObjectMetadata; versionId: string },
  right: { metadata: ObjectMetadata; versionId: string },
): number {
  const difference = (right.metadata.versionStamp ?? 0) - (left.metadata.versionStamp ?? 0);
  if (difference !== 0) return difference;
  return left.versionId < right.versionId ? -1 : left.versionId > right.versionId ? 1 : 0;
}

/** Every kept version of `name` on the enabled mountpaths, newest first. Takes no lock. */
export async function readVersionFiles(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
): Promise<VersionFile[]> {
  const files: VersionFile[] = [];
  for (const mountpath of mountpathsFor(context, unameOf(bucket, name))) {
    const { natural, hashedDirectory } = versionLocations(mountpath.path, bucket, name);
    const locations: ReplicaPath[] = [];
    if (natural !== undefined) {
      for (const entry of await entriesOf(context.disk, natural.directory)) {
        if (entry.startsWith(natural.prefix) && isVersionId(entry.slice(natural.prefix.length))) {
          locations.push({ path: childPath(natural.directory, entry), hashed: false });
        }
      }
    }
    for (const entry of await entriesOf(context.disk, hashedDirectory)) {
      if (isVersionId(entry)) {
        locations.push({ path: childPath(hashedDirectory, entry), hashed: true });
      }
    }
    for (const location of locations) {
      const replica = await openReplica(context, location, mountpath, bucket, name);
      if (replica === undefined) continue;
      const { handle, ...file } = replica;
      await handle.close();
      files.push({ ...file, versionId: versionIdOf(file.metadata) });
    }
  }
  return files.sort(newestFirst);
}

/** Opens kept version `versionId` of `name`; undefined when it is not kept. Takes no lock. */
export async function openVersionFile(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  versionId: string,
): Promise<OpenReplica | undefined> {
  if (!isVersionId(versionId)) return undefined;
  for (const mountpath of mountpathsFor(context, unameOf(bucket, name))) {
    for (const location of versionPaths(mountpath.path, bucket, name, versionId)) {
      const replica = await openReplica(context, location, mountpath, bucket, name);
      if (replica !== undefined) return replica;
    }
  }
  return undefined;
}

/**
 * The replica of version `versionId` of `name`: the current object when no ID is given or when
 * it has that ID, else the kept version. Takes no lock: callers hold the object's lock.
 */
export async function findVersion(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  versionId: string | undefined,
): Promise<OpenReplica | undefined> {
  const current = await findReplica(context, bucket, name);
  if (versionId === undefined) return current;
  if (current !== undefined && versionIdOf(current.metadata) === versionId) return current;
  await current?.handle.close();
  return await openVersionFile(context, bucket, name, versionId);
}

/** A stamp after every version of the name: now, or one past the newest when the clock lags. */
export function nextVersionStamp(
  nowMs: number,
  versions: ReadonlyArray<{ metadata: ObjectMetadata }>,
): number {
  const newest = Math.max(0, ...versions.map((version) => version.metadata.versionStamp ?? 0));
  return Math.max(nowMs * 1000, newest + 1);
}

async function entriesOf(disk: Disk, directory: string): Promise<string[]> {
  try {
    return await disk.readdir(directory);
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
}
