// Writing a shard (AIStore's PUT with `archpath` and `Ais-Pine`, the archive job): a new shard,
// or the shard's files followed by new ones. A plain tar is appended to in place when its bucket
// and its bytes allow it (tar-append.ts); otherwise, and for every other format, the shard is
// rewritten as a stream into a new version of the object (a PUT, atomic like any other). A plain
// tar is indexed as it passes on its way to the store (shard-indexes.ts).
import type { ArchiveWriteRequest } from '../../../api/native/index.js';
import {
  archiveEntries,
  createArchiveWriter,
  detectFormat,
  formatFromName,
  isIndexable,
  requireFormat,
  TarIndexer,
  type ArchiveFormat,
  type ArchiveWriter,
} from '../../../archive/index.js';
import { isRemoteBucket } from '../../../backends/index.js';
import { badRequest, isStoreError } from '../../../errors/index.js';
import type { ObjectService } from '../objects/object-service.js';
import { nativePutRequest, type ObjectTarget } from '../objects/object-types.js';
import { openShard, unchangedSince, type OpenedShard } from './object-archive-source.js';
import type { ShardIndexes } from './shard-indexes.js';
import { appendToTarInPlace } from './tar-append.js';

/**
 * A shard goes to a file, not to a reader waiting on each turn's files: its files in memory gather
 * into 256 KiB before they go on (the archive job's 10,000 x 4 KiB objects: ~180 chunks through
 * the pack, the indexer and the file sink, and fewer thread-pool writes, where 64 KiB slabs handed
 * on each turn made ~700 of each). Not larger: the archive's output holds 1 MiB before the writer
 * waits, and four slabs of it keep the file's writes going while the next files are added. The
 * slabs are reused once the file sink wrote them (`reuseSlabs`: it releases each chunk written).
 */
const shardGathering = { slabBytes: 256 * 1024, flushEachTurn: false };

export interface ShardWrite {
  /** Create (or replace) the shard, append to it (it must exist), or either. */
  mode: ArchiveWriteRequest['mode'];
  /** The shard's format when its name does not say ('' otherwise). */
  mime: string;
}

/** Adds the new files to the shard being written (after the existing ones, when appending). */
export type ShardFiller = (writer: ArchiveWriter) => Promise<void>;

/** `PUT ?archpath=`: one file into a shard. */
export async function writeIntoShard(
  objects: ObjectService,
  indexes: ShardIndexes,
  target: ObjectTarget,
  request: ArchiveWriteRequest,
  nowMs: number,
): Promise<void> {
  if (request.path === '') throw badRequest('PUT into a shard: empty archpath');
  await writeShard(objects, indexes, target, request, async (writer) => {
    await writer.add(request.path, request.contentLength, request.body, nowMs);
  });
}

export async function writeShard(
  objects: ObjectService,
  indexes: ShardIndexes,
  target: ObjectTarget,
  write: ShardWrite,
  addNew: ShardFiller,
): Promise<void> {
  await indexes.inTurn(target.bucket.bucket, target.name, () =>
    writeShardNow(objects, indexes, target, write, addNew),
  );
}

async function writeShardNow(
  objects: ObjectService,
  indexes: ShardIndexes,
  target: ObjectTarget,
  write: ShardWrite,
  addNew: ShardFiller,
): Promise<void> {
  const existing = write.mode === 'create' ? undefined : await openExisting(objects, target, write);
  if (
    existing !== undefined &&
    isIndexable(existing.format) &&
    (await appendToTarInPlace(objects, indexes, target, existing, addNew))
  )
    return;
  const format = existing?.format ?? newShardFormat(target.name, write.mime);
  const indexer = isIndexable(format) ? new TarIndexer() : undefined;
  // The writer names the files it lays out to the indexer, which walks only the others' headers;
  // it sees the bytes as the writer hands them on (no stream stage between the writer and the file).
  const writer = createArchiveWriter(format, {
    ...shardGathering,
    // Slabs are filled again once the local file has their bytes: only where nothing else holds
    // them (a remote bucket's write-through would tee them to its backend, which may lag).
    reuseSlabs: !isRemoteBucket(target.bucket.bucket),
    index: indexer?.feed(),
    observer: indexer?.observer(),
  });
  const filled = fill(writer, existing, addNew);
  const body = writer.output;
  writer.output.once('error', (error) => indexer?.destroy(error));
  const put = objects.put(target.bucket, {
    ...nativePutRequest(target.bucket, target.name, body, {
      contentLength: undefined,
      checksum: undefined,
    }),
    // A shard created afresh replaces whatever is there, as a plain PUT does.
    ...(write.mode === 'create' ? {} : { precondition: unchangedSince(target, existing) }),
  });
  // A failed source aborts the archive, which fails the PUT: nothing is committed; a failed PUT
  // aborts the archive, so that no source waits on it.
  put.catch((error: unknown) =>
    writer.abort(error instanceof Error ? error : new Error(String(error))),
  );
  const [fillResult, putResult] = await Promise.allSettled([filled, put]);
  if (fillResult.status === 'rejected') throw fillResult.reason;
  if (putResult.status === 'rejected') throw putResult.reason;
  if (indexer !== undefined)
    await indexes.afterWrite(target.bucket.bucket, target.name, putResult.value, indexer.entries);
}

/** The shard and its format; undefined to create one (`append-or-create` and no shard yet). */
async function openExisting(
  objects: ObjectService,
  target: ObjectTarget,
  write: ShardWrite,
): Promise<(OpenedShard & { format: ArchiveFormat }) | undefined> {
  try {
    const shard = await openShard(objects, target);
    return { ...shard, format: await detectFormat(shard.source, target.name, write.mime) };
  } catch (error) {
    if (write.mode === 'append-or-create' && isStoreError(error) && error.code === 'ObjectNotFound')
      return undefined;
    throw error;
  }
}

function newShardFormat(name: string, mime: string): ArchiveFormat {
  if (mime !== '') return requireFormat(mime);
  const format = formatFromName(name);
  if (format === undefined)
    throw badRequest(
      `cannot tell the archive format of "${name}": give "archmime" or an extension`,
    );
  return format;
}

async function fill(
  writer: ArchiveWriter,
  existing: (OpenedShard & { format: ArchiveFormat }) | undefined,
  addNew: ShardFiller,
): Promise<void> {
  try {
    if (existing !== undefined) {
      for await (const entry of archiveEntries(existing.source, existing.format))
        await writer.add(entry.name, entry.size, entry.body, existing.object.modifiedTimeMs);
    }
    await addNew(writer);
    writer.finish();
  } catch (error) {
    writer.abort(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
}
