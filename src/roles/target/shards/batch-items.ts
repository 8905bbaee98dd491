// Opening one GetBatch item: a whole object, a byte range of it, or a file out of a shard (a range
// of that file), read from this target's store (the designated target's own items, and the items
// a designated target asks of this one: peer-parts.ts). The archive job also opens whole objects
// here, fetching one from its owner when that is another target. What opens is a size and an
// unread body.
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { readSmallBody } from '../../../api/common/body.js';
import type { BatchItem } from '../../../api/native/index.js';
import type { ArchiveBody } from '../../../archive/index.js';
import { StoreError, isStoreError } from '../../../errors/index.js';
import { peerError } from '../../../transport/index.js';
import { bucketQuery, Header, objectUname, Query, type BucketJson } from '../../../wire/index.js';
import type { NodeRuntime } from '../../common/node-runtime.js';
import { sameBucket } from '../../common/bucket-lookup.js';
import type { ObjectService } from '../objects/object-service.js';
import { peerObjectUrl } from '../objects/owner-writes.js';
import { refuseCiphertext } from '../objects/object-encryption.js';
import type { ObjectRead, ResolvedBucket } from '../objects/object-types.js';
import type { ShardIndexes } from './shard-indexes.js';
import type { BatchBudget } from './batch-budget.js';
import type { OpenedShards } from './object-archive-source.js';
import { readFromShard } from './shard-reads.js';

/**
 * An item ready to be archived: an unread body (read to its end or destroyed), or its bytes in
 * memory (a small object read whole, a peer's part read whole), handed on with no stream.
 */
export interface OpenedItem {
  size: number;
  body: ArchiveBody;
}

/** An item whose body is a stream (what jobs that gather objects read). */
export interface StreamedItem extends OpenedItem {
  body: Readable;
}

const maxErrorBytes = 64 * 1024;

/** Closes an item that will not be read (a peer's response errors as it is aborted). */
export function close(opened: OpenedItem): void {
  if (!isStreamed(opened)) return;
  opened.body.once('error', () => undefined);
  opened.body.destroy();
}

/**
 * A whole object as the chunks of an HTTP client's request body (see `ObjectBody.chunks`): read
 * here, its pooled buffer is reused once sent; from its owner, the owner's answer.
 */
export async function openWholeObjectChunks(
  runtime: NodeRuntime,
  shards: ShardAccess,
  bucket: BucketJson,
  name: string,
): Promise<{ size: number; body: AsyncIterable<Buffer> }> {
  const owner = runtime.store.clusterMap?.ownerOf(objectUname(bucket, name));
  if (owner !== undefined && owner.id !== runtime.id)
    return openWholeObject(runtime, shards, bucket, name);
  const { objects } = shards;
  const read = await objects.get({ bucket: objects.resolve(bucket), name }, undefined);
  const { body } = read;
  // A chunked (multipart) object streams its chunks' files: nothing pooled to hand back.
  const chunks = 'chunks' in body ? body.chunks(flushedAboveBytes) : body.toStream();
  return { size: read.object.size, body: chunks };
}

/** Chunks above a socket's write high-water mark (16 KiB) are flushed before the next is asked. */
const flushedAboveBytes = 64 * 1024;

/** Longest wait for a peer's answer, and between two chunks of it. */
const peerReadTimeoutMs = 60_000;

/** A whole object, read here or streamed from its owner (for jobs that gather objects). */
export async function openWholeObject(
  runtime: NodeRuntime,
  shards: ShardAccess,
  bucket: BucketJson,
  name: string,
): Promise<StreamedItem & { modifiedMs: number }> {
  const item = { bucket, name, archpath: '', start: 0, length: 0, opaque: undefined };
  return { ...(await openItem(runtime, shards, item)), modifiedMs: runtime.clock.nowMs() };
}

/** `bytes=...` for the item's range, undefined for all of it. */
export function rangeHeaderOf(item: BatchItem): string | undefined {
  if (item.start === 0 && item.length === 0) return undefined;
  return item.length === -1
    ? `bytes=${item.start}-`
    : `bytes=${item.start}-${item.start + item.length - 1}`;
}

/** What reading objects and files in shards on this target needs. */
export interface ShardAccess {
  objects: ObjectService;
  indexes: ShardIndexes;
  /** The target's GetBatch bytes in flight (`get_batch.max_inflight_bytes`). */
  budget: BatchBudget;
  /** A batch with `coloc` 2: each shard opened once for all its files in the batch. */
  reuse?: OpenedShards;
}

/** The item read here or, when another target owns it, fetched from that target alone. */
async function openItem(
  runtime: NodeRuntime,
  shards: ShardAccess,
  item: BatchItem,
): Promise<StreamedItem> {
  const owner = runtime.store.clusterMap?.ownerOf(objectUname(item.bucket, item.name));
  if (owner === undefined || owner.id === runtime.id) return openHere(shards, item);
  return sliceIfFile(item, await openRemote(runtime, item, owner.dataUrl));
}

/** The item read from this target's store, as a stream. */
async function openHere(shards: ShardAccess, item: BatchItem): Promise<StreamedItem> {
  // Not `inMemory`: a stream.
  return sliceIfFile(item, (await openLocal(shards, item, false)) as StreamedItem);
}

/**
 * A GetBatch's item read from this target's store (its own items, and those a peer asks for): a
 * small object read whole comes as its bytes (no stream: a thousand a batch). A whole object the
 * content cache answers now is opened at once, with no promise (`ObjectService.getCached`); any
 * other item (a range, a file in a shard, a miss, a remote bucket's object...) the usual way. A
 * failure may be thrown at once too (an unknown bucket, an encrypted object).
 */
export function openBatchItemHere(
  shards: ShardAccess,
  item: BatchItem,
): OpenedItem | Promise<OpenedItem> {
  if (item.archpath === '' && rangeHeaderOf(item) === undefined) {
    const { objects } = shards;
    const target = { bucket: resolvedInTurn(objects, item.bucket), name: item.name };
    const read = objects.getCached(target);
    if (read !== undefined) {
      refuseCiphertext(read.object, 'GetBatch'); // Its body holds no lease: nothing to discard.
      return inMemoryItem(read, true);
    }
    // Kept but not confirmed within the interval (items spaced a second or more): after its stat.
    const confirming = objects.store.cachedConfirmation(target.bucket.bucket, item.name);
    if (confirming !== undefined) return openConfirmed(shards, item, confirming);
  }
  return openBatchItemLater(shards, item);
}

/** The bucket resolved last in this turn of the event loop, for the items opened in it. */
let resolvedNow:
  { objects: ObjectService; bucket: BucketJson; resolved: ResolvedBucket } | undefined;

/**
 * `objects.resolve(bucket)` (the bucket's entry and properties, or its error), once per turn for
 * the items of one bucket: a window refill opens 32 items in one turn, each looked up (its name
 * checked, its key made, the bucket metadata searched) and resolved anew before. The bucket
 * metadata cannot change within a turn; the next turn looks it up again.
 */
export function resolvedInTurn(objects: ObjectService, bucket: BucketJson): ResolvedBucket {
  const memo = resolvedNow;
  if (memo !== undefined && memo.objects === objects && sameBucket(memo.bucket, bucket))
    return memo.resolved;
  const resolved = objects.resolve(bucket);
  if (memo === undefined)
    queueMicrotask(() => {
      resolvedNow = undefined;
    });
  resolvedNow = { objects, bucket, resolved };
  return resolved;
}

/** As `openBatchItemHere` once the stat `confirming` the item's cached bytes has settled. */
async function openConfirmed(
  shards: ShardAccess,
  item: BatchItem,
  confirming: Promise<void>,
): Promise<OpenedItem> {
  await confirming;
  const { objects } = shards;
  const read = objects.getCached({ bucket: objects.resolve(item.bucket), name: item.name });
  if (read === undefined) return openBatchItemLater(shards, item);
  refuseCiphertext(read.object, 'GetBatch');
  return inMemoryItem(read, true);
}

async function openBatchItemLater(shards: ShardAccess, item: BatchItem): Promise<OpenedItem> {
  const opened = await openLocal(shards, item, true);
  return isStreamed(opened) ? sliceIfFile(item, opened) : opened;
}

export function isStreamed(opened: OpenedItem): opened is StreamedItem {
  return !Array.isArray(opened.body);
}

/** The item's bytes when they are in memory (undefined: its body is a stream). */
export function bytesOf(opened: OpenedItem): readonly Buffer[] | undefined {
  return Array.isArray(opened.body) ? (opened.body as readonly Buffer[]) : undefined;
}

/** A range of a file in a shard is cut out of the file (an object's range was read as such). */
function sliceIfFile(item: BatchItem, opened: StreamedItem): StreamedItem {
  if (item.archpath === '' || rangeHeaderOf(item) === undefined) return opened;
  return sliceFile(opened, item);
}

/** `inMemory`: a small object read whole comes as its bytes. */
async function openLocal(
  shards: ShardAccess,
  item: BatchItem,
  inMemory: boolean,
): Promise<OpenedItem> {
  const { objects, indexes } = shards;
  const target = { bucket: objects.resolve(item.bucket), name: item.name };
  if (item.archpath !== '') {
    const request = { mime: '', path: item.archpath };
    const read = await readFromShard(objects, indexes, target, request, shards.reuse);
    return { size: read.size ?? 0, body: read.body };
  }
  const read = await objects.get(target, rangeHeaderOf(item));
  try {
    refuseCiphertext(read.object, 'GetBatch');
  } catch (error) {
    await read.body.discard();
    throw error;
  }
  return inMemoryItem(read, inMemory);
}

/**
 * `inMemory`: a small object read whole comes as its bytes (else its body is a stream). A content
 * cache hit's are the cache's own, not a copy: a GetBatch never changes an item's bytes (a peer
 * copies them into its gathered parts, the TAR writer into its slab or on to the socket as they are).
 */
function inMemoryItem(read: ObjectRead, inMemory: boolean): OpenedItem {
  const size = read.range === undefined ? read.object.size : read.range.end - read.range.start + 1;
  // A chunked or cold object's body is never in memory whole.
  const bytes = inMemory && 'takeSmall' in read.body ? read.body.takeSmall() : undefined;
  if (bytes !== undefined) return { size, body: [bytes] };
  return { size, body: read.body.toStream() };
}

async function openRemote(
  runtime: NodeRuntime,
  item: BatchItem,
  ownerUrl: string,
): Promise<StreamedItem> {
  const query = bucketQuery(item.bucket);
  if (item.archpath !== '') query.set(Query.archpath, item.archpath);
  const url = peerObjectUrl(runtime, ownerUrl, item.bucket, item.name, query);
  const range = item.archpath === '' ? rangeHeaderOf(item) : undefined;
  const response = await runtime.client.stream(url, {
    method: 'GET',
    headers: range === undefined ? {} : { [Header.range]: range },
    timeoutMs: peerReadTimeoutMs,
  });
  if (response.statusCode >= 300) {
    const text = await readSmallBody(response.body, maxErrorBytes, 'peer error');
    throw peerError('GET', url, response.statusCode, text.toString('utf8'));
  }
  const size = Number(response.headers[Header.contentLength] ?? Number.NaN);
  if (!Number.isSafeInteger(size)) {
    close({ size: 0, body: response.body });
    throw new StoreError('Internal', `GET ${url}: the owner sent no length`);
  }
  return { size, body: response.body };
}

/** The item's range of a file read out of a shard (416 when it lies beyond the file). */
function sliceFile(opened: StreamedItem, item: BatchItem): StreamedItem {
  const end = item.length === -1 ? opened.size : item.start + item.length;
  if (item.start >= opened.size || end > opened.size) {
    close(opened);
    throw new StoreError(
      'InvalidRange',
      `range ${item.start}+${item.length} is out of bounds of "${item.archpath}" (${opened.size} bytes)`,
    );
  }
  let position = 0;
  const slice = new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      const from = Math.max(item.start - position, 0);
      const to = Math.min(end - position, chunk.length);
      position += chunk.length;
      callback(null, from < to ? chunk.subarray(from, to) : undefined);
    },
  });
  opened.body.once('error', (error) => slice.destroy(error));
  return { size: end - item.start, body: opened.body.pipe(slice) };
}

/** Whether a failure to open an item is a miss that `coer` turns into a `__404__/` entry. */
export function isMiss(error: unknown): boolean {
  return (
    isStoreError(error) && (error.code === 'ObjectNotFound' || error.code === 'BucketNotFound')
  );
}
