// Access times of objects, recorded in memory as they are read and written to the object files'
// own atime in batches: LRU eviction orders cached objects by it, and a read must not cost a write
// (AIStore keeps atime in its metadata and flushes it lazily for the same reason). The file system's
// atime is used rather than the metadata record because setting it rewrites no attribute and it is
// what `atime` in listings and HEAD already reports.
import type { BucketJson } from '../../wire/index.js';

/** Sets one object's access time (ms since the epoch) on its file; a missing object is skipped. */
export type AccessTimeWriter = (bucket: BucketJson, name: string, atimeMs: number) => Promise<void>;

interface PendingAccess {
  bucket: BucketJson;
  name: string;
  atimeMs: number;
}

/** What a flush did. */
export interface AccessFlush {
  written: number;
  failed: number;
}

export class AccessTimes {
  #pending = new Map<string, PendingAccess>();
  #flushing: Promise<AccessFlush> | undefined;
  /** Records dropped because a slow flush let too many pile up (those objects look older). */
  dropped = 0;

  /**
   * `maxPending` records start a flush; while one runs, up to four times as many more are kept
   * and later ones dropped (a lost access time only makes an object a little more evictable).
   */
  constructor(
    private readonly write: AccessTimeWriter,
    private readonly maxPending: number,
  ) {}

  /** Remembers that `name` was read at `atimeMs` (the latest read of a name wins). */
  record(bucket: BucketJson, name: string, key: string, atimeMs: number): void {
    if (!this.#pending.has(key) && this.#pending.size >= this.maxPending * 4) {
      this.dropped += 1;
      return;
    }
    this.#pending.set(key, { bucket, name, atimeMs });
    if (this.#pending.size >= this.maxPending && this.#flushing === undefined) void this.flush();
  }

  /** The read recorded in memory for `key` and not yet written to its file, if any. */
  pendingMs(key: string): number | undefined {
    return this.#pending.get(key)?.atimeMs;
  }

  get pending(): number {
    return this.#pending.size;
  }

  /** Writes every recorded access time (after a flush already running). Never rejects. */
  async flush(): Promise<AccessFlush> {
    if (this.#flushing !== undefined) await this.#flushing;
    if (this.#pending.size === 0) return { written: 0, failed: 0 };
    const batch = this.#pending;
    this.#pending = new Map();
    this.#flushing = this.#writeAll([...batch.values()]);
    try {
      return await this.#flushing;
    } finally {
      this.#flushing = undefined;
    }
  }

  async #writeAll(batch: readonly PendingAccess[]): Promise<AccessFlush> {
    const result: AccessFlush = { written: 0, failed: 0 };
    // A few at a time: a flush shares the disks with the reads it records.
    const parallel = 8;
    for (let start = 0; start < batch.length; start += parallel) {
      const outcomes = await Promise.allSettled(
        batch
          .slice(start, start + parallel)
          .map(({ bucket, name, atimeMs }) => this.write(bucket, name, atimeMs)),
      );
      for (const outcome of outcomes) {
        if (outcome.status === 'fulfilled') result.written += 1;
        else result.failed += 1;
      }
    }
    return result;
  }
}
