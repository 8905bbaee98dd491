// HEAD and GET: locate the replica under the read lock, then serve it verified. Small objects are
// read whole and checked before the first byte is returned: the latest version in one thread-pool
// job (open, stat, record, bytes, close; see replica-lookup's `readReplica`). Larger ones are
// opened and checked as they stream; a small range of one (a file inside a shard) is read in one
// job too, unverified as any range of a large object is (and, for an `archpath` read, kept in the
// content cache to serve that range again). A disk fault while reading fails the read as
// unreadable (recovery may restore the object).
import { createHasher } from '../../checksum/index.js';
import {
  objectMetadataCorrupted,
  objectNotFound,
  objectUnreadable,
  StoreError,
} from '../../errors/index.js';
import { ChunkedBody } from '../multipart/chunked-body.js';
import { findManifest } from '../multipart/chunk-sets.js';
import { invariant } from '../../util/assert.js';
import type { BucketJson } from '../../wire/index.js';
import {
  checkBytes,
  checkContent,
  isDiskFault,
  ObjectBody,
  readWhole,
  type ChecksumProblem,
} from '../io/index.js';
import { validateObjectName, type ReplicaPath, type StoredContentType } from '../layout/index.js';
import type { Mountpath } from '../mountpath/index.js';
import {
  openReplica,
  readReplica,
  searchReplicas,
  type OpenReplica,
  type ReadReplica,
  type ReplicaFile,
} from '../replica-lookup.js';
import { openVersionFile, versionIdOf } from '../versions/version-files.js';
import {
  cachedBody,
  cachedOrConfirmed,
  keepContent,
  keepRange,
  leaseFor,
  memoryBody,
  servedFromCache,
  wholeReadMaxBytes,
  type Lease,
} from '../memory-reads.js';
import { lockKeyOf, toStoredObject, type StoreContext } from '../store-context.js';
import { corrupted } from './corrupt-replicas.js';
import type {
  ByteRange,
  ObjectReadResult,
  RangeResolver,
  ReadOptions,
  StoredObject,
} from '../store-types.js';

/**
 * A replica found under the read lock: read in one job already (its content the whole object, or
 * only `range` of it), or open (to stream from).
 */
type Located = ReadLocated | { kind: 'open'; replica: OpenReplica };

interface ReadLocated {
  kind: 'read';
  replica: ReadReplica;
  lease: Lease | undefined;
  range?: ByteRange;
  /** From the content cache: verified when kept, in memory the cache owns. */
  cached?: true;
  /** A read from the file: when its job started (the bytes may enter the content cache). */
  readAtMs?: number;
}

/** What a read needs of each replica it looks at: the record only, or the bytes too. */
type Wanted = 'record' | 'content';

/**
 * Finds the replica (of the latest version, or of version `versionId`: the current object when it
 * has that ID, else a kept one, which is opened) holding only the read lock: an open descriptor
 * keeps its inode after release.
 */
async function locateObject(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  type: StoredContentType,
  versionId: string | undefined,
  wanted: Wanted,
  requested?: ByteRange | RangeResolver,
): Promise<Located> {
  validateObjectName(name);
  const probe = (location: ReplicaPath, mountpath: Mountpath): Promise<Located | undefined> =>
    wanted === 'content'
      ? readOrOpen(context, location, mountpath, bucket, name, requested)
      : readRecord(context, location, mountpath, bucket, name);
  const search = (): Promise<Located | undefined> =>
    searchReplicas(context, bucket, name, type, undefined, probe);
  // Versions exist for objects only; EC slices and metafiles have one file each. The latest is
  // the search itself, with no async step of its own around it (one per read).
  const find =
    versionId === undefined || type !== 'ob'
      ? search
      : () => findVersion(context, bucket, name, versionId, search);
  const located = await context.locks.withReadLock(lockKeyOf(bucket, name, type), find);
  if (located !== undefined) return located;
  if (versionId === undefined) throw objectNotFound(context.nodeId, bucket, name);
  throw new StoreError('NoSuchVersion', 'The specified version does not exist.');
}

/** Version `versionId`: the latest replica when it has that ID, else the kept version, opened. */
async function findVersion(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  versionId: string,
  search: () => Promise<Located | undefined>,
): Promise<Located | undefined> {
  const current = await search();
  if (current !== undefined && versionIdOf(current.replica.metadata) === versionId) return current;
  if (current !== undefined) await release(current);
  const kept = await openVersionFile(context, bucket, name, versionId);
  return kept === undefined ? undefined : ({ kind: 'open', replica: kept } as const);
}

async function readRecord(
  context: StoreContext,
  location: ReplicaPath,
  mountpath: Mountpath,
  bucket: BucketJson,
  name: string,
): Promise<Located | undefined> {
  const replica = await readReplica(context, location, mountpath, bucket, name, undefined);
  return replica === undefined ? undefined : { kind: 'read', replica, lease: undefined };
}

/**
 * Reads the replica at `location` whole when it is small enough to verify in memory, else opens
 * it. The buffer is chosen by the size the metadata cache last saw; a file longer than that is
 * read again into a buffer of its size (one more job, the record then comes from the cache). A
 * small range of a large replica the cache has seen is read alone, in one job (`readRange`).
 */
async function readOrOpen(
  context: StoreContext,
  location: ReplicaPath,
  mountpath: Mountpath,
  bucket: BucketJson,
  name: string,
  requested: ByteRange | RangeResolver | undefined,
): Promise<Located | undefined> {
  const found = cachedOrConfirmed(context, location, mountpath, name);
  const hit = found instanceof Promise ? await found : found;
  if (hit !== undefined) return { kind: 'read', replica: hit, lease: undefined, cached: true };
  const limit = wholeReadMaxBytes(context);
  const seen = context.metadataCache.peek(location.path)?.identity.size;
  let size = seen === undefined ? 0 : Number(seen);
  if (size > limit && requested !== undefined) {
    const ranged = await readRange(context, location, mountpath, bucket, name, requested, size);
    if (ranged !== 'unranged') return ranged;
  }
  for (let attempt = 0; attempt < 2 && size <= limit; attempt += 1) {
    const lease = leaseFor(context, size);
    const readAtMs = context.clock.nowMs();
    let replica: ReadReplica | undefined;
    try {
      replica = await readReplica(context, location, mountpath, bucket, name, lease.buffer);
    } catch (error) {
      lease.release();
      throw error;
    }
    if (replica === undefined) {
      lease.release();
      return undefined;
    }
    if (replica.content !== undefined || replica.readError !== undefined) {
      return { kind: 'read', replica, lease, readAtMs };
    }
    lease.release();
    size = Number(replica.stats.size);
  }
  const replica = await openReplica(context, location, mountpath, bucket, name);
  return replica === undefined ? undefined : { kind: 'open', replica };
}

/**
 * `requested` of the replica at `location` in one job (open, fstat, the record unless the
 * metadata cache holds it for that same file, the range's bytes, close), when the range resolved
 * against `seenSize` (the file's size when last read) is at most `wholeReadMaxBytes` and the
 * replica read is still that large, unchunked object (its range then is the same); 'unranged'
 * when not (the caller reads it as usual). What a file inside a shard costs, where opening the
 * shard and streaming the range took four jobs and a stream; none when an `archpath` read of
 * that range kept it in the content cache (confirmed as any hit).
 */
async function readRange(
  context: StoreContext,
  location: ReplicaPath,
  mountpath: Mountpath,
  bucket: BucketJson,
  name: string,
  requested: ByteRange | RangeResolver,
  seenSize: number,
): Promise<Located | undefined | 'unranged'> {
  let range: ByteRange | undefined;
  try {
    range = typeof requested === 'function' ? requested(seenSize) : requested;
  } catch {
    return 'unranged'; // Out of bounds of the size seen: resolved against the one read, as usual.
  }
  if (range === undefined || range.end - range.start + 1 > wholeReadMaxBytes(context))
    return 'unranged';
  // Kept by a read of this very range of this same file (the record's), confirmed as any hit.
  const found = cachedOrConfirmed(context, location, mountpath, name, range);
  const hit = found instanceof Promise ? await found : found;
  if (hit !== undefined)
    return { kind: 'read', replica: hit, lease: undefined, range, cached: true };
  const length = range.end - range.start + 1;
  const lease = leaseFor(context, length);
  const readAtMs = context.clock.nowMs();
  let replica: ReadReplica | undefined;
  try {
    const buffer = lease.buffer.subarray(0, length);
    replica = await readReplica(context, location, mountpath, bucket, name, buffer, range.start);
  } catch (error) {
    lease.release();
    throw error;
  }
  if (replica === undefined) lease.release();
  if (replica === undefined) return undefined;
  const { metadata } = replica;
  if (metadata.size === seenSize && metadata.chunks === undefined) {
    return { kind: 'read', replica, lease, range, readAtMs };
  }
  lease.release();
  return 'unranged';
}

async function release(located: Located): Promise<void> {
  if (located.kind === 'open') await located.replica.handle.close();
  else located.lease?.release();
}

/** The object's metadata; `objectNotFound` when absent. Does not read or verify the data. */
export async function headObject(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  options: ReadOptions = {},
): Promise<StoredObject> {
  const type = options.contentType ?? 'ob';
  const located = await locateObject(context, bucket, name, type, options.versionId, 'record');
  await release(located);
  const { replica } = located;
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
  const { versionId } = options;
  const located = await locateObject(context, bucket, name, type, versionId, 'content', requested);
  if (located.kind === 'read' && located.range !== undefined) {
    const keep = options.keepRangeInMemory === true;
    return await serveRange(context, bucket, name, type, located, located.range, keep);
  }
  if (located.kind === 'read') {
    const keep = options.keepInMemory === true;
    return await serveRead(context, bucket, name, type, located, requested, keep);
  }
  return await serveOpen(context, bucket, name, type, located.replica, requested, options);
}

/**
 * Serves a replica read whole in one job, checked before anything is returned (then kept in the
 * content cache when it fits, for a client's GET), or a content-cache hit (checked when kept).
 */
async function serveRead(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  type: StoredContentType,
  located: ReadLocated,
  requested: ByteRange | RangeResolver | undefined,
  keepInMemory: boolean,
): Promise<ObjectReadResult> {
  const { replica, lease, cached = false, readAtMs } = located;
  if (cached) return servedFromCache(context, bucket, name, replica, requested);
  const { metadata, stats } = replica;
  const object = toStoredObject(bucket, name, metadata, stats, replica.mountpath);
  let handedOver = false;
  try {
    const range = typeof requested === 'function' ? requested(metadata.size) : requested;
    const ranged = range === undefined ? {} : { range };
    if (metadata.chunks !== undefined) {
      const body = await openChunks(context, bucket, metadata.chunks, replica, range);
      return { object, body, ...ranged };
    }
    // Checked without an await when all is well (each an async call and a resumption per read).
    if (!sizeAgrees(replica)) throw await sizeMismatch(context, bucket, name, replica, type);
    const data =
      replica.readError === undefined && replica.content !== undefined
        ? replica.content
        : await unlessUnreadable(context, replica, () => contentOf(replica));
    const problem = checkBytes(metadata.checksum, metadata.size, data);
    if (problem !== undefined) throw await corrupted(context, bucket, name, replica, problem, type);
    if (keepInMemory && readAtMs !== undefined) keepContent(context, replica, data, readAtMs);
    const bytes = range === undefined ? data : data.subarray(range.start, range.end + 1);
    handedOver = true;
    return { object, body: memoryBody(context, bytes, lease), ...ranged };
  } finally {
    if (!handedOver) lease?.release();
  }
}

/**
 * Serves a range read alone in one job (`readRange`): size-checked (the file against its record,
 * the bytes against the range) but not verified, as any range of a large object (docs/shards.md);
 * then kept in the content cache with `keepInMemory` (a file in a shard). Or that range from the
 * content cache, kept there by such a read of the same file.
 */
async function serveRange(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  type: StoredContentType,
  located: ReadLocated,
  range: ByteRange,
  keepInMemory: boolean,
): Promise<ObjectReadResult> {
  const { replica, lease, cached = false, readAtMs } = located;
  const { metadata, stats } = replica;
  if (cached) {
    invariant(replica.content !== undefined, 'a range hit without bytes');
    const object = toStoredObject(bucket, name, metadata, stats, replica.mountpath);
    return { object, body: cachedBody(context, replica.content), range };
  }
  let handedOver = false;
  try {
    // Bytes missing from the range mean the file shrank after its stat (an append in place
    // rewrote its tail: `corrupted` tells them apart).
    if (!sizeAgrees(replica)) throw await sizeMismatch(context, bucket, name, replica, type);
    const length = range.end - range.start + 1;
    const data = await unlessUnreadable(context, replica, () => contentOf(replica));
    if (data.length !== length) {
      const short = { type: 'size', stored: String(length), computed: String(data.length) };
      throw await corrupted(context, bucket, name, replica, short, type);
    }
    if (keepInMemory && readAtMs !== undefined) keepRange(context, replica, range, data, readAtMs);
    handedOver = true;
    const object = toStoredObject(bucket, name, metadata, stats, replica.mountpath);
    return { object, body: memoryBody(context, data, lease), range };
  } finally {
    if (!handedOver) lease?.release();
  }
}

/** The file is as long as its record says. */
function sizeAgrees(replica: ReplicaFile): boolean {
  return replica.stats.size === BigInt(replica.metadata.size);
}

/** A file longer or shorter than its record is corrupt: reported, quarantined (`corrupted`). */
async function sizeMismatch(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  replica: ReadReplica,
  type: StoredContentType,
): Promise<Error> {
  const { metadata, stats } = replica;
  const problem = { type: 'size', stored: String(metadata.size), computed: String(stats.size) };
  return await corrupted(context, bucket, name, replica, problem, type);
}

/** The bytes a one-job read got, or the error it met reading them. */
function contentOf(replica: ReadReplica): Promise<Buffer> {
  if (replica.readError !== undefined) return Promise.reject(replica.readError);
  invariant(replica.content !== undefined, 'a replica read whole without its bytes');
  return Promise.resolve(replica.content);
}

/** Serves an open replica: small ones (kept versions) read whole and checked, others streamed. */
async function serveOpen(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  type: StoredContentType,
  replica: OpenReplica,
  requested: ByteRange | RangeResolver | undefined,
  options: ReadOptions,
): Promise<ObjectReadResult> {
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
    if (metadata.size <= wholeReadMaxBytes(context)) {
      const { data, lease } = await unlessUnreadable(context, replica, () =>
        readVerified(context, bucket, name, replica, type),
      );
      const bytes = range === undefined ? data : data.subarray(range.start, range.end + 1);
      const source = { kind: 'memory', data: bytes, release: lease.release } as const;
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
  replica: ReplicaFile,
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
  replica: ReplicaFile,
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

/** Reads a small open object whole and checks it before anything is served. */
async function readVerified(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  replica: OpenReplica,
  type: StoredContentType,
): Promise<{ data: Buffer; lease: Lease }> {
  const { metadata } = replica;
  const lease = leaseFor(context, metadata.size);
  let data: Buffer;
  try {
    data = await readWhole(replica.handle, metadata.size, lease.buffer);
  } catch (error) {
    lease.release();
    throw error;
  }
  const problem = checkBytes(metadata.checksum, metadata.size, data);
  if (problem !== undefined) {
    lease.release();
    throw await corrupted(context, bucket, name, replica, problem, type);
  }
  return { data, lease };
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
