// Puts a finished file (a PUT's work file, or a kept version being restored) at an object's path on
// a mountpath: the natural path when the name can be one, else (or on a file/directory collision)
// the hashed path, with the name written into the file's record first; and removes such files.
import { dirname } from 'node:path';
import { removeEmptyParents, removeFileQuietly, renameIntoPlace, type Disk } from './io/index.js';
import {
  contentDirectory,
  hashedObjectPath,
  replicaPaths,
  type ReplicaPath,
  type StoredContentType,
} from './layout/index.js';
import type { ObjectMetadata } from './meta/index.js';
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
  const hashedPath = hashedObjectPath(contentDirectory(mountpath, bucket, type), name);
  const [first] = replicaPaths(mountpath, bucket, name, type);
  if (first !== undefined && !first.hashed) {
    const result = await renameIntoPlace(disk, source, first.path);
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
