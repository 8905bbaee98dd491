// The PUT transaction: stream the body into a work file while hashing, verify length and client
// checksum, write the metadata attribute, then rename into place under the object's write lock.
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { HashingStream } from '../checksum/index.js';
import { badRequest, checksumMismatch, hasErrnoCode, isStoreError } from '../errors/index.js';
import { invariant } from '../util/assert.js';
import type { ChecksumTypeName } from '../wire/index.js';
import {
  FileSink,
  removeFileQuietly,
  renameIntoPlace,
  syncDirectory,
  toStorageError,
} from './io/index.js';
import {
  hashedObjectPath,
  isNaturallyStorable,
  objectRoot,
  replicaPaths,
  validateObjectName,
  workFilePath,
} from './layout/index.js';
import { encodeObjectMetadata, writeObjectMetadata, type ObjectMetadata } from './meta/index.js';
import type { Mountpath } from './mountpath/index.js';
import { findReplica } from './replica-lookup.js';
import {
  describeObject,
  mountpathsFor,
  toStoredObject,
  unameOf,
  type StoreContext,
} from './store-context.js';
import type { PutObjectRequest, StoredObject } from './store-types.js';

// Used to size-check metadata before any byte is written: versions are integer strings.
const longestVersion = String(Number.MAX_SAFE_INTEGER);

/** Stores an object atomically: readers see the previous object or the new one, never a mix. */
export async function putObject(
  context: StoreContext,
  request: PutObjectRequest,
): Promise<StoredObject> {
  const { bucket, name } = request;
  validateObjectName(name);
  const uname = unameOf(bucket, name);
  const [home] = mountpathsFor(context, uname);
  invariant(home !== undefined, 'mountpathsFor returns the home mountpath first');
  invariant(request.migration === undefined || !request.versioning, 'a migration keeps versions');
  const metadata: ObjectMetadata = {
    size: 0,
    checksum: { type: request.checksumType, value: '' },
    customMetadata: { ...request.customMetadata },
    copies: [],
    flags: 0,
  };
  if (request.migration?.version !== undefined) metadata.version = request.migration.version;
  if (!isNaturallyStorable(name, objectRoot(home.path, bucket))) metadata.name = name;
  // Whether a name ends up hashed can depend on the directory state (collisions), so the limit is
  // checked as if it were: the outcome of a PUT never depends on which other objects exist.
  encodeObjectMetadata({ ...metadata, name, version: longestVersion });

  const workPath = workFilePath(home.path, bucket, 'put');
  let handle: FileHandle | undefined;
  try {
    handle = await openWorkFile(workPath);
    await receiveBody(handle, workPath, request, metadata);
    if (request.migration !== undefined) {
      // Seconds as a double lose the last millisecond (x.123 s reads back as x.1229999 s): aim at
      // the middle of the millisecond so it reads back exactly.
      const seconds = (request.migration.modifiedTimeMs + 0.5) / 1000;
      await handle.utimes(Date.now() / 1000, seconds);
    }
    if (context.options.fsyncObjects) await handle.sync();
    const transaction = { context, request, home, workPath, handle, metadata };
    const outcome = await context.locks.withWriteLock(uname, () => commit(transaction));
    if (outcome.kept !== undefined) {
      await removeFileQuietly(workPath);
      return outcome.kept;
    }
    if (context.options.fsyncObjects) {
      for (const directory of outcome.directoriesToSync) await syncDirectory(directory);
    }
    // The work file's inode is now the object: its stat is the object's.
    const stats = await handle.stat({ bigint: true });
    return toStoredObject(bucket, name, metadata, stats, home);
  } catch (error) {
    await removeFileQuietly(workPath);
    throw toStorageError(error, home.path);
  } finally {
    await handle?.close();
  }
}

interface Transaction {
  context: StoreContext;
  request: PutObjectRequest;
  home: Mountpath;
  workPath: string;
  handle: FileHandle;
  metadata: ObjectMetadata;
}

// A new bucket (or one whose %wk start-up removed) has no work directory yet.
async function openWorkFile(workPath: string): Promise<FileHandle> {
  try {
    return await open(workPath, 'wx');
  } catch (error) {
    if (!hasErrnoCode(error, 'ENOENT')) throw error;
    await mkdir(dirname(workPath), { recursive: true });
    return await open(workPath, 'wx');
  }
}

/** Streams the body to the work file, then checks its length and the client's checksum. */
async function receiveBody(
  handle: FileHandle,
  workPath: string,
  request: PutObjectRequest,
  metadata: ObjectMetadata,
): Promise<void> {
  const expected = request.expectedChecksum;
  const types: ChecksumTypeName[] = [request.checksumType];
  if (
    expected !== undefined &&
    expected.type !== 'none' &&
    expected.type !== request.checksumType
  ) {
    types.push(expected.type);
  }
  const hashing = new HashingStream(types);
  const sink = new FileSink(handle, request.contentLength);
  await pipeline(request.body, hashing, sink);

  const context = describeObject(request.bucket, request.name);
  if (request.contentLength !== undefined && sink.bytesWritten !== request.contentLength) {
    throw badRequest(
      `content length mismatch: received ${sink.bytesWritten} bytes, expected ${request.contentLength} (${context})`,
    );
  }
  if (expected !== undefined && expected.type !== 'none') {
    const actual = hashing.digestOf(expected.type) ?? '';
    if (actual !== expected.value.toLowerCase()) {
      throw checksumMismatch(expected.type, expected.value, actual, context);
    }
  }
  metadata.size = sink.bytesWritten;
  metadata.checksum.value = hashing.digestOf(request.checksumType) ?? '';
  // Without versioning the record is complete now; writing it before taking the lock keeps the
  // critical section to the rename.
  if (!request.versioning) await writeObjectMetadata(workPath, metadata);
}

/** What a commit did: directories to fsync after the lock is released, or the replica it kept. */
interface CommitOutcome {
  directoriesToSync: string[];
  kept?: StoredObject;
}

/** Runs under the object's write lock. */
async function commit(transaction: Transaction): Promise<CommitOutcome> {
  const { request } = transaction;
  if (request.migration !== undefined) {
    const kept = await newerReplica(transaction.context, request, request.migration);
    if (kept !== undefined) return { directoriesToSync: [], kept };
  }
  return { directoriesToSync: await renameIntoHome(transaction) };
}

/** An existing replica at least as new as the migrating object, which then stays as it is. */
async function newerReplica(
  context: StoreContext,
  request: PutObjectRequest,
  migration: NonNullable<PutObjectRequest['migration']>,
): Promise<StoredObject | undefined> {
  let existing;
  try {
    existing = await findReplica(context, request.bucket, request.name, migration.ignoreMountpath);
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

/** Versions, then renames the work file into place; returns the directories to fsync. */
async function renameIntoHome(transaction: Transaction): Promise<string[]> {
  const { context, request, home, workPath, metadata } = transaction;
  const { bucket, name } = request;
  if (request.versioning) {
    metadata.version = await nextVersion(context, request);
    await writeMetadataDurably(transaction);
  }
  const root = objectRoot(home.path, bucket);
  const hashedPath = hashedObjectPath(root, name);
  const [first] = replicaPaths(home.path, bucket, name);
  if (first !== undefined && !first.hashed) {
    const result = await renameIntoPlace(workPath, first.path);
    if (result.outcome === 'committed') {
      // An earlier PUT may have stored the name hashed (during a collision): drop that stale copy.
      await removeFileQuietly(hashedPath);
      return result.directoriesToSync;
    }
    // `a` while `a/` holds objects, or `a/b` while `a` is an object: store it hashed instead.
    metadata.name = name;
    await writeMetadataDurably(transaction);
  }
  const result = await renameIntoPlace(workPath, hashedPath);
  if (result.outcome !== 'committed') {
    throw new Error(`hashed object path ${hashedPath} collides with a directory`);
  }
  return result.directoriesToSync;
}

/** Writes the record on the work file and, with fsync on, makes the attribute durable too. */
async function writeMetadataDurably(transaction: Transaction): Promise<void> {
  await writeObjectMetadata(transaction.workPath, transaction.metadata);
  if (transaction.context.options.fsyncObjects) await transaction.handle.sync();
}

/**
 * The previous version plus one; "1" when there is no previous object or no integer version. A
 * previous replica with an unreadable record does not block the PUT: overwriting is its repair.
 */
async function nextVersion(context: StoreContext, request: PutObjectRequest): Promise<string> {
  let previous;
  try {
    previous = await findReplica(context, request.bucket, request.name);
  } catch (error) {
    if (isStoreError(error) && error.code === 'ObjectCorrupted') return '1';
    throw error;
  }
  if (previous === undefined) return '1';
  await previous.handle.close();
  const version = Number(previous.metadata.version ?? '');
  return /^\d+$/.test(previous.metadata.version ?? '') && Number.isSafeInteger(version + 1)
    ? String(version + 1)
    : '1';
}
