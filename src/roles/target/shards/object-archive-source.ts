// A stored object as an archive source: its size from the read that opened it, its bytes through
// the object service (verified when the whole object is read, a range read otherwise), so a shard
// is read through the store and its Disk seam like any object, never whole into memory.
import type { Readable } from 'node:stream';
import { sameShard, type ArchiveSource } from '../../../archive/index.js';
import { StoreError } from '../../../errors/index.js';
import type { StoredObject, WritePrecondition } from '../../../storage/index.js';
import type { ObjectService } from '../objects/object-service.js';
import type { ObjectRead, ObjectTarget } from '../objects/object-types.js';
import { refuseCiphertext } from '../objects/object-encryption.js';
import { identityOf } from './shard-indexes.js';

export interface OpenedShard {
  source: ArchiveSource;
  object: ObjectRead['object'];
  /** False for a remote bucket's object only its backend holds (it has no index here). */
  present: boolean;
}

/**
 * Shards opened once for many reads (a GetBatch with `coloc` 2: many files of the same shards),
 * by bucket and name; the most recently opened are kept, up to `shardsReusedMax`.
 */
export class OpenedShards {
  readonly #opened = new Map<string, Promise<OpenedShard>>();

  open(objects: ObjectService, target: ObjectTarget): Promise<OpenedShard> {
    const key = `${JSON.stringify(target.bucket.bucket)}/${target.name}`;
    let opened = this.#opened.get(key);
    if (opened === undefined) {
      opened = openShard(objects, target);
      opened.catch(() => undefined);
      this.#opened.set(key, opened);
      for (const oldest of this.#opened.keys()) {
        if (this.#opened.size <= shardsReusedMax) break;
        this.#opened.delete(oldest);
      }
    }
    return opened;
  }
}

/** Shards a batch keeps open for reuse (each is its metadata and a closure, no open file). */
const shardsReusedMax = 1024;

/** Opens the shard (ObjectNotFound when it is not there) and returns it as a source. */
export async function openShard(
  objects: ObjectService,
  target: ObjectTarget,
): Promise<OpenedShard> {
  const object = await objects.head(target);
  refuseCiphertext(object, 'a shard read');
  const source: ArchiveSource = {
    size: object.size,
    read: async (start: number, end: number): Promise<Readable> => {
      const whole = start === 0 && end === object.size - 1;
      const read = await objects.get(target, whole ? undefined : `bytes=${start}-${end}`);
      // Offsets found in this shard (its index) must not be read out of another one.
      if (
        read.object.size !== object.size ||
        read.object.modifiedTimeMs !== object.modifiedTimeMs
      ) {
        await read.body.discard();
        throw new StoreError('Conflict', `shard ${target.name} was overwritten while it was read`);
      }
      return read.body.toStream();
    },
  };
  return { source, object, present: object.present !== false };
}

/**
 * The condition of a write built from `shard` (undefined: there was none): the stored object is
 * still the one read, checked under the object's write lock as the write commits. Any other write
 * of the name that committed since (a plain or S3 PUT, a copy, a multipart completion, a
 * rebalance, a delete) would otherwise be overwritten by bytes made from the older shard.
 */
export function unchangedSince(
  target: ObjectTarget,
  shard: OpenedShard | undefined,
): WritePrecondition {
  return (current) => requireUnchanged(target, shard, current);
}

/** Conflict when `current` (undefined: no object) is not the shard the write was built from. */
export function requireUnchanged(
  target: ObjectTarget,
  shard: OpenedShard | undefined,
  current: StoredObject | undefined,
): void {
  const read = shard?.present === true ? shard.object : undefined;
  if (read === undefined && current === undefined) return;
  if (
    read !== undefined &&
    current !== undefined &&
    sameShard(identityOf(read), identityOf(current))
  )
    return;
  throw new StoreError(
    'Conflict',
    `shard ${target.name} was written by another request while this one added to it: nothing was added, retry`,
  );
}
