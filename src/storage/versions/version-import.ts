// Storing an existing version again in a bucket that keeps history (a rebalance moving a name's
// versions to their new owner, a resilver moving them to their home mountpath, an EC restore):
// the version keeps its ID and stamp and takes its place among the versions already here by its
// stamp, so versions arriving in any order, next to writes and deletes made here meanwhile, end
// up as one history ordered as it was written.
import type { BucketJson } from '../../wire/index.js';
import { renameIntoPlace, type Disk } from '../io/index.js';
import { versionPaths } from '../layout/index.js';
import type { ObjectMetadata } from '../meta/index.js';
import type { Mountpath } from '../mountpath/index.js';
import { placeObjectFile } from '../object-placement.js';
import { unlinkAllReplicas } from '../remove-replicas.js';
import { findReplica } from '../replica-lookup.js';
import type { StoreContext } from '../store-context.js';
import type { VersionAttributes } from '../store-types.js';
import { readVersionFiles, versionIdOf, type VersionFile } from './version-files.js';
import { keepAside, removeCurrentFile } from './version-history.js';

/** Where an imported version went: already here (nothing written), latest object, or kept. */
export type ImportPlacement =
  | { placed: 'present'; existing: VersionFile }
  | { placed: 'current' | 'kept'; directoriesToSync: string[] };

/** A finished work file holding the version's bytes, and its record (written by `writeRecord`). */
export interface ImportedFile {
  workPath: string;
  home: Mountpath;
  metadata: ObjectMetadata;
  writeRecord: () => Promise<void>;
  /** The version's file on this mountpath is its source (a resilver's move), not a copy here. */
  ignoreMountpath?: string | undefined;
}

/**
 * Places the version under the object's write lock (the caller holds it). A version whose ID is
 * here already stays as it is. An object newer than every version here becomes the latest (the
 * current one is kept aside); a delete marker newer than the current object hides it; anything
 * older is kept under `%vr`.
 */
export async function importVersion(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  file: ImportedFile,
): Promise<ImportPlacement> {
  const versionId = versionIdOf(file.metadata);
  // The file being moved (same ID, on the source mountpath) is not a version already here.
  const isSource = (version: VersionFile): boolean =>
    version.versionId === versionId && version.mountpath.path === file.ignoreMountpath;
  const found = await findReplica(context, bucket, name, 'ob');
  await found?.handle.close();
  const currentFile: VersionFile | undefined =
    found === undefined ? undefined : { ...found, versionId: versionIdOf(found.metadata) };
  const current = currentFile !== undefined && isSource(currentFile) ? undefined : currentFile;
  const kept = (await readVersionFiles(context, bucket, name)).filter(
    (version) => !isSource(version),
  );
  const existing = [current, ...kept].find((version) => version?.versionId === versionId);
  if (existing !== undefined) return { placed: 'present', existing };
  const stamp = file.metadata.versionStamp ?? 0;
  const newerThanCurrent = current === undefined || stamp > (current.metadata.versionStamp ?? 0);
  const newest = newerThanCurrent && kept.every((version) => stamp > stampOf(version));
  await file.writeRecord();
  if (file.metadata.deleteMarker === true) {
    const directoriesToSync = await placeKept(context.disk, bucket, name, file);
    if (current !== undefined && newerThanCurrent) {
      await keepAside(context, bucket, name, current);
      await unlinkAllReplicas(context, bucket, name);
    }
    return { placed: 'kept', directoriesToSync };
  }
  if (!newest) {
    return { placed: 'kept', directoriesToSync: await placeKept(context.disk, bucket, name, file) };
  }
  if (current !== undefined) await keepAside(context, bucket, name, current);
  const directoriesToSync = await placeObjectFile(
    context.disk,
    file.workPath,
    file.home.path,
    bucket,
    name,
    file.metadata,
    file.writeRecord,
  );
  // The previous latest object may sit elsewhere (not on the home the new one took).
  if (current !== undefined && current.mountpath.path !== file.home.path) {
    await removeCurrentFile(context, bucket, current);
  }
  return { placed: 'current', directoriesToSync };
}

/**
 * The attributes a version keeps when it is stored again (see `VersionAttributes`), from its
 * record or from the `StoredObject` a read returned (same fields).
 */
export function attributesOf(metadata: VersionAttributes): VersionAttributes {
  const attributes: VersionAttributes = {};
  if (metadata.etag !== undefined) attributes.etag = metadata.etag;
  if (metadata.contentHeaders !== undefined) attributes.contentHeaders = metadata.contentHeaders;
  if (metadata.tags !== undefined) attributes.tags = metadata.tags;
  if (metadata.extraChecksums !== undefined) attributes.extraChecksums = metadata.extraChecksums;
  if (metadata.versionId !== undefined) attributes.versionId = metadata.versionId;
  if (metadata.versionStamp !== undefined) attributes.versionStamp = metadata.versionStamp;
  if (metadata.deleteMarker === true) attributes.deleteMarker = true;
  if (metadata.retention !== undefined) attributes.retention = { ...metadata.retention };
  if (metadata.legalHold === true) attributes.legalHold = true;
  return attributes;
}

function stampOf(version: VersionFile): number {
  return version.metadata.versionStamp ?? 0;
}

/** Renames the work file into `%vr` on the home mountpath, under the version's ID. */
async function placeKept(
  disk: Disk,
  bucket: BucketJson,
  name: string,
  file: ImportedFile,
): Promise<string[]> {
  for (const location of versionPaths(file.home.path, bucket, name, versionIdOf(file.metadata))) {
    if (location.hashed && file.metadata.name !== name) {
      file.metadata.name = name;
      await file.writeRecord();
    }
    const result = await renameIntoPlace(disk, file.workPath, location.path);
    if (result.outcome === 'committed') return result.directoriesToSync;
  }
  throw new Error(`cannot keep version ${versionIdOf(file.metadata)} of ${name}: paths collide`);
}
