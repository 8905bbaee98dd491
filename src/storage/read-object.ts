// HEAD and GET: locate the replica under the read lock, then serve it verified. Small objects are
// read whole and checked before the first byte is returned; larger ones are checked as they stream.
// A disk fault while reading fails the read as unreadable (recovery may restore the object).
import { createHasher } from '../checksum/index.js';
import {
  objectCorrupted,
  objectMetadataCorrupted,
  objectNotFound,
  objectUnreadable,
  StoreError,
} from '../errors/index.js';
import { ChunkedBody } from './multipart/chunked-body.js';
import { findManifest } from './multipart/chunk-sets.js';
import type { BucketJson } from '../wire/index.js';
import {
  checkContent,
  isDiskFault,
  ObjectBody,
  quarantineReplica,
  readWhole,
  type ChecksumProblem,
} from './io/index.js';
import { validateObjectName, type StoredContentType } from './layout/index.js';
import { findReplica, type OpenReplica } from './replica-lookup.js';
import { findVersion } from './versions/version-files.js';
import { describeObject, lockKeyOf, toStoredObject, type StoreContext } from './store-context.js';
import type {
  ByteRange,
  ObjectReadResult,
  RangeResolver,
  ReadOptions,
  StoredObject,
} from './store-types.js';

/**
 * Opens the replica (of the latest version, or of version `versionId`: the current object when it
 * has that ID, else a kept one) holding only the read lock: the descriptor keeps its inode after
 * release.
 */
async function openObject(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  type: StoredContentType,
  versionId: string | undefined,
): Promise<OpenReplica> {
  validateObjectName(name);
  // Versions exist for objects only; EC slices and metafiles have one file each.
  const replica = await context.locks.withReadLock(lockKeyOf(bucket, name, type), () =>
    type === 'ob'
      ? findVersion(context, bucket, name, versionId)
      : findReplica(context, bucket, name, type),
  );
  if (replica !== undefined) return replica;
  if (versionId === undefined) throw objectNotFound(context.nodeId, bucket, name);
  throw new StoreError('NoSuchVersion', 'The specified version does not exist.');
}

/** The object's metadata; `objectNotFound` when absent. Does not read or verify the data. */
export async function headObject(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  options: ReadOptions = {},
): Promise<StoredObject> {
  const replica = await openObject(
    context,
    bucket,
    name,
    options.contentType ?? 'ob',
    options.versionId,
  );
  await replica.handle.close();
  return toStoredObject(bucket, name, replica.metadata, replica.stats, replica.mountpath);
}

/**
 * Reads an object (or an inclusive byte range of it). Corruption is never served as success: a
 * small object fails before anything is returned; a large one's body fails before its last chunk. A range
 * of a large object is served without whole-object verification (that would mean reading all of
 * it for a few bytes); its bytes are checked only when the whole object is read. With
 * `verifyBeforeSend`, a large object is read and checked once before its body is returned, so that
 * corruption fails the read up front (where a copy or EC slices can still replace it).
 */
export async function getObject(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  requested?: ByteRange | RangeResolver,
  options: ReadOptions = {},
): Promise<ObjectReadResult> {
  const type = options.contentType ?? 'ob';
  const replica = await openObject(context, bucket, name, type, options.versionId);
  const { handle, metadata, stats } = replica;
  const object = toStoredObject(bucket, name, metadata, stats, replica.mountpath);
  let range: ByteRange | undefined;
  let streaming = false;
  try {
    // A Range header is resolved against the size read here: one open serves the whole request.
    range = typeof requested === 'function' ? requested(metadata.size) : requested;
    if (metadata.chunks !== undefined) {
      await handle.close();
      streaming = true;
      const body = await openChunks(context, bucket, metadata.chunks, replica, range);
      return { object, body, ...(range === undefined ? {} : { range }) };
    }
    // A file longer or shorter than its record is corrupt whatever its bytes hash to.
    if (stats.size !== BigInt(metadata.size)) {
      const problem = { type: 'size', stored: String(metadata.size), computed: String(stats.size) };
      throw await corrupted(context, bucket, name, replica, problem, type);
    }
    if (metadata.size <= context.options.verifyInMemoryMaxBytes) {
      const { data, pooled } = await unlessUnreadable(context, replica, () =>
        readVerified(context, bucket, name, replica, type),
      );
      const bytes = range === undefined ? data : data.subarray(range.start, range.end + 1);
      const source = {
        kind: 'memory',
        data: bytes,
        ...(pooled === undefined ? {} : { pooled }),
      } as const;
      return {
        object,
        body: new ObjectBody(source, context.buffers),
        ...(range === undefined ? {} : { range }),
      };
    }
    const checked = options.verifyBeforeSend === true && range === undefined;
    if (checked) {
      const problem = await unlessUnreadable(context, replica, () =>
        checkReplica(context, replica),
      );
      if (problem !== undefined)
        throw await corrupted(context, bucket, name, replica, problem, type);
    }
    streaming = true;
    const body = new ObjectBody(
      {
        kind: 'file',
        handle,
        start: range?.start ?? 0,
        end: range?.end ?? metadata.size - 1,
        // Checked already: the descriptor pins that inode, so the send need not hash it again.
        verify:
          range === undefined && !checked
            ? { checksum: metadata.checksum, size: metadata.size }
            : undefined,
        onCorrupt: (problem) => corrupted(context, bucket, name, replica, problem, type),
        onReadError: (error) => context.faults.report(error, replica.mountpath.path),
      },
      context.buffers,
    );
    return { object, body, ...(range === undefined ? {} : { range }) };
  } finally {
    // From the moment a body exists it owns the descriptor and closes it when consumed or discarded.
    if (!streaming) await handle.close();
  }
}

/**
 * Runs a read of the replica's bytes; a disk fault is reported and becomes `objectUnreadable`. The
 * replica stays where it is: a repair that has an intact copy quarantines it, nothing else should.
 */
async function unlessUnreadable<T>(
  context: StoreContext,
  replica: OpenReplica,
  read: () => Promise<T>,
): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (!isDiskFault(error)) throw error;
    context.faults.report(error, replica.mountpath.path);
    throw objectUnreadable(`${replica.location.path}`, { cause: error });
  }
}

/** The body of a chunked object: its manifest's chunks, in order (a missing manifest is corruption). */
async function openChunks(
  context: StoreContext,
  bucket: BucketJson,
  chunks: string,
  replica: OpenReplica,
  range: ByteRange | undefined,
): Promise<ChunkedBody> {
  const located = await findManifest(context, bucket, chunks, replica.mountpath);
  if (located === undefined || located.manifest.state !== 'complete') {
    throw objectMetadataCorrupted(replica.location.path, `chunk manifest ${chunks} is missing`);
  }
  const { manifest, mountpath } = located;
  return new ChunkedBody(
    context.disk,
    mountpath.path,
    bucket,
    chunks,
    manifest.chunks,
    range,
    context.buffers,
  );
}

/**
 * Objects above this size are read whole into a pooled buffer (when one is large enough) rather
 * than a fresh one: a megabyte allocated per GET kept the garbage collector busy for an eighth of
 * the target's time. Smaller ones come from Node's cheap slab allocator.
 */
const pooledReadMinBytes = 64 * 1024;

/** Reads a small object whole and checks it before anything is served. */
async function readVerified(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  replica: OpenReplica,
  type: StoredContentType,
): Promise<{ data: Buffer; pooled: Buffer | undefined }> {
  const { metadata } = replica;
  const usePool =
    metadata.size > pooledReadMinBytes && metadata.size <= context.buffers.bufferBytes;
  const pooled = usePool ? context.buffers.acquire() : undefined;
  const data = await readWhole(replica.handle, metadata.size, pooled);
  const hasher = createHasher(metadata.checksum.type);
  hasher.update(data);
  const problem = checkContent(metadata.checksum, metadata.size, hasher, data.length);
  if (problem !== undefined) {
    if (pooled !== undefined) context.buffers.release(pooled);
    throw await corrupted(context, bucket, name, replica, problem, type);
  }
  return { data, pooled };
}

/** Reads a replica through pooled buffers and checks it; `undefined` when it is intact. */
export async function checkReplica(
  context: StoreContext,
  replica: Pick<OpenReplica, 'handle' | 'metadata'>,
): Promise<ChecksumProblem | undefined> {
  const { metadata, handle } = replica;
  const hasher = createHasher(metadata.checksum.type);
  const buffer = context.buffers.acquire();
  let position = 0;
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) break;
      hasher.update(buffer.subarray(0, bytesRead));
      position += bytesRead;
    }
  } finally {
    context.buffers.release(buffer);
  }
  return checkContent(metadata.checksum, metadata.size, hasher, position);
}

/**
 * Quarantines the replica (if its path still names the inode that failed) under the write lock,
 * and returns the error to report. A failed quarantine does not hide the corruption.
 */
async function corrupted(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  replica: OpenReplica,
  problem: ChecksumProblem,
  type: StoredContentType,
): Promise<Error> {
  const identity = { dev: replica.stats.dev, ino: replica.stats.ino };
  try {
    await context.locks.withWriteLock(lockKeyOf(bucket, name, type), () =>
      quarantineReplica(
        context.disk,
        replica.mountpath.path,
        replica.location.path,
        identity,
        context.clock.nowMs(),
      ),
    );
  } catch {
    // Reported through the corruption error below; the next read will retry the quarantine.
  }
  const where = `${describeObject(bucket, name)} on ${replica.mountpath.path}`;
  return objectCorrupted(problem.type, problem.stored, problem.computed, where);
}
