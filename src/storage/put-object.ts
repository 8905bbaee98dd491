// The PUT transaction: stream the body into a work file while hashing, verify length and client
// checksum, write the metadata attribute, then rename into place under the object's write lock.
import { dirname } from 'node:path';
import { createHasher, type Hasher } from '../checksum/index.js';
import { badRequest, checksumMismatch, hasErrnoCode, isStoreError } from '../errors/index.js';
import { invariant } from '../util/assert.js';
import type { BufferPool } from '../util/buffer-pool.js';
import { takeLease, type BytesLease } from '../util/streams/memory-body.js';
import type { ChecksumTypeName } from '../wire/index.js';
import {
  writeBody,
  makeDirectories,
  removeFileQuietly,
  toStorageError,
  type Disk,
  type DiskFile,
  type WrittenFile,
} from './io/index.js';
import {
  contentDirectory,
  longestVersionId,
  isNaturallyStorable,
  validateObjectName,
  workFilePath,
  type StoredContentType,
} from './layout/index.js';
import {
  encodeObjectMetadata,
  metadataAttributeName,
  readObjectMetadata,
  writeObjectMetadata,
  type ObjectMetadata,
} from './meta/index.js';
import { removeChunkSet } from './multipart/chunk-sets.js';
import type { Mountpath } from './mountpath/index.js';
import {
  commitObjectFile,
  objectDestination,
  placeObjectFile,
  type CommittedObject,
} from './object-placement.js';
import { beginNewVersion, removeVersionFiles, stampVersion } from './versions/version-history.js';
import { findRecord, findReplica, type ReadReplica } from './replica-lookup.js';
import {
  nextVersion,
  numberAfter,
  type KnownReplica,
  type NumberedVersion,
} from './versions/version-numbers.js';
import {
  describeObject,
  lockKeyOf,
  mountpathsFor,
  toStoredObject,
  unameOf,
  type StoreContext,
} from './store-context.js';
import type { PutObjectRequest, StoredObject, VersionAttributes } from './store-types.js';
import { importVersion } from './versions/version-import.js';

// Used to size-check metadata before any byte is written: versions are integer strings.
const longestVersion = String(Number.MAX_SAFE_INTEGER);
// ETag and additional checksum are added after the body: the limit check reserves room for them.
const longestEtag = `${'0'.repeat(32)}-10000`;
const longestChecksum = `${'A'.repeat(44)}-10000`;

/** Stores an object atomically: readers see the previous object or the new one, never a mix. */
export async function putObject(
  context: StoreContext,
  request: PutObjectRequest,
): Promise<StoredObject> {
  const { bucket, name } = request;
  const type = request.contentType ?? 'ob';
  validateObjectName(name);
  const uname = unameOf(bucket, name);
  const [home] = mountpathsFor(context, uname);
  invariant(home !== undefined, 'mountpathsFor returns the home mountpath first');
  invariant(request.migration === undefined || !request.versioning, 'a migration keeps versions');
  const metadata: ObjectMetadata = {
    size: 0,
    checksum: { type: request.chunked === undefined ? request.checksumType : 'none', value: '' },
    customMetadata: { ...request.customMetadata },
    copies: [],
    flags: 0,
  };
  if (request.contentHeaders !== undefined) metadata.contentHeaders = { ...request.contentHeaders };
  if (request.tags !== undefined) metadata.tags = { ...request.tags };
  if (request.retention !== undefined) metadata.retention = { ...request.retention };
  if (request.legalHold === true) metadata.legalHold = true;
  if (request.chunked !== undefined) metadata.chunks = request.chunked.chunks;
  if (request.version !== undefined) metadata.version = request.version;
  if (!isNaturallyStorable(name, contentDirectory(home.path, bucket, type))) metadata.name = name;
  if (request.migration?.version !== undefined) metadata.version = request.migration.version;
  if (request.attributes !== undefined) applyAttributes(metadata, request.attributes);
  // Whether a name ends up hashed can depend on the directory state (collisions), so the limit is
  // checked as if it were: the outcome of a PUT never depends on which other objects exist.
  encodeObjectMetadata({
    ...metadata,
    name,
    version: longestVersion,
    versionId: longestVersionId,
    versionStamp: Number.MAX_SAFE_INTEGER,
    etag: longestEtag,
    extraChecksums: { sha256: longestChecksum },
  });

  const workPath = workFilePath(home.path, bucket, type === 'ob' ? 'put' : 'slice');
  const { disk } = context;
  let handle: DiskFile | undefined;
  try {
    if (isSmallWrite(request)) {
      const content = await receiveSmallBody(request, metadata, context.buffers);
      try {
        return await putSmallObject(
          context,
          { context, request, home, workPath, metadata },
          content.bytes,
        );
      } finally {
        // The write's job has ended: nothing refers to the bytes any more.
        content.release();
      }
    }
    handle = await openWorkFile(context, workPath);
    const opened = handle;
    const caughtUp = request.offloadDigests?.();
    await receiveBody(request, metadata, (hashers) =>
      writeBody(request.body, opened, { limitBytes: request.contentLength, hashers, caughtUp }),
    );
    if (request.migration !== undefined) {
      // Seconds as a double lose the last millisecond (x.123 s reads back as x.1229999 s): aim at
      // the middle of the millisecond so it reads back exactly.
      const seconds = (request.migration.modifiedTimeMs + 0.5) / 1000;
      await handle.utimes(context.clock.nowMs() / 1000, seconds);
    }
    const transaction: Transaction = { context, request, home, workPath, handle, metadata };
    const outcome = await context.locks.withWriteLock(lockKeyOf(bucket, name, type), () =>
      commit(transaction),
    );
    if (outcome.kept !== undefined) {
      await removeFileQuietly(disk, workPath);
      return outcome.kept;
    }
    const unused = [transaction.replacedChunks, ...(transaction.obsoleteChunks ?? [])];
    for (const chunks of new Set(unused)) {
      if (chunks !== undefined && chunks !== metadata.chunks) {
        await removeChunkSet(context, bucket, chunks);
      }
    }
    if (context.options.fsyncObjects) {
      for (const directory of outcome.directoriesToSync) await context.syncs.sync(directory);
    }
    // The work file's inode is now the object: its stat is the object's.
    const stats = outcome.stats ?? (await handle.stat({ bigint: true }));
    return toStoredObject(bucket, name, metadata, stats, home);
  } catch (error) {
    context.faults.report(error, home.path);
    await removeFileQuietly(disk, workPath).catch(() => undefined);
    throw toStorageError(error, home.path);
  } finally {
    await handle?.close();
  }
}

/**
 * Objects up to this size (with a declared length) are received whole and written in one job
 * (`Disk.writeSmallFile`): work file, bytes, record, rename. Bounded, like a socket read's buffer.
 */
const smallObjectBytes = 64 * 1024;

/** The most a request that asks to be received whole (`receiveWhole`) may bring. */
export const wholeBodyMaxBytes = 1024 * 1024;

/**
 * A write that takes the one-job path: an object, EC piece or metafile of a known small size (or
 * one in memory, or bounded by the caller) whose record the commit writes (no migration, import,
 * chunks or kept history, which place files their own way).
 */
function isSmallWrite(request: PutObjectRequest): boolean {
  return (
    request.contentLength !== undefined &&
    (request.contentLength <= smallObjectBytes ||
      request.verifiedSource?.inMemory === true ||
      (request.receiveWhole === true && request.contentLength <= wholeBodyMaxBytes)) &&
    request.migration === undefined &&
    request.chunked === undefined &&
    request.attributes === undefined &&
    request.history === undefined
  );
}

/**
 * Receives a small body whole (at most its declared length), checked as `receiveBody` checks. A
 * body in memory already (a copy's source, read whole) comes with its pooled buffer's release:
 * released once written, the buffer serves the next read instead of becoming 1 MiB of garbage. A
 * body above the small size received whole (`receiveWhole`) is gathered into a buffer of `pool`
 * for the same reason, when it fits one.
 */
async function receiveSmallBody(
  request: PutObjectRequest,
  metadata: ObjectMetadata,
  pool: BufferPool,
): Promise<BytesLease> {
  const limit = request.contentLength ?? smallObjectBytes;
  const lease = takeLease(request.body);
  const body = lease === undefined ? (request.body as AsyncIterable<Buffer>) : [lease.bytes];
  const pooled =
    lease === undefined && limit > smallObjectBytes && limit <= pool.bufferBytes
      ? pool.acquire()
      : undefined;
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    await receiveBody(request, metadata, async (hashers) => {
      for await (const chunk of body) {
        if (total + chunk.length > limit)
          throw badRequest(`content length mismatch: body longer than the declared ${limit} bytes`);
        for (const hasher of hashers) hasher.update(chunk);
        if (pooled === undefined) chunks.push(chunk);
        else chunk.copy(pooled, total);
        total += chunk.length;
      }
      return total;
    });
  } catch (error) {
    lease?.release();
    if (pooled !== undefined) pool.release(pooled);
    throw error;
  }
  if (pooled !== undefined)
    return { bytes: pooled.subarray(0, total), release: () => pool.release(pooled) };
  const [only] = chunks;
  const bytes = chunks.length === 1 && only !== undefined ? only : Buffer.concat(chunks, total);
  return { bytes, release: lease?.release ?? (() => undefined) };
}

/**
 * The commit of a small object: under the write lock, as `commit` does, but the work file is
 * created, written, given its record and renamed onto the object's path in one job. When that
 * rename fails (a new directory, a collision) the finished work file is placed as any other.
 */
async function putSmallObject(
  context: StoreContext,
  parts: Omit<Transaction, 'handle'>,
  content: Buffer,
): Promise<StoredObject> {
  const { request, home, workPath, metadata } = parts;
  const { bucket, name } = request;
  const type = request.contentType ?? 'ob';
  const { disk } = context;
  let handle: DiskFile | undefined;
  try {
    const outcome = await context.locks.withWriteLock(lockKeyOf(bucket, name, type), async () => {
      const numbered = await checkAndNumber(context, request);
      if (numbered !== undefined) metadata.version = numbered.version;
      const { path: destination, hashedPath } = objectDestination(home.path, bucket, name, type);
      if (destination === hashedPath) metadata.name = name;
      const replacedChunks = await replacedChunksOf(disk, destination, type, numbered?.previous);
      const write = (): Promise<WrittenFile> =>
        disk.writeSmallFile(workPath, {
          content,
          attribute: metadataAttributeName,
          record: encodeObjectMetadata(metadata),
          destination,
          sync: context.options.fsyncObjects,
          // As `placeObjectFile`: a stale hashed copy of a name now stored naturally goes (in the
          // same job: an unlink of its own cost a PUT that replaced an object a hand-off).
          supersedes:
            destination !== hashedPath && numbered?.previous !== 'none' ? hashedPath : undefined,
        });
      const written = await write().catch(async (error: unknown) => {
        if (!hasErrnoCode(error, 'ENOENT') || (error as NodeJS.ErrnoException).syscall !== 'open')
          throw error;
        await makeWorkDirectory(context, workPath);
        return await write();
      });
      if (written.renameError === undefined) {
        return { replacedChunks, stats: written.stats, directoriesToSync: [dirname(destination)] };
      }
      handle = await disk.open(workPath, 'r');
      const transaction: Transaction = { ...parts, handle, replacedChunks };
      const directoriesToSync = await placeWorkFile(
        transaction,
        type,
        numbered?.previous === 'none',
      );
      return { replacedChunks, stats: await handle.stat({ bigint: true }), directoriesToSync };
    });
    if (outcome.replacedChunks !== undefined && outcome.replacedChunks !== metadata.chunks)
      await removeChunkSet(context, bucket, outcome.replacedChunks);
    if (context.options.fsyncObjects) {
      for (const directory of outcome.directoriesToSync) await context.syncs.sync(directory);
    }
    return toStoredObject(bucket, name, metadata, outcome.stats, home);
  } finally {
    await handle?.close();
  }
}

interface Transaction {
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
}

/**
 * Opens a new work file. A new bucket (or one whose %wk start-up removed) has no work directory
 * yet: with fsync on, the directories made for it are fsynced into their parents, since the
 * object's directories will hang below them (only the new ones: once per bucket and mountpath).
 */
async function openWorkFile(context: StoreContext, workPath: string): Promise<DiskFile> {
  const { disk } = context;
  try {
    return await disk.createFile(workPath);
  } catch (error) {
    if (!hasErrnoCode(error, 'ENOENT')) throw error;
    await makeWorkDirectory(context, workPath);
    return await disk.createFile(workPath);
  }
}

/** Creates the work file's directory (see `openWorkFile`). */
async function makeWorkDirectory(context: StoreContext, workPath: string): Promise<void> {
  const created = await makeDirectories(context.disk, dirname(workPath));
  if (context.options.fsyncObjects) {
    for (const directory of created) await context.syncs.sync(directory);
  }
}

/**
 * Receives the body through `write` (to the work file, or whole for a small object), which feeds
 * every byte to the hashers; then checks its length and the client's checksum, and completes the
 * record.
 */
async function receiveBody(
  request: PutObjectRequest,
  metadata: ObjectMetadata,
  write: (hashers: Hasher[]) => Promise<number>,
): Promise<void> {
  const expected = request.expectedChecksum;
  // A checksum the reader of a copied object checks the bytes against as they come (a mismatch
  // fails the body before its end) need not be computed again.
  const known = request.verifiedSource?.checksum;
  const types: ChecksumTypeName[] = [request.checksumType];
  if (
    expected !== undefined &&
    expected.type !== 'none' &&
    expected.type !== request.checksumType
  ) {
    types.push(expected.type);
  }
  const hashers = types.filter((type) => type !== known?.type).map(createHasher);
  const bytesWritten = await write(hashers);
  const digestOf = (type: ChecksumTypeName): string =>
    type === known?.type
      ? known.value.toLowerCase()
      : (hashers.find((hasher) => hasher.type === type)?.digest() ?? '');

  const context = describeObject(request.bucket, request.name);
  if (request.contentLength !== undefined && bytesWritten !== request.contentLength) {
    throw badRequest(
      `content length mismatch: received ${bytesWritten} bytes, expected ${request.contentLength} (${context})`,
    );
  }
  if (expected !== undefined && expected.type !== 'none') {
    const actual = digestOf(expected.type);
    if (actual !== expected.value.toLowerCase()) {
      throw checksumMismatch(expected.type, expected.value, actual, context);
    }
  }
  metadata.size = request.chunked?.sizeBytes ?? bytesWritten;
  metadata.checksum.value = request.chunked === undefined ? digestOf(request.checksumType) : '';
  const extra = await request.finish?.();
  if (extra?.etag !== undefined) metadata.etag = extra.etag;
  if (extra?.version !== undefined) metadata.version = extra.version;
  if (extra?.customMetadata !== undefined)
    Object.assign(metadata.customMetadata, extra.customMetadata);
  if (extra?.extraChecksums !== undefined && Object.keys(extra.extraChecksums).length > 0)
    metadata.extraChecksums = { ...extra.extraChecksums };
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
async function commit(transaction: Transaction): Promise<CommitOutcome> {
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
async function checkAndNumber(
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

/** An existing version stored again in a bucket that keeps history: placed by its stamp. */
function isVersionImport(request: PutObjectRequest): boolean {
  return (
    request.attributes !== undefined &&
    request.history !== undefined &&
    (request.contentType ?? 'ob') === 'ob'
  );
}

async function commitImport(transaction: Transaction): Promise<CommitOutcome> {
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
function applyAttributes(metadata: ObjectMetadata, attributes: VersionAttributes): void {
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
 */
async function renameIntoHome(transaction: Transaction): Promise<CommittedObject> {
  const { context, request, home, metadata } = transaction;
  const { bucket, name } = request;
  const type = request.contentType ?? 'ob';
  // Kept history (S3 versioning) applies to objects only; EC pieces are single files.
  const step =
    request.history === undefined || type !== 'ob'
      ? undefined
      : await beginNewVersion(context, bucket, name, request.history);
  if (step !== undefined) stampVersion(metadata, step);
  const numbered = assignsVersion(request) ? await nextVersion(context, request) : undefined;
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
    },
  );
  if (step !== undefined) {
    transaction.obsoleteChunks = await removeVersionFiles(context, bucket, step.obsolete);
  }
  return committed;
}

/**
 * Renames the finished work file onto its home path (`placeObjectFile`: natural or hashed name,
 * its record rewritten when the name moves); `noReplica`: none exists. The directories to fsync.
 */
function placeWorkFile(
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
async function replacedChunksOf(
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
