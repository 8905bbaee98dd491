// A stored object as an archive source: its size from the read that opened it, its bytes through
// the object service (verified when the whole object is read, a range read otherwise), so a shard
// is read through the store and its Disk seam like any object, never whole into memory.
import type { Readable } from 'node:stream';
import type { ArchiveSource } from '../../../archive/index.js';
import type { ObjectService } from '../objects/object-service.js';
import type { ObjectRead, ObjectTarget } from '../objects/object-types.js';

export interface OpenedShard {
  source: ArchiveSource;
  object: ObjectRead['object'];
  /** False for a remote bucket's object only its backend holds (it has no index here). */
  present: boolean;
}

/** Opens the shard (ObjectNotFound when it is not there) and returns it as a source. */
export async function openShard(
  objects: ObjectService,
  target: ObjectTarget,
): Promise<OpenedShard> {
  const object = await objects.head(target);
  const source: ArchiveSource = {
    size: object.size,
    read: async (start: number, end: number): Promise<Readable> => {
      const whole = start === 0 && end === object.size - 1;
      const read = await objects.get(target, whole ? undefined : `bytes=${start}-${end}`);
      return read.body.toStream();
    },
  };
  return { source, object, present: object.present !== false };
}
