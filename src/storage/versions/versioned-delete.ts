// Deletes in a bucket that keeps history: without a version ID a delete marker becomes the latest
// version (the object is kept); with one, that version goes for good and, if it was the latest,
// the next newest takes its place (restored under `%ob` when it is an object).
import { objectNotFound, StoreError } from '../../errors/index.js';
import type { BucketJson } from '../../wire/index.js';
import { isVersionId, validateObjectName } from '../layout/index.js';
import { removeChunkSet } from '../multipart/chunk-sets.js';
import { mountpathsFor, unameOf, type StoreContext } from '../store-context.js';
import type { DeleteGuard, KeptHistory, WritePrecondition } from '../store-types.js';
import { unlinkAllReplicas } from '../remove-replicas.js';
import { readVersionFiles, type VersionFile } from './version-files.js';
import {
  beginNewVersion,
  currentObject,
  findCurrent,
  isLeftover,
  removeVersionFiles,
  restoreVersion,
  writeDeleteMarker,
} from './version-history.js';

/** What a delete did, in S3's terms. */
export interface DeleteOutcome {
  /** The version removed, or the delete marker created; absent in buckets without history. */
  versionId?: string;
  /** A delete marker was created, or the version removed was one. */
  deleteMarker: boolean;
}

/** DELETE without a version ID: the current object is kept and a delete marker becomes latest. */
export async function addDeleteMarker(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  history: KeptHistory,
  precondition?: WritePrecondition,
): Promise<DeleteOutcome> {
  validateObjectName(name);
  const uname = unameOf(bucket, name);
  const { versionId, chunks } = await context.locks.withWriteLock(uname, async () => {
    if (precondition !== undefined) precondition(await currentObject(context, bucket, name));
    const step = await beginNewVersion(context, bucket, name, history);
    const { current } = step;
    const [home] = mountpathsFor(context, uname);
    const mountpath = current?.mountpath ?? home;
    if (mountpath === undefined) throw new StoreError('Internal', 'no enabled mountpath');
    // The marker first, then the object goes: a crash in between leaves the object current and
    // an unacknowledged newer marker, which readers ignore.
    const markerPath = await writeDeleteMarker(context, bucket, name, mountpath, step);
    // Every replica goes (mirror copies too): none may be found as the latest afterwards.
    if (current !== undefined) await unlinkAllReplicas(context, bucket, name);
    // A kept `null` version at the marker's own path was replaced by its rename: removing that
    // file now would remove the new marker (the key would read as deleted but list an older
    // version as latest). Its chunks still go.
    const replaced = step.obsolete.filter((file) => file.location.path === markerPath);
    const removed = await removeVersionFiles(
      context,
      bucket,
      step.obsolete.filter((file) => !replaced.includes(file)),
    );
    for (const file of replaced) {
      if (file.metadata.chunks !== undefined) removed.push(file.metadata.chunks);
    }
    if (step.replacesCurrent && current?.metadata.chunks !== undefined) {
      removed.push(current.metadata.chunks);
    }
    return { versionId: step.versionId, chunks: removed };
  });
  for (const set of new Set(chunks)) await removeChunkSet(context, bucket, set);
  return { versionId, deleteMarker: true };
}

/**
 * DELETE with a version ID: removes that version (object or marker) for good. A version that does
 * not exist is `objectNotFound` (S3 answers such deletes with success).
 */
export async function deleteVersion(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  versionId: string,
  guard?: DeleteGuard,
): Promise<DeleteOutcome> {
  validateObjectName(name);
  if (!isVersionId(versionId)) {
    throw new StoreError('InvalidArgument', 'Invalid version id specified');
  }
  const { deleteMarker, chunks } = await context.locks.withWriteLock(
    unameOf(bucket, name),
    async () => {
      const current = await findCurrent(context, bucket, name);
      const kept = await readVersionFiles(context, bucket, name);
      const doomed = kept.filter((file) => file.versionId === versionId);
      const isCurrent = current?.versionId === versionId;
      if (!isCurrent && doomed.length === 0) throw objectNotFound(context.nodeId, bucket, name);
      const version = isCurrent ? current : doomed[0];
      if (guard !== undefined && version !== undefined) guard(version.metadata);
      const remaining = kept.filter(
        (file) => file.versionId !== versionId && !isLeftover(file, current),
      );
      const removed: string[] = [];
      if (current !== undefined && isCurrent) {
        await replaceLatest(context, bucket, name, remaining[0], current);
        if (current.metadata.chunks !== undefined) removed.push(current.metadata.chunks);
      } else if (current === undefined && doomed[0] !== undefined && doomed[0] === kept[0]) {
        // The latest (a delete marker, usually) goes: the next newest becomes the latest.
        await replaceLatest(context, bucket, name, remaining[0], undefined);
      }
      removed.push(...(await removeVersionFiles(context, bucket, doomed)));
      const marker = doomed.some((file) => file.metadata.deleteMarker === true);
      return { deleteMarker: marker, chunks: removed };
    },
  );
  for (const set of new Set(chunks)) await removeChunkSet(context, bucket, set);
  return { versionId, deleteMarker };
}

/** The latest version is going: `next` (if an object) is restored in its place in one rename. */
async function replaceLatest(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  next: VersionFile | undefined,
  current: VersionFile | undefined,
): Promise<void> {
  if (next !== undefined && next.metadata.deleteMarker !== true) {
    // The rename replaces the current file (a hashed one is removed once the natural path holds
    // the restored version), so there is no moment without a latest version.
    await restoreVersion(context, bucket, name, next);
    return;
  }
  if (current !== undefined) await unlinkAllReplicas(context, bucket, name);
}
