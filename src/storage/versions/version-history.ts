// Moving versions between `%ob` (the latest object) and `%vr` (kept versions and delete markers),
// always under the object's write lock. Every step is one link, rename or unlink, ordered so that a
// crash keeps every acknowledged version and leaves at most a duplicate link of the current version
// or an unacknowledged, newer `%vr` entry behind; both are recognised and cleaned by the next write.
import { dirname } from 'node:path';
import { hasErrnoCode, isStoreError } from '../../errors/index.js';
import type { BucketJson } from '../../wire/index.js';
import {
  linkIntoPlace,
  makeDirectories,
  removeFileQuietly,
  renameIntoPlace,
  syncFile,
} from '../io/index.js';
import {
  newVersionId,
  nullVersionId,
  objectRoot,
  versionPaths,
  versionRoot,
  workFilePath,
  type ReplicaPath,
} from '../layout/index.js';
import { writeFileMetadata, writeObjectMetadata, type ObjectMetadata } from '../meta/index.js';
import type { Mountpath } from '../mountpath/index.js';
import { placeObjectFile, removeObjectFile } from '../object-placement.js';
import { findReplica } from '../replica-lookup.js';
import { toStoredObject, type StoreContext } from '../store-context.js';
import type { KeptHistory, StoredObject } from '../store-types.js';
import {
  nextVersionStamp,
  readVersionFiles,
  versionIdOf,
  type VersionFile,
} from './version-files.js';

/** The latest version when it is an object (the file under `%ob`), or undefined. */
export async function findCurrent(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
): Promise<VersionFile | undefined> {
  let replica;
  try {
    replica = await findReplica(context, bucket, name);
  } catch (error) {
    // An unreadable record cannot be kept as a version: overwriting it is its repair.
    if (isStoreError(error) && error.code === 'ObjectCorrupted') return undefined;
    throw error;
  }
  if (replica === undefined) return undefined;
  const { handle, ...file } = replica;
  await handle.close();
  return { ...file, versionId: versionIdOf(file.metadata) };
}

/** The current object as a delete's precondition sees it (undefined: none, or unreadable). */
export async function currentObject(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
): Promise<StoredObject | undefined> {
  const current = await findCurrent(context, bucket, name);
  if (current === undefined) return undefined;
  return toStoredObject(bucket, name, current.metadata, current.stats, current.mountpath);
}

/** Kept entries newer than the current object: left by an interrupted delete, never acknowledged. */
export function isLeftover(file: VersionFile, current: VersionFile | undefined): boolean {
  if (current === undefined) return false;
  return (file.metadata.versionStamp ?? 0) > (current.metadata.versionStamp ?? 0);
}

/** What a new latest version (an object or a delete marker) does to the versions already there. */
export interface HistoryStep {
  current: VersionFile | undefined;
  versionId: string;
  versionStamp: number;
  /** The current object is a `null` version that the new `null` version replaces (not kept). */
  replacesCurrent: boolean;
  /** Kept files to remove once the new version is in place. */
  obsolete: VersionFile[];
}

/**
 * Prepares a new latest version: picks its ID and stamp and keeps the current object under `%vr`
 * (a hard link: a crash from here on leaves it in both places, which readers recognise).
 */
export async function beginNewVersion(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  history: KeptHistory,
): Promise<HistoryStep> {
  const current = await findCurrent(context, bucket, name);
  const kept = await readVersionFiles(context, bucket, name);
  const versionId = history === 'enabled' ? newVersionId() : nullVersionId;
  const replacesCurrent = current?.versionId === nullVersionId && versionId === nullVersionId;
  if (current !== undefined && !replacesCurrent) await keepAside(context, bucket, name, current);
  const obsolete = kept.filter(
    (file) =>
      isLeftover(file, current) ||
      (versionId === nullVersionId && file.versionId === nullVersionId),
  );
  const versions = current === undefined ? kept : [current, ...kept];
  const versionStamp = nextVersionStamp(context.clock.nowMs(), versions);
  return { current, versionId, versionStamp, replacesCurrent, obsolete };
}

/** Sets the new version's ID (none for `null`) and stamp on its record. */
export function stampVersion(metadata: ObjectMetadata, step: HistoryStep): void {
  if (step.versionId === nullVersionId) delete metadata.versionId;
  else metadata.versionId = step.versionId;
  metadata.versionStamp = step.versionStamp;
}

/** Links the current object into `%vr` under its version ID. */
export async function keepAside(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  current: VersionFile,
): Promise<void> {
  for (const location of versionPaths(current.mountpath.path, bucket, name, current.versionId)) {
    // A hashed version file's name is only in its record (same inode: the current one's too).
    if (location.hashed && current.metadata.name !== name) {
      await writeObjectMetadata(context.disk, current.location.path, { ...current.metadata, name });
      if (context.options.fsyncObjects) await syncFile(context.disk, current.location.path);
    }
    const result = await linkIntoPlace(context.disk, current.location.path, location.path);
    if (result.outcome === 'committed') {
      await syncIfAsked(context, result.directoriesToSync);
      return;
    }
  }
  throw new Error(`cannot keep version ${current.versionId} of ${name}: its paths collide`);
}

/** Makes kept version `version` the current object again (one rename onto the `%ob` path). */
export async function restoreVersion(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  version: VersionFile,
): Promise<void> {
  const metadata = { ...version.metadata };
  const source = version.location.path;
  const changed = await placeObjectFile(
    context.disk,
    source,
    version.mountpath.path,
    bucket,
    name,
    metadata,
    async () => {
      await writeObjectMetadata(context.disk, source, metadata);
      if (context.options.fsyncObjects) await syncFile(context.disk, source);
    },
  );
  await syncIfAsked(context, changed);
}

/**
 * Writes a delete marker as a kept version: an empty file with a record, renamed into `%vr`.
 * Returns where it went (a `null` marker replaces a kept `null` version at that path).
 */
export async function writeDeleteMarker(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  mountpath: Mountpath,
  step: HistoryStep,
): Promise<string> {
  const metadata: ObjectMetadata = {
    size: 0,
    checksum: { type: 'none', value: '' },
    customMetadata: {},
    copies: [],
    flags: 0,
    deleteMarker: true,
  };
  stampVersion(metadata, step);
  const workPath = workFilePath(mountpath.path, bucket, 'put');
  const { disk } = context;
  await syncIfAsked(context, await makeDirectories(disk, dirname(workPath)));
  const file = await disk.open(workPath, 'wx');
  try {
    for (const location of versionPaths(mountpath.path, bucket, name, step.versionId)) {
      if (location.hashed) metadata.name = name;
      await writeFileMetadata(disk, file, metadata);
      // The marker's record lasts before its name does (a marker without one would be lost).
      if (context.options.fsyncObjects) await file.sync();
      const result = await renameIntoPlace(disk, workPath, location.path);
      if (result.outcome === 'committed') {
        await syncIfAsked(context, result.directoriesToSync);
        return location.path;
      }
    }
    throw new Error(`cannot write delete marker ${step.versionId} of ${name}: its paths collide`);
  } finally {
    await file.close();
    await removeFileQuietly(disk, workPath);
  }
}

/** Removes kept files; returns the chunk sets they held (the caller removes those unlocked). */
export async function removeVersionFiles(
  context: StoreContext,
  bucket: BucketJson,
  files: readonly VersionFile[],
): Promise<string[]> {
  const chunks: string[] = [];
  for (const file of files) {
    await removeKeptFile(context, bucket, file.mountpath, file.location);
    if (file.metadata.chunks !== undefined) chunks.push(file.metadata.chunks);
  }
  return chunks;
}

async function removeKeptFile(
  context: StoreContext,
  bucket: BucketJson,
  mountpath: Mountpath,
  location: ReplicaPath,
): Promise<void> {
  try {
    await removeObjectFile(context, location, versionRoot(mountpath.path, bucket));
  } catch (error) {
    if (!hasErrnoCode(error, 'ENOENT', 'ENOTDIR')) throw error;
  }
}

/** Removes the current object's file (its version was kept, or is being deleted for good). */
export async function removeCurrentFile(
  context: StoreContext,
  bucket: BucketJson,
  current: VersionFile,
): Promise<void> {
  await removeObjectFile(context, current.location, objectRoot(current.mountpath.path, bucket));
}

async function syncIfAsked(context: StoreContext, directories: readonly string[]): Promise<void> {
  if (!context.options.fsyncObjects) return;
  for (const directory of directories) await context.syncs.sync(directory);
}
