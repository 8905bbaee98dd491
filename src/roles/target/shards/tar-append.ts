// Appending to a plain tar in place (AIStore's in-place TAR append): the new files are packed as a
// tar of their own (headers, bytes, end blocks) and written over the shard's end-of-archive blocks,
// which the shard index locates (the end of its last file); the shard's files are neither read
// again nor rewritten. The store does the crash-safe write (storage/in-place/tail-append.ts); the
// index gains the new files at their offsets.
import {
  createArchiveWriter,
  TarIndexer,
  type ArchiveWriter,
  type IndexedEntry,
  type ShardIndex,
} from '../../../archive/index.js';
import type { ObjectService } from '../objects/object-service.js';
import type { ObjectTarget } from '../objects/object-types.js';
import { requireUnchanged, type OpenedShard } from './object-archive-source.js';
import type { ShardIndexes } from './shard-indexes.js';

const tarBlock = 512;

/**
 * Appends the files `addNew` adds to the plain tar `shard` in place. False, with nothing consumed
 * or changed, when the shard cannot take it (its bucket keeps copies or history, it is chunked, or
 * something other than zeros follows its last file): the caller then rewrites it.
 */
export async function appendToTarInPlace(
  objects: ObjectService,
  indexes: ShardIndexes,
  target: ObjectTarget,
  shard: OpenedShard,
  addNew: (writer: ArchiveWriter) => Promise<void>,
): Promise<boolean> {
  if (!shard.present) return false;
  const { bucket } = target.bucket;
  const index = await indexes.indexOf(bucket, target.name, shard.object, shard.source);
  const offset = endOfFiles(index);
  const prepared = await objects.prepareTailAppend(target, offset);
  if ('notInPlace' in prepared) return false;
  // The tail was located in the shard read before; the commit checks the file is still the one
  // prepared, this that the one prepared is the one read (a write may have landed in between).
  requireUnchanged(target, shard, prepared.found);

  const writer = createArchiveWriter('.tar');
  const indexer = new TarIndexer();
  writer.output.once('error', (error) => indexer.destroy(error));
  const body = writer.output.pipe(indexer);
  const filled = (async (): Promise<void> => {
    try {
      await addNew(writer);
      writer.finish();
    } catch (error) {
      writer.abort(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
  })();
  const committed = objects.commitTailAppend(target, prepared, body);
  committed.catch((error: unknown) =>
    writer.abort(error instanceof Error ? error : new Error(String(error))),
  );
  const [fillResult, commitResult] = await Promise.allSettled([filled, committed]);
  if (fillResult.status === 'rejected') throw fillResult.reason;
  if (commitResult.status === 'rejected') throw commitResult.reason;
  const added = indexer.entries.then((entries) => [
    ...index.entries,
    ...entries.map((entry): IndexedEntry => ({ ...entry, offset: entry.offset + offset })),
  ]);
  await indexes.afterWrite(bucket, target.name, commitResult.value, added);
  return true;
}

/** Where the shard's end-of-archive blocks begin: after the last file's bytes, block-aligned. */
function endOfFiles(index: ShardIndex): number {
  const last = index.entries.at(-1);
  if (last === undefined) return 0;
  return Math.ceil((last.offset + last.size) / tarBlock) * tarBlock;
}
