// Reads out of a shard (AIStore's `archpath`, `archregx` + `archmode`): one file's raw bytes, or a
// TAR of the files a pattern selects, whatever the shard's format. The shard is read as a stream
// (tar) or by ranges (zip), never whole into memory.
import type { Readable } from 'node:stream';
import type { ArchiveRead, ArchiveReadRequest } from '../../../api/native/index.js';
import {
  contentTypeOf,
  createArchiveWriter,
  detectFormat,
  entryMatcher,
  findEntry,
  formatFromName,
  normalizeFormat,
  sameShard,
  codecOf,
  hasShardIndex,
  openIndexedEntry,
  selectEntries,
  type ArchiveEntry,
  type ArchiveFormat,
} from '../../../archive/index.js';
import { isStoreError, StoreError } from '../../../errors/index.js';
import { isRemoteBucket } from '../../../backends/index.js';
import { MemoryBody } from '../../../util/streams/memory-body.js';
import { bucketDisplayName } from '../../../wire/index.js';
import type { ObjectService } from '../objects/object-service.js';
import type { ObjectRead, ObjectTarget } from '../objects/object-types.js';
import { refuseCiphertext } from '../objects/object-encryption.js';
import { openShard, type OpenedShard, type OpenedShards } from './object-archive-source.js';
import { identityOf, type ShardIndexes } from './shard-indexes.js';

/** `reuse`: shards opened before (a GetBatch with `coloc` 2), else the shard is opened here. */
export async function readFromShard(
  objects: ObjectService,
  indexes: ShardIndexes,
  target: ObjectTarget,
  request: ArchiveReadRequest,
  reuse?: OpenedShards,
): Promise<ArchiveRead> {
  if (request.path !== undefined && reuse === undefined) {
    const read = await readCachedEntry(objects, indexes, target, request);
    if (read !== undefined) return read;
  }
  const shard = await (reuse?.open(objects, target) ?? openShard(objects, target));
  const { source, object } = shard;
  const format = await detectFormat(source, target.name, request.mime);
  const shardName = `${bucketDisplayName(target.bucket.bucket)}/${target.name}`;
  if (request.path !== undefined) {
    const path = entryPath(request.path, target.name);
    const entry = await openEntry(indexes, target, shard, format, path);
    if (entry === undefined) throw fileNotFound(shardName, path);
    return { contentType: 'application/octet-stream', size: entry.size, body: entry.body };
  }
  const match = request.match ?? { expression: '', mode: '' };
  const selected = selectEntries(source, format, entryMatcher(match.expression, match.mode));
  const first = await selected.next();
  if (first.done === true)
    throw fileNotFound(shardName, `${match.mode || 'prefix'}:${match.expression}`);
  const writer = createArchiveWriter('.tar');
  void packSelected(writer, first.value, selected, object.modifiedTimeMs);
  return { contentType: contentTypeOf('.tar'), size: undefined, body: writer.output };
}

/**
 * One file of a plain tar whose index is in memory, in one read of the shard (the file's range),
 * where the general path reads the shard's metadata, then its index, then the range: served only
 * when the object read is the shard the index describes. Undefined to take the general path (no
 * index in memory, a file it does not hold, a shard changed since, a remote bucket's shard).
 * A file read again while the shard is unchanged comes from the content cache at once (no disk
 * read, no promise: `ObjectService.getCached` with the range), kept there by the read from disk
 * before (`keepRangeInMemory`): the same bytes that read checked, under the same record, confirmed
 * as a cached object is (docs/shards.md).
 */
async function readCachedEntry(
  objects: ObjectService,
  indexes: ShardIndexes,
  target: ObjectTarget,
  request: ArchiveReadRequest,
): Promise<ArchiveRead | undefined> {
  const { bucket } = target.bucket;
  const format = request.mime === '' ? formatFromName(target.name) : normalizeFormat(request.mime);
  if (format !== '.tar' || isRemoteBucket(bucket)) return undefined;
  const index = indexes.cached(bucket, target.name);
  const entry = index?.find(entryPath(request.path ?? '', target.name));
  if (index === undefined || entry === undefined || entry.size === 0) return undefined;
  const range = { start: entry.offset, end: entry.offset + entry.size - 1 };
  const read = objects.getCached(target, range) ?? (await confirmedOrRead(objects, target, range));
  if (read === undefined) return undefined;
  if (!sameShard(index.shard, identityOf(read.object))) {
    await read.body.discard();
    return undefined;
  }
  try {
    refuseCiphertext(read.object, 'a shard read');
  } catch (error) {
    await read.body.discard();
    throw error;
  }
  // Small bytes in memory (a content hit: the cache's own, no copy) go to the route as they are.
  const bytes = 'takeSmall' in read.body ? read.body.takeSmall() : undefined;
  if (bytes !== undefined) return new FileInMemory(bytes);
  return { contentType: 'application/octet-stream', size: entry.size, body: read.body.toStream() };
}

/**
 * A file's bytes in memory as an `ArchiveRead`: the route writes `bytes`, and the stream another
 * consumer asks for (a GetBatch item) is made only then.
 */
class FileInMemory implements ArchiveRead {
  readonly contentType = 'application/octet-stream';
  #body: Readable | undefined;

  constructor(readonly bytes: Buffer) {}

  get size(): number {
    return this.bytes.length;
  }

  get body(): Readable {
    this.#body ??= new MemoryBody(this.bytes);
    return this.#body;
  }
}

/**
 * The range kept in memory but not confirmed within the content cache's interval (files read again
 * a second or more apart: a loader over many files, a loaded machine), once one stat confirms the
 * shard unchanged, as a GetBatch item's (`cachedConfirmation`); else read from the file. Before,
 * such a read took the object service's whole read path (its lock, the replica search) to the same
 * stat.
 */
async function confirmedOrRead(
  objects: ObjectService,
  target: ObjectTarget,
  range: { start: number; end: number },
): Promise<ObjectRead | undefined> {
  const confirming = objects.store.cachedConfirmation(target.bucket.bucket, target.name, range);
  if (confirming !== undefined) {
    await confirming;
    const read = objects.getCached(target, range);
    if (read !== undefined) return read;
  }
  return await readEntryRange(objects, target, range);
}

/** The range from the shard's file (kept in memory for the next read of it); undefined: reindex. */
async function readEntryRange(
  objects: ObjectService,
  target: ObjectTarget,
  range: { start: number; end: number },
): Promise<ObjectRead | undefined> {
  try {
    const header = `bytes=${range.start}-${range.end}`;
    return await objects.get(target, header, { keepRangeInMemory: true });
  } catch (error) {
    // A shard shorter than the index says is another shard: the general path reindexes it.
    if (isStoreError(error) && error.code === 'InvalidRange') return undefined;
    throw error;
  }
}

/**
 * One file of the shard: by its index where the format has one (a plain tar: a range read; a
 * `.tar.lz4` of independent blocks: the blocks that hold it), else by reading the shard up to it
 * (gzip, linked LZ4 blocks) or its central directory (zip).
 */
async function openEntry(
  indexes: ShardIndexes,
  target: ObjectTarget,
  shard: OpenedShard,
  format: ArchiveFormat,
  path: string,
): Promise<ArchiveEntry | undefined> {
  if (!hasShardIndex(format) || !shard.present) return await findEntry(shard.source, format, path);
  const { bucket } = target.bucket;
  const index = await indexes.indexOf(bucket, target.name, shard.object, shard.source, format);
  if (codecOf(format) === 'lz4' && index.blocks === undefined)
    return await findEntry(shard.source, format, path);
  const entry = index.find(path);
  return entry === undefined
    ? undefined
    : await openIndexedEntry(shard.source, entry, index.blocks);
}

/**
 * AIStore's `archpath` cleanup: a leading `/` goes, and so does the shard's own name when the path
 * starts with it (`shard.tar/a/b` is `a/b`).
 */
export function entryPath(path: string, shardName: string): string {
  const trimmed = path.replace(/^\/+/, '');
  return trimmed.startsWith(`${shardName}/`) ? trimmed.slice(shardName.length + 1) : trimmed;
}

export function fileNotFound(shard: string, path: string): StoreError {
  return new StoreError('ObjectNotFound', `file "${path}" does not exist in ${shard}`);
}

async function packSelected(
  writer: ReturnType<typeof createArchiveWriter>,
  first: ArchiveEntry,
  rest: AsyncGenerator<ArchiveEntry>,
  modifiedMs: number,
): Promise<void> {
  try {
    await writer.add(first.name, first.size, first.body, modifiedMs);
    for await (const entry of rest)
      await writer.add(entry.name, entry.size, entry.body, modifiedMs);
    writer.finish();
  } catch (error) {
    // The client sees a truncated TAR (the response is destroyed), never a complete-looking one.
    writer.abort(error instanceof Error ? error : new Error(String(error)));
    await rest.return(undefined);
  }
}
