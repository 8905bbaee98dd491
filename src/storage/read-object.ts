// HEAD and GET: locate the replica under the read lock, then serve it verified. Small objects are
// read whole and checked before the first byte is returned; larger ones are checked as they stream.
import { createHasher } from '../checksum/index.js';
import {
  objectCorrupted,
  objectMetadataCorrupted,
  objectNotFound,
  StoreError,
} from '../errors/index.js';
import { ChunkedBody } from './multipart/chunked-body.js';
import { findManifest } from './multipart/chunk-sets.js';
import type { BucketJson } from '../wire/index.js';
import {
  checkContent,
  ObjectBody,
  quarantineReplica,
  readWhole,
  type ChecksumProblem,
} from './io/index.js';
import { validateObjectName } from './layout/index.js';
import type { OpenReplica } from './replica-lookup.js';
import { findVersion } from './versions/version-files.js';
import { describeObject, toStoredObject, unameOf, type StoreContext } from './store-context.js';
import type { ByteRange, ObjectReadResult, StoredObject } from './store-types.js';

/**
 * Opens the replica (of the latest version, or of version `versionId`: the current object when it
 * has that ID, else a kept one) holding only the read lock: the descriptor keeps its inode after
 * release.
 */
async function openObject(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  versionId: string | undefined,
): Promise<OpenReplica> {
  validateObjectName(name);
  const replica = await context.locks.withReadLock(unameOf(bucket, name), () =>
    findVersion(context, bucket, name, versionId),
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
  versionId?: string,
): Promise<StoredObject> {
  const replica = await openObject(context, bucket, name, versionId);
  await replica.handle.close();
  return toStoredObject(bucket, name, replica.metadata, replica.stats, replica.mountpath);
}

/**
 * Reads an object (or an inclusive byte range of it). Corruption is never served as success: a
 * small object fails before anything is returned; a large one's body fails before its last chunk. A range
 * of a large object is served without whole-object verification (that would mean reading all of
 * it for a few bytes); its bytes are checked only when the whole object is read.
 */
export async function getObject(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  range?: ByteRange,
  versionId?: string,
): Promise<ObjectReadResult> {
  const replica = await openObject(context, bucket, name, versionId);
  const { handle, metadata, stats } = replica;
  const object = toStoredObject(bucket, name, metadata, stats, replica.mountpath);
  if (metadata.chunks !== undefined) {
    await handle.close();
    return { object, body: await openChunks(context, bucket, metadata.chunks, replica, range) };
  }
  let streaming = false;
  try {
    // A file longer or shorter than its record is corrupt whatever its bytes hash to.
    if (stats.size !== BigInt(metadata.size)) {
      const problem = { type: 'size', stored: String(metadata.size), computed: String(stats.size) };
      throw await corrupted(context, bucket, name, replica, problem);
    }
    if (metadata.size <= context.options.verifyInMemoryMaxBytes) {
      const data = await readVerified(context, bucket, name, replica);
      const bytes = range === undefined ? data : data.subarray(range.start, range.end + 1);
      return { object, body: new ObjectBody({ kind: 'memory', data: bytes }, context.buffers) };
    }
    streaming = true;
    const body = new ObjectBody(
      {
        kind: 'file',
        handle,
        start: range?.start ?? 0,
        end: range?.end ?? metadata.size - 1,
        verify:
          range === undefined ? { checksum: metadata.checksum, size: metadata.size } : undefined,
        onCorrupt: (problem) => corrupted(context, bucket, name, replica, problem),
      },
      context.buffers,
    );
    return { object, body };
  } finally {
    // From the moment a body exists it owns the descriptor and closes it when consumed or discarded.
    if (!streaming) await handle.close();
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
  return new ChunkedBody(mountpath.path, bucket, chunks, manifest.chunks, range, context.buffers);
}

/** Reads a small object whole and checks it before anything is served. */
async function readVerified(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  replica: OpenReplica,
): Promise<Buffer> {
  const { metadata } = replica;
  const data = await readWhole(replica.handle, metadata.size);
  const hasher = createHasher(metadata.checksum.type);
  hasher.update(data);
  const problem = checkContent(metadata.checksum, metadata.size, hasher, data.length);
  if (problem !== undefined) throw await corrupted(context, bucket, name, replica, problem);
  return data;
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
): Promise<Error> {
  const identity = { dev: replica.stats.dev, ino: replica.stats.ino };
  try {
    await context.locks.withWriteLock(unameOf(bucket, name), () =>
      quarantineReplica(replica.mountpath.path, replica.location.path, identity, Date.now()),
    );
  } catch {
    // Reported through the corruption error below; the next read will retry the quarantine.
  }
  const where = `${describeObject(bucket, name)} on ${replica.mountpath.path}`;
  return objectCorrupted(problem.type, problem.stored, problem.computed, where);
}
