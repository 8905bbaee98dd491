// The PUT's commit under the object's write lock (put-object.ts receives the body first): the
// precondition, the version number, and the work file renamed into the object's home with its
// record — or a migrated or imported version kept or placed as history asks.
import { isStoreError } from '../../errors/index.js';
import { invariant } from '../../util/assert.js';
import type { Disk, DiskFile, FileTimes } from '../io/index.js';
import type { StoredContentType } from '../layout/index.js';
import { readObjectMetadata, writeObjectMetadata, type ObjectMetadata } from '../meta/index.js';
import type { Mountpath } from '../mountpath/index.js';
import {
  commitObjectFile,
  objectDestination,
  placeObjectFile,
  type CommittedObject,
} from '../object-placement.js';
import { beginNewVersion, removeVersionFiles, stampVersion } from '../versions/version-history.js';
import { findRecord, findReplica, newNameCandidates, type ReadReplica } from '../replica-lookup.js';
import {
  nextVersion,
  numberAfter,
  type KnownReplica,
  type NumberedVersion,
} from '../versions/version-numbers.js';
import { toStoredObject, type StoreContext } from '../store-context.js';
import type { PutObjectRequest, StoredObject, VersionAttributes } from '../store-types.js';
import { importVersion } from '../versions/version-import.js';

export interface Transaction {
  /** Chunk set of the object this write replaces, removed once the new object is in place. */
  replacedChunks?: string | undefined;
  /** Chunk sets of kept versions the write made obsolete (a replaced `null` version). */
  obsoleteChunks?: string[];
  context: StoreContext;
  request: PutObjectRequest;
  home: Mountpath;
  workPath: string;
  handle: DiskFile;
  metadata: ObjectMetadata;
  /**
   * The body's last bytes, not written yet: the commit's job writes them (`Disk.commitFile`'s
   * `tail`), a commit by other means first (`settleWorkFile`). Emptied once written.
   */
  tail?: Buffer[];
  /** The work file's times to set after its last write (a migration's); cleared once set. */
  times?: FileTimes | undefined;
}

/**
 * Writes the transaction's tail to its work file and sets its times, through the file's own calls:
 * for the commits that do not go through `Disk.commitFile` (an imported version, kept history).
 */
export async function settleWorkFile(transaction: Transaction): Promise<void> {
  const { handle, tail = [], times } = transaction;
  transaction.tail = [];
  transaction.times = undefined;
  for (const buffer of tail) await handle.writeFile(buffer);
  if (times !== undefined)
    await handle.utimes(secondsOf(times.accessNs), secondsOf(times.modifiedNs));
}

function secondsOf(ns: bigint): number {
  return Number(ns / 1000n) / 1e6;
}

/**
 * What a commit did: directories to fsync after the lock is released, and the object's stat when
 * the commit closed the work file; or the replica it kept.
 */
interface CommitOutcome {
  directoriesToSync: string[];
  stats?: CommittedObject['stats'];
  kept?: StoredObject;
}

/** Runs under the object's write lock. */
export async function commit(transaction: Transaction): Promise<CommitOutcome> {
  const { request } = transaction;
  if (isVersionImport(request)) return await commitImport(transaction);
  if (request.migration !== undefined) {
    const kept = await newerReplica(transaction.context, request, request.migration);
    if (kept !== undefined) return { directoriesToSync: [], kept };
  }
  if (request.precondition !== undefined) {
    const current = await findRecord(transaction.context, request.bucket, request.name);
    runPrecondition(request, current);
  }
  return await renameIntoHome(transaction);
}

/** Runs the request's precondition against `current`, the latest object read under the write lock. */
function runPrecondition(request: PutObjectRequest, current: ReadReplica | undefined): void {
  const { bucket, name } = request;
  request.precondition?.(
    current === undefined
      ? undefined
      : toStoredObject(bucket, name, current.metadata, current.stats, current.mountpath),
  );
}

/**
 * The small write's checks under the lock from one lookup (two when each made its own): the
 * precondition, when there is one, and the version the commit assigns, when it numbers one.
 */
export async function checkAndNumber(
  context: StoreContext,
  request: PutObjectRequest,
): Promise<NumberedVersion | undefined> {
  if (request.precondition === undefined)
    return assignsVersion(request) ? await nextVersion(context, request) : undefined;
  // An unreadable record fails the write here, as it does `commit`'s precondition.
  const current = await findRecord(context, request.bucket, request.name);
  runPrecondition(request, current);
  return assignsVersion(request) ? numberAfter(current) : undefined;
}

/**
 * The small write's number when it may take its name to be new (no precondition to run, a version
 * to assign, nothing cached for the name): "1", provided the write finds none of `absent` (every
 * path `checkAndNumber`'s lookup would look at); when it finds one, the write looks up as usual.
 */
export function numberAsNew(
  context: StoreContext,
  request: PutObjectRequest,
): { numbered: NumberedVersion; absent: string[] } | undefined {
  if (request.precondition !== undefined || !assignsVersion(request)) return undefined;
  const absent = newNameCandidates(context, request.bucket, request.name);
  return absent === undefined ? undefined : { numbered: numberAfter(undefined), absent };
}

/** An existing version stored again in a bucket that keeps history: placed by its stamp. */
function isVersionImport(request: PutObjectRequest): boolean {
  return (
    request.attributes !== undefined &&
    request.history !== undefined &&
    (request.contentType ?? 'ob') === 'ob'
  );
}

async function commitImport(transaction: Transaction): Promise<CommitOutcome> {
  await settleWorkFile(transaction);
  const { context, request, home, workPath, metadata } = transaction;
  const placement = await importVersion(context, request.bucket, request.name, {
    workPath,
    home,
    metadata,
    writeRecord: () => writeMetadataDurably(transaction),
    ignoreMountpath: request.migration?.ignoreMountpath,
  });
  if (placement.placed !== 'present') return { directoriesToSync: placement.directoriesToSync };
  const { existing } = placement;
  const kept = toStoredObject(
    request.bucket,
    request.name,
    existing.metadata,
    existing.stats,
    existing.mountpath,
  );
  return { directoriesToSync: [], kept };
}

/** Copies the S3 attributes of a version stored again onto its new record. */
export function applyAttributes(metadata: ObjectMetadata, attributes: VersionAttributes): void {
  const { etag, contentHeaders, tags, extraChecksums, versionId, versionStamp } = attributes;
  if (etag !== undefined) metadata.etag = etag;
  if (contentHeaders !== undefined && Object.keys(contentHeaders).length > 0)
    metadata.contentHeaders = { ...contentHeaders };
  if (tags !== undefined && Object.keys(tags).length > 0) metadata.tags = { ...tags };
  if (extraChecksums !== undefined && Object.keys(extraChecksums).length > 0)
    metadata.extraChecksums = { ...extraChecksums };
  if (versionId !== undefined) metadata.versionId = versionId;
  if (versionStamp !== undefined) metadata.versionStamp = versionStamp;
  if (attributes.deleteMarker === true) metadata.deleteMarker = true;
  if (attributes.retention !== undefined) metadata.retention = { ...attributes.retention };
  if (attributes.legalHold === true) metadata.legalHold = true;
}

/** An existing replica at least as new as the migrating object, which then stays as it is. */
async function newerReplica(
  context: StoreContext,
  request: PutObjectRequest,
  migration: NonNullable<PutObjectRequest['migration']>,
): Promise<StoredObject | undefined> {
  let existing;
  try {
    existing = await findReplica(
      context,
      request.bucket,
      request.name,
      request.contentType ?? 'ob',
      migration.ignoreMountpath,
    );
  } catch (error) {
    if (isStoreError(error) && error.code === 'ObjectCorrupted') return undefined;
    throw error;
  }
  if (existing === undefined) return undefined;
  try {
    const { stats, metadata, mountpath } = existing;
    if (Number(stats.mtimeNs / 1_000_000n) < migration.modifiedTimeMs) return undefined;
    return toStoredObject(request.bucket, request.name, metadata, stats, mountpath);
  } finally {
    await existing.handle.close();
  }
}

/**
 * Versions, then gives the work file its record and renames it into place, fsynced when asked: one
 * job (`commitObjectFile`), under the object's own lock, which only its writers and readers wait for.
 * A name taken to be new (`numberAsNew`) has its version lookup in the same job: the commit checks
 * that no replica path exists first, and when one does, the PUT looks up and commits as usual.
 */
async function renameIntoHome(transaction: Transaction): Promise<CommittedObject> {
  const { context, request, home, metadata } = transaction;
  const { bucket, name } = request;
  const type = request.contentType ?? 'ob';
  // Kept history (S3 versioning) applies to objects only; EC pieces are single files. The body is
  // whole before the current object is kept aside: a failed last write then changes nothing.
  const history = type === 'ob' ? request.history : undefined;
  if (history !== undefined) await settleWorkFile(transaction);
  const step =
    history === undefined ? undefined : await beginNewVersion(context, bucket, name, history);
  if (step !== undefined) stampVersion(metadata, step);
  const commitAs = async (
    numbered: NumberedVersion | undefined,
    absent?: string[],
  ): Promise<CommittedObject | undefined> => {
    if (numbered !== undefined) metadata.version = numbered.version;
    const { path } = objectDestination(home.path, bucket, name, type);
    // A kept current version keeps its chunks; a replaced one's go once the new object is in place.
    transaction.replacedChunks =
      step !== undefined && step.current !== undefined && !step.replacesCurrent
        ? undefined
        : await replacedChunksOf(context.disk, path, type, step?.current ?? numbered?.previous);
    const committed = await commitObjectFile(
      context.disk,
      transaction.handle,
      transaction.workPath,
      { mountpath: home.path, bucket, name, type },
      metadata,
      {
        sync: context.options.fsyncObjects,
        noReplica: numbered?.previous === 'none',
        writeRecord: () => writeMetadataDurably(transaction),
        absent,
        tail: transaction.tail,
        times: transaction.times,
      },
    );
    // Written by the commit's job (which, when it found a replica, did nothing at all).
    if (committed !== undefined) [transaction.tail, transaction.times] = [[], undefined];
    return committed;
  };
  const asNew = step === undefined ? numberAsNew(context, request) : undefined;
  const committed =
    (asNew === undefined ? undefined : await commitAs(asNew.numbered, asNew.absent)) ??
    (await commitAs(assignsVersion(request) ? await nextVersion(context, request) : undefined));
  invariant(committed !== undefined, 'a commit that checks no path always happens');
  if (step !== undefined) {
    transaction.obsoleteChunks = await removeVersionFiles(context, bucket, step.obsolete);
  }
  return committed;
}

/**
 * Renames the finished work file onto its home path (`placeObjectFile`: natural or hashed name,
 * its record rewritten when the name moves); `noReplica`: none exists. The directories to fsync.
 */
export function placeWorkFile(
  transaction: Transaction,
  type: StoredContentType,
  noReplica: boolean,
): Promise<string[]> {
  const { context, request, home, workPath, metadata } = transaction;
  return placeObjectFile(
    context.disk,
    workPath,
    home.path,
    request.bucket,
    request.name,
    metadata,
    () => writeMetadataDurably(transaction),
    type,
    noReplica,
  );
}

/**
 * The chunk set of the object file at `path` that this write replaces. `known` is what a lookup
 * under the same write lock found: its record is reused when it is the file at `path`, and
 * 'none' (no replica anywhere, `path` included) saves the getxattr of a new name.
 */
export async function replacedChunksOf(
  disk: Disk,
  path: string,
  type: StoredContentType,
  known: KnownReplica | 'none' | undefined,
): Promise<string | undefined> {
  // Chunk sets belong to objects: EC slices and metafiles never have one.
  if (type !== 'ob' || known === 'none') return undefined;
  if (known !== undefined && known.location.path === path) return known.metadata.chunks;
  return await chunksOf(disk, path);
}

/** The chunk set of the object file at `path`, if it is a chunked object (one getxattr). */
async function chunksOf(disk: Disk, path: string): Promise<string | undefined> {
  try {
    return (await readObjectMetadata(disk, path, path)).chunks;
  } catch {
    // Absent (the usual case for a new name), a directory, or unreadable: nothing to clean up.
    return undefined;
  }
}

/** True when the commit numbers the version (the previous one is only known under the lock). */
function assignsVersion(request: PutObjectRequest): boolean {
  return request.versioning && request.version === undefined;
}

/** Writes the record on the work file and, with fsync on, makes the attribute durable too. */
async function writeMetadataDurably(transaction: Transaction): Promise<void> {
  await writeObjectMetadata(transaction.context.disk, transaction.workPath, transaction.metadata);
  if (transaction.context.options.fsyncObjects) await transaction.handle.sync();
}
