// What LRU needs of the store (`LocalStore.cold`): reads recorded without a write per read (the
// files' atimes set in batches, meta/access-times.ts), when an object was last read, and the
// eviction of a batch of cold cached objects.
import type { Clock } from '../../util/clock.js';
import type { BucketJson } from '../../wire/index.js';
import { AccessTimes, type AccessFlush } from './access-times.js';
import { evictColdReplicas, type ColdOutcome, type ColdReplica } from '../remove-replicas.js';
import { unameOf, type StoreAccess } from '../store-context.js';
import type { StoredObject } from '../store-types.js';
import { writeAccessTime } from '../versions/metadata-update.js';

/** Recorded access times that start a flush to the object files. */
const accessTimesBatch = 1024;

/** Longest an access time stays only in memory. */
const accessTimesFlushMs = 30_000;

export class ColdObjects {
  readonly #accessTimes: AccessTimes;
  readonly #timer: NodeJS.Timeout;

  constructor(
    private readonly store: StoreAccess,
    private readonly clock: Clock,
    /** The object's latest version (ObjectNotFound when it is not stored). */
    private readonly head: (bucket: BucketJson, name: string) => Promise<StoredObject>,
  ) {
    this.#accessTimes = new AccessTimes(
      (bucket, name, atimeMs) => writeAccessTime(store.open(), bucket, name, atimeMs),
      accessTimesBatch,
    );
    this.#timer = setInterval(() => void this.#accessTimes.flush(), accessTimesFlushMs);
    this.#timer.unref();
  }

  /**
   * Records that the object was read now: its file's atime says so after the next flush (batched,
   * so that a read costs no write). LRU eviction orders by it.
   */
  recordAccess(bucket: BucketJson, name: string): void {
    this.#accessTimes.record(bucket, name, unameOf(bucket, name), this.clock.nowMs());
  }

  /**
   * When the object was last read (ms since the epoch): a read recorded in memory, else its file's
   * atime. LRU asks again just before it evicts. ObjectNotFound when it is not stored.
   */
  async lastAccessMs(bucket: BucketJson, name: string): Promise<number> {
    const pending = this.#accessTimes.pendingMs(unameOf(bucket, name));
    if (pending !== undefined) return pending;
    const object = await this.head(bucket, name);
    return Number(object.accessTimeNs / 1_000_000n);
  }

  /**
   * LRU's eviction of a batch of one bucket's cold cached objects, as its listing saw them: each
   * goes unless it was read after `readBeforeMs` (recorded in memory or in its file's atime), was
   * rewritten, or is in use now; see `evictColdReplicas`. 'elsewhere': evict it the general way.
   */
  async evictCold(
    bucket: BucketJson,
    replicas: readonly ColdReplica[],
    readBeforeMs: number,
  ): Promise<ColdOutcome[]> {
    const times = this.#accessTimes;
    // LRU flushed the recorded reads before it listed: usually none is pending.
    const unread =
      times.pending === 0
        ? replicas
        : replicas.filter(
            ({ name }) => (times.pendingMs(unameOf(bucket, name)) ?? 0) <= readBeforeMs,
          );
    const outcomes = await this.store.watch((context) =>
      evictColdReplicas(context, bucket, unread, BigInt(readBeforeMs) * 1_000_000n),
    );
    if (unread === replicas) return outcomes;
    const byName = new Map(unread.map(({ name }, index) => [name, outcomes[index]]));
    return replicas.map(({ name }) => byName.get(name) ?? 'kept');
  }

  /** Writes the recorded access times to the object files now (LRU does before it looks). */
  flushAccessTimes(): Promise<AccessFlush> {
    return this.#accessTimes.flush();
  }

  /** Stops the periodic flush and writes what is still in memory (the store is closing). */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#accessTimes.flush();
  }
}
