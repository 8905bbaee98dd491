// Puts a finished file (a PUT's work file, or a kept version being restored) at an object's path on
// a mountpath: the natural path when the name can be one, else (or on a file/directory collision)
// the hashed path, with the name written into the file's record first (a PUT's open work file
// given its record and renamed in one job, `commitObjectFile`); and removes such files.
import { dirname } from 'node:path';
import {
  removeEmptyParents,
  removeFileQuietly,
  renameIntoPlace,
  type BigIntStats,
  type Disk,
  type DiskFile,
  type FileTimes,
} from './io/index.js';
import {
  contentDirectory,
  hashedObjectPath,
  replicaPaths,
  type ReplicaPath,
  type StoredContentType,
} from './layout/index.js';
import { encodeObjectMetadata, metadataAttributeName, type ObjectMetadata } from './meta/index.js';
import type { StoreContext } from './store-context.js';
import type { BucketJson } from '../wire/index.js';

/**
 * Renames `source` into place (in the objects tree, or in `type`'s tree); `writeRecord` rewrites the file's record when the name has to go
 * into it. Returns the directories whose entries changed (to fsync when durability is asked for).
 * `noReplica`: a lookup under the same write lock found no replica of the name on any mountpath,
 * so there is no stale hashed copy to remove (saves a failing unlink per new name).
 */
export async function placeObjectFile(
  disk: Disk,
  source: string,
  mountpath: string,
  bucket: BucketJson,
  name: string,
  metadata: ObjectMetadata,
  writeRecord: () => Promise<void>,
  type: StoredContentType = 'ob',
  noReplica = false,
): Promise<string[]> {
  const { path, hashedPath } = objectDestination(mountpath, bucket, name, type);
  if (path !== hashedPath) {
    const result = await renameIntoPlace(disk, source, path);
    if (result.outcome === 'committed') {
      // An earlier PUT may have stored the name hashed (during a collision): drop that stale copy.
      if (!noReplica) await removeFileQuietly(disk, hashedPath);
      return result.directoriesToSync;
    }
  }
  // `a` while `a/` holds objects, or `a/b` while `a` is an object: store it hashed instead.
  if (metadata.name !== name) {
    metadata.name = name;
    await writeRecord();
  }
  const result = await renameIntoPlace(disk, source, hashedPath);
  if (result.outcome !== 'committed') {
    throw new Error(`hashed object path ${hashedPath} collides with a directory`);
  }
  return result.directoriesToSync;
}

/**
 * Where an object file goes on `mountpath`: `path`, its natural path when the name can be one,
 * else its hashed path (`hashedPath` either way: where a stale copy of the name may be).
 */
export function objectDestination(
  mountpath: string,
  bucket: BucketJson,
  name: string,
  type: StoredContentType,
): { path: string; hashedPath: string } {
  const hashedPath = hashedObjectPath(contentDirectory(mountpath, bucket, type), name);
  const [first] = replicaPaths(mountpath, bucket, name, type);
  return { path: first !== undefined && !first.hashed ? first.path : hashedPath, hashedPath };
}

/** What `commitObjectFile` did: the file's stat once in place, the directories to fsync. */
export interface CommittedObject {
  stats: Pick<BigIntStats, 'atimeNs' | 'mtimeNs'>;
  directoriesToSync: string[];
}

/**
 * Writes `options.tail` to the open work `file` at `source`, sets `options.times`, gives it its
 * record (`encodeObjectMetadata(metadata)`), fsyncs it when `sync` and renames it onto its place in
 * one job (`Disk.commitFile`), dropping a stale hashed copy unless `noReplica`; the file is then
 * closed. When that rename fails (a new directory, a collision) the file, its record written, is
 * placed as `placeObjectFile` places it.
 */
export async function commitObjectFile(
  disk: Disk,
  file: DiskFile,
  source: string,
  place: { mountpath: string; bucket: BucketJson; name: string; type: StoredContentType },
  metadata: ObjectMetadata,
  options: {
    sync: boolean;
    noReplica: boolean;
    writeRecord: () => Promise<void>;
    /** Paths that must not exist (`Disk.commitFile`): undefined, nothing done, when one does. */
    absent?: readonly string[] | undefined;
    /** The body's last bytes and the file's times, written and set first (`Disk.commitFile`). */
    tail?: readonly Buffer[] | undefined;
    times?: FileTimes | undefined;
  },
): Promise<CommittedObject | undefined> {
  const { mountpath, bucket, name, type } = place;
  const { path, hashedPath } = objectDestination(mountpath, bucket, name, type);
  if (path === hashedPath) metadata.name = name;
  const committed = await disk.commitFile(file, source, {
    attribute: metadataAttributeName,
    record: encodeObjectMetadata(metadata),
    destination: path,
    sync: options.sync,
    supersedes: path !== hashedPath && !options.noReplica ? hashedPath : undefined,
    absent: options.absent,
    tail: options.tail,
    times: options.times,
  });
  if (committed === undefined) return undefined;
  if (committed.renameError === undefined)
    return { stats: committed.stats, directoriesToSync: [dirname(path)] };
  const directoriesToSync = await placeObjectFile(
    disk,
    source,
    mountpath,
    bucket,
    name,
    metadata,
    options.writeRecord,
    type,
    options.noReplica,
  );
  return { stats: await file.stat({ bigint: true }), directoriesToSync };
}

/**
 * Unlinks an object (or kept version) file and removes the directories it leaves empty, up to
 * and without `root`: emptied directories would force a later `a` next to a gone `a/x` into
 * hashed form.
 */
export async function removeObjectFile(
  context: StoreContext,
  location: ReplicaPath,
  root: string,
): Promise<void> {
  const { disk } = context;
  await disk.unlink(location.path);
  const parent = dirname(location.path);
  if (context.options.fsyncObjects) await context.syncs.sync(parent);
  await removeEmptyParents(disk, parent, root);
}
