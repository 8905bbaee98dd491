// Small objects' bytes in memory: the pooled buffers a one-job read fills (leases), the bodies
// made of them, and the content cache (meta/content-cache.ts), from which a hot object's GET is
// answered without a thread-pool job (a whole verified read of one keeps a copy), and a GetBatch's
// item with no promise either (`getCachedObject`). The file behind a cached entry is checked by a
// stat started in the background (never on a request's path), at most once per half the cache's
// interval.
import { cipherSizeOf } from './encryption/packages.js';
import { ObjectBody } from './io/index.js';
import { replicaPaths, validateObjectName, type ReplicaPath } from './layout/index.js';
import { startContentCheck } from './meta/index.js';
import type { Mountpath } from './mountpath/index.js';
import type { ReadReplica } from './replica-lookup.js';
import {
  lockKeyOf,
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
 * confirmed within the interval (the caller reads the file as usual).
 */
export function cachedReplica(
  context: StoreContext,
  location: ReplicaPath,
  mountpath: Mountpath,
  name: string,
): ReadReplica | undefined {
  const { metadataCache } = context;
  const hit = metadataCache.cachedContent(location.path, context.clock.nowMs());
  if (hit === undefined) return undefined;
  const { content, check } = hit;
  if (check !== undefined) startContentCheck(context.disk, metadataCache, check);
  const { metadata } = content.record;
  // A hashed file's name is in its metadata (as a read from disk checks).
  if (location.hashed && metadata.name !== name) return undefined;
  const { stats, data } = content;
  return { stats, metadata, mountpath, location, content: data, readError: undefined };
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

/**
 * A body of bytes in memory; the lease their buffer came from goes back once they are sent. The
 * content cache's bytes (`cached`) are read-only: a consumer that changes bytes gets a copy.
 */
export function memoryBody(
  context: StoreContext,
  data: Buffer,
  lease: Lease | undefined,
  cached = false,
): ObjectBody {
  const release = lease === undefined ? {} : { release: lease.release };
  const shared = cached ? { readOnly: true } : {};
  return new ObjectBody({ kind: 'memory', data, ...release, ...shared }, context.buffers);
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
  if (range === undefined) return { object, body: memoryBody(context, content, undefined, true) };
  const bytes = content.subarray(range.start, range.end + 1);
  return { object, body: memoryBody(context, bytes, undefined, true), range };
}

/**
 * The whole latest object from the content cache, at once (no promise), when `getObject` would
 * answer it from there now: its name's read lock free to take (no writer holds or waits for it,
 * so nothing can change the file before this returns, as under that lock) and its first
 * candidate replica (home mountpath, natural path: what `searchReplicas` looks at first) a
 * confirmed hit (`cachedReplica`, with its background check). Undefined otherwise: the caller
 * reads it with `getObject`, which also meets any error (a bad name, a miss) the usual way. For
 * reads of many small objects in a row (a GetBatch's items), where each `getObject` of a hit is
 * a dozen async frames and their promises.
 */
export function getCachedObject(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
): ObjectReadResult | undefined {
  try {
    validateObjectName(name);
  } catch {
    return undefined; // `getObject` refuses it.
  }
  if (!context.locks.readableNow(lockKeyOf(bucket, name, 'ob'))) return undefined;
  const [mountpath] = mountpathsFor(context, unameOf(bucket, name));
  if (mountpath === undefined) return undefined;
  const first = replicaPaths(mountpath.path, bucket, name, 'ob').next();
  if (first.done === true) return undefined;
  const replica = cachedReplica(context, first.value, mountpath, name);
  if (replica === undefined) return undefined;
  return servedFromCache(context, bucket, name, replica, undefined);
}
