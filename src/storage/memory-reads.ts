// Small objects' bytes in memory: the pooled buffers a one-job read fills (leases), the bodies
// made of them, and the content cache (meta/content-cache.ts), from which a hot object's GET is
// answered without a thread-pool job (a whole verified read of one keeps a copy; a range read
// alone for a file in a shard keeps that range), and a GetBatch's item or an `archpath` read with
// no promise either (`getCachedObject`). The file behind a cached entry is checked by a
// stat started in the background at most once per half the cache's interval; bytes not confirmed
// within the interval wait for a stat (`cachedOrConfirmed`), not a read and a hash.
import { cipherSizeOf } from './encryption/packages.js';
import { ObjectBody, type BodySource } from './io/index.js';
import { replicaPaths, validateObjectName, type ReplicaPath } from './layout/index.js';
import { contentCheckOf, startContentCheck } from './meta/index.js';
import type { Mountpath } from './mountpath/index.js';
import type { ReadReplica } from './replica-lookup.js';
import {
  mountpathsFor,
  smallReadBytes,
  toStoredObject,
  unameOf,
  type StoreContext,
} from './store-context.js';
import type { ByteRange, ObjectReadResult, RangeResolver } from './store-types.js';
import type { BucketJson } from '../wire/index.js';
import { invariant } from '../util/assert.js';

/**
 * The replica of `name` at `location` from the content cache (its bytes in `content`, verified
 * when kept, owned by the cache: never to be changed), or undefined when it is not kept or not
 * confirmed within the interval (the caller reads the file as usual). With `range`, only that
 * range's bytes, kept by a read of that range alone (`keepRange`; checked, not verified, as such
 * a read from disk is).
 */
export function cachedReplica(
  context: StoreContext,
  location: ReplicaPath,
  mountpath: Mountpath,
  name: string,
  range?: ByteRange,
): ReadReplica | undefined {
  const { metadataCache } = context;
  const nowMs = context.clock.nowMs();
  const hit =
    range === undefined
      ? metadataCache.cachedContent(location.path, nowMs)
      : metadataCache.cachedRange(location.path, range.start, range.end, nowMs);
  if (hit === undefined) return undefined;
  const { content, check } = hit;
  if (check !== undefined) void startContentCheck(context.disk, metadataCache, check);
  const { metadata } = content.record;
  // A hashed file's name is in its metadata (as a read from disk checks).
  if (location.hashed && metadata.name !== name) return undefined;
  const { stats, data } = content;
  return { stats, metadata, mountpath, location, content: data, readError: undefined };
}

/**
 * As `cachedReplica`; and when the bytes are kept but not confirmed within the interval (their
 * file's last stat or read is older: hits spaced by the interval or more, as a loader's between
 * epochs or any reader on a loaded machine), the replica once one stat confirms the file
 * unchanged (`confirmation`): a promise, settled with undefined when the stat found the file
 * changed, gone or a link (its bytes are dropped), or it took so long that the bytes are still not
 * confirmed within the interval. Where a read of the file and a hash of its bytes was.
 */
export function cachedOrConfirmed(
  context: StoreContext,
  location: ReplicaPath,
  mountpath: Mountpath,
  name: string,
  range?: ByteRange,
): ReadReplica | Promise<ReadReplica | undefined> | undefined {
  const hit = cachedReplica(context, location, mountpath, name, range);
  if (hit !== undefined) return hit;
  const confirming = confirmation(context, location.path, range);
  if (confirming === undefined) return undefined;
  return confirming.then(() => cachedReplica(context, location, mountpath, name, range));
}

/**
 * The stat confirming the bytes kept of the file at `path` (the whole object, or `range` read
 * alone) that are not confirmed within the interval: started now, or the one in flight; undefined
 * when none is needed (nothing kept, or the bytes are served as they are).
 */
function confirmation(
  context: StoreContext,
  path: string,
  range: ByteRange | undefined,
): Promise<void> | undefined {
  const { metadataCache } = context;
  const nowMs = context.clock.nowMs();
  const due = metadataCache.contentConfirmation(path, nowMs, range?.start, range?.end);
  if (due === undefined) return undefined;
  if (due.check === undefined) return contentCheckOf(due.entry);
  return startContentCheck(context.disk, metadataCache, due.check);
}

/**
 * Keeps the bytes of `replica` (the whole object, read in one job started at `readAtMs` and just
 * verified against its record) in the content cache when they fit. A chunked object's file holds
 * no content.
 */
export function keepContent(
  context: StoreContext,
  replica: ReadReplica,
  data: Buffer,
  readAtMs: number,
): void {
  const { metadataCache } = context;
  const { metadata, stats, location } = replica;
  if (metadata.chunks !== undefined || !metadataCache.content.fits(data.length)) return;
  metadataCache.keepContent(location.path, metadata, stats, data, readAtMs);
}

/**
 * Keeps the bytes of `range` of `replica` (read alone in one job started at `readAtMs`, and
 * checked as a range read is: the file as long as its record, every byte read) in the content
 * cache when they fit: a client's read of a file in a shard, likely read again (a loader's next
 * epoch). They are what a read of that range from the file would serve while the file keeps its
 * identity: the cache serves them only while it does (confirmed as a whole object is).
 */
export function keepRange(
  context: StoreContext,
  replica: ReadReplica,
  range: ByteRange,
  data: Buffer,
  readAtMs: number,
): void {
  const { metadataCache } = context;
  const { metadata, stats, location } = replica;
  if (metadata.chunks !== undefined || !metadataCache.content.fitsRange(data.length)) return;
  invariant(data.length === range.end - range.start + 1, 'a range kept short');
  metadataCache.keepRange(location.path, metadata, stats, range.start, data, readAtMs);
}

/**
 * The longest replica read whole and verified in memory: `verifyInMemoryMaxBytes` of content, so
 * an encrypted object of that size (stored with its packages' headers and tags) is read whole too.
 */
export function wholeReadMaxBytes(context: StoreContext): number {
  return cipherSizeOf(context.options.verifyInMemoryMaxBytes);
}

/** A read buffer taken from a pool (or allocated), returned once (later calls do nothing). */
export interface Lease {
  /** At most `wholeReadMaxBytes` long: the one-job read reads no longer file. */
  readonly buffer: Buffer;
  readonly release: () => void;
}

/**
 * A buffer for an object of `sizeBytes`: a small pooled one, one of the GET path's pooled
 * `readChunkBytes` buffers, or a fresh one when the object is larger than those.
 */
export function leaseFor(context: StoreContext, sizeBytes: number): Lease {
  const pool =
    sizeBytes <= smallReadBytes
      ? context.smallBuffers
      : sizeBytes <= context.buffers.bufferBytes
        ? context.buffers
        : undefined;
  const whole = pool?.acquire() ?? Buffer.allocUnsafe(sizeBytes);
  let released = false;
  return {
    buffer: whole.subarray(0, Math.min(whole.length, wholeReadMaxBytes(context))),
    release: () => {
      if (released) return;
      released = true;
      pool?.release(whole);
    },
  };
}

/** A body of bytes in memory; the lease their buffer came from goes back once they are sent. */
export function memoryBody(
  context: StoreContext,
  data: Buffer,
  lease: Lease | undefined,
): ObjectBody {
  // Literals, not spreads of optional parts.
  const source: BodySource =
    lease === undefined
      ? { kind: 'memory', data }
      : { kind: 'memory', data, release: lease.release };
  return new ObjectBody(source, context.buffers);
}

/**
 * A body of the content cache's bytes: read-only (a consumer that changes bytes gets a copy) and
 * never released (the cache owns them). A content hit makes one per GET.
 */
export function cachedBody(context: StoreContext, data: Buffer): ObjectBody {
  return new ObjectBody({ kind: 'memory', data, readOnly: true }, context.buffers);
}

/**
 * Serves a replica from the content cache (`cachedReplica`): its bytes were verified when kept, and
 * a chunked object's never are. Synchronous: `getCachedObject` serves a hit with no promise.
 */
export function servedFromCache(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  replica: ReadReplica,
  requested: ByteRange | RangeResolver | undefined,
): ObjectReadResult {
  const { metadata, stats, content } = replica;
  invariant(content !== undefined && metadata.chunks === undefined, 'a content hit without bytes');
  const object = toStoredObject(bucket, name, metadata, stats, replica.mountpath);
  const range = typeof requested === 'function' ? requested(metadata.size) : requested;
  if (range === undefined) return { object, body: cachedBody(context, content) };
  const bytes = content.subarray(range.start, range.end + 1);
  return { object, body: cachedBody(context, bytes), range };
}

/**
 * The latest object (or a range of it) from the content cache, at once (no promise), when
 * `getObject` would answer it from there now: its name's read lock free to take (no writer holds
 * or waits for it, so nothing can change the file before this returns, as under that lock) and its
 * first candidate replica (home mountpath, natural path: what `searchReplicas` looks at first) a
 * confirmed hit (`cachedReplica`, with its background check): the whole object (a range sliced
 * from it), or else the range itself (kept by a read of it alone: a file in a shard). Undefined
 * otherwise: the caller reads it with `getObject`, which also meets any error (a bad name, a miss,
 * a range the object cannot satisfy) the usual way. For reads of many small objects in a row (a
 * GetBatch's items, a loader's files in shards), where each `getObject` of a hit is a dozen async
 * frames and their promises.
 */
export function getCachedObject(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  requested?: ByteRange | RangeResolver,
): ObjectReadResult | undefined {
  const uname = unameOf(bucket, name);
  // An object's lock key is its uname (`lockKeyOf` with 'ob').
  if (!context.locks.readableNow(uname)) return undefined;
  const spot = firstReplica(context, bucket, name, uname);
  if (spot === undefined) return undefined;
  const { mountpath, location } = spot;
  const whole = cachedReplica(context, location, mountpath, name);
  // Kept but not confirmed within the interval: its stat starts now (with the other items' of a
  // GetBatch's window, in a few jobs), and `getObject` serves it once the stat confirms it.
  if (whole === undefined) void confirmation(context, location.path, undefined);
  if (whole === undefined && requested === undefined) return undefined;
  // The range against the size the cached record says: a hit below is of that same record.
  const size = whole?.metadata.size ?? context.metadataCache.peek(location.path)?.metadata.size;
  if (size === undefined) return undefined;
  const range = resolvedRange(requested, size);
  if (range === 'refused') return undefined; // `getObject` refuses it the usual way.
  if (whole !== undefined) return servedFromCache(context, bucket, name, whole, range);
  if (range === undefined) return undefined;
  const replica = cachedReplica(context, location, mountpath, name, range);
  if (replica === undefined) void confirmation(context, location.path, range);
  if (replica?.content === undefined) return undefined;
  const object = toStoredObject(bucket, name, replica.metadata, replica.stats, mountpath);
  return { object, body: cachedBody(context, replica.content), range };
}

/**
 * The stat confirming the latest object's whole bytes (or those kept of `range` alone), kept for
 * its first candidate replica but not confirmed within the interval (`getCachedObject` started
 * it): once it settles, `getCachedObject` answers if the file was unchanged. Undefined when there
 * is none to wait for.
 */
export function cachedConfirmation(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  range?: ByteRange,
): Promise<void> | undefined {
  const spot = firstReplica(context, bucket, name, unameOf(bucket, name));
  return spot === undefined ? undefined : confirmation(context, spot.location.path, range);
}

/** Where an object's first candidate replica is: its home mountpath, its natural (or hashed) path. */
interface FirstReplica {
  /** The mountpath list it was found for (the volume replaces its frozen list on every change). */
  readonly mountpaths: readonly Mountpath[];
  readonly mountpath: Mountpath;
  readonly location: ReplicaPath;
}

/**
 * `firstReplica`'s answers by uname, for the objects asked for lately, per store. A content hit's
 * name was validated, its home found by HRW and its path built (`replicaPaths`: the name split and
 * measured twice, two regular expressions, a generator, a new path string, which the metadata and
 * content caches' maps then hash anew) for every item of every GetBatch: 5-10% of a peer's busy
 * time (docs/profiling.md, GetBatch). Kept only for a frozen mountpath list and dropped whole at
 * `firstReplicasMax` (a few MiB).
 */
const firstReplicas = new WeakMap<StoreContext, Map<string, FirstReplica>>();
const firstReplicasMax = 16_384;

/**
 * The first candidate replica of `name` (`uname`): what `searchReplicas` looks at first; undefined
 * for a name `getObject` refuses, or no enabled mountpath.
 */
function firstReplica(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  uname: string,
): FirstReplica | undefined {
  const { mountpaths } = context;
  let known = firstReplicas.get(context);
  const kept = known?.get(uname);
  if (kept !== undefined && kept.mountpaths === mountpaths) return kept;
  try {
    validateObjectName(name);
  } catch {
    return undefined; // `getObject` refuses it.
  }
  const [mountpath] = mountpathsFor(context, uname);
  if (mountpath === undefined) return undefined;
  const first = replicaPaths(mountpath.path, bucket, name, 'ob').next();
  if (first.done === true) return undefined;
  const found = { mountpaths, mountpath, location: first.value };
  if (!Object.isFrozen(mountpaths)) return found;
  if (known === undefined || known.size >= firstReplicasMax) {
    known = new Map();
    firstReplicas.set(context, known);
  }
  known.set(uname, found);
  return found;
}

/** `requested` against `size`: 'refused' when the resolver throws (a range it cannot satisfy). */
function resolvedRange(
  requested: ByteRange | RangeResolver | undefined,
  size: number,
): ByteRange | undefined | 'refused' {
  if (typeof requested !== 'function') return requested;
  try {
    return requested(size);
  } catch {
    return 'refused';
  }
}
