// The bytes of hot small objects (MinIO AIStor's object cache), kept beside their records in the
// metadata cache (metadata-cache.ts), so that a repeated GET is answered from memory without a
// thread-pool job. An entry belongs to one cached record: the metadata cache drops it whenever it
// drops or replaces that record (every change the store makes to the file, eviction), so the
// store's own writes need no second invalidation. A change made behind the store's back is seen by
// a stat the reader starts in the background once an entry is half `checkIntervalMs` old; an entry
// not confirmed by a stat (or a read) within `checkIntervalMs` is not served, so such a change is
// served from memory for less than `checkIntervalMs` after it.
import { invariant } from '../../util/assert.js';
import type { FileState, FileStats } from '../io/fs-batch.js';

/** The metadata cache's entry an object's bytes belong to (metadata-cache.ts' `CachedRecord`). */
interface OwnerRecord {
  readonly identity: FileState;
}

/** What a cached object's reader gets back. */
export interface CachedContent<R extends OwnerRecord = OwnerRecord> {
  /** The record the bytes were read (and verified) with: the metadata cache's entry. */
  readonly record: R;
  /** The file's stat when it was read (a GET reports its access and modification times). */
  readonly stats: FileStats;
  /** The object's bytes, in memory the cache owns: never changed, never pooled. */
  readonly data: Buffer;
}

interface Entry<R extends OwnerRecord> extends CachedContent<R> {
  /** When the file was last seen to have the record's identity (a read's or a check's start). */
  checkedAtMs: number;
  /** A background check of the file is in flight. */
  checking: boolean;
}

export interface ContentCacheLimits {
  /** Total bytes of content kept; 0 turns the cache off. */
  readonly maxBytes: number;
  /** Larger objects are not kept. */
  readonly objectMaxBytes: number;
  /** An entry not confirmed by a stat or a read for this long is not served. */
  readonly checkIntervalMs: number;
}

/**
 * Defaults (measured in docs/profiling.md, "Content cache"): 256 MiB holds 65,536 objects of
 * 4 KiB or 256 of 1 MiB; an object of 1 MiB (the largest read whole and verified by default)
 * gains as much per GET as one of 4 KiB; a second bounds how long a change made behind the
 * store's back can go unseen, at one stat per hot object per half second.
 */
export const defaultContentCacheLimits: ContentCacheLimits = Object.freeze({
  maxBytes: 256 * 1024 * 1024,
  objectMaxBytes: 1024 * 1024,
  checkIntervalMs: 1000,
});

export interface ContentCacheStats {
  entries: number;
  bytes: number;
  hits: number;
  evictions: number;
}

/** A background check to start: stat `path`, then report with `checked`. */
export interface ContentCheck {
  readonly path: string;
  readonly identity: FileState;
  readonly startedMs: number;
  readonly entry: object;
}

export class ContentCache<R extends OwnerRecord> {
  readonly #entries = new Map<string, Entry<R>>();
  #bytes = 0;
  #hits = 0;
  #evictions = 0;

  constructor(readonly limits: ContentCacheLimits) {
    const { maxBytes, objectMaxBytes, checkIntervalMs } = limits;
    invariant(Number.isSafeInteger(maxBytes) && maxBytes >= 0, 'content cache bytes');
    invariant(Number.isSafeInteger(objectMaxBytes) && objectMaxBytes >= 0, 'content object bytes');
    invariant(Number.isSafeInteger(checkIntervalMs) && checkIntervalMs > 0, 'content check ms');
  }

  /** Whether an object of `size` bytes would be kept. */
  fits(size: number): boolean {
    return size <= this.limits.objectMaxBytes && size <= this.limits.maxBytes;
  }

  /**
   * The entry of `path` when it belongs to `record` and was confirmed within the interval (a
   * hit, made the most recently used), else undefined. With the hit, the check to start when the
   * entry is half the interval old and none runs yet.
   */
  get(
    path: string,
    record: R,
    nowMs: number,
  ): { content: CachedContent<R>; check: ContentCheck | undefined } | undefined {
    const entry = this.#entries.get(path);
    if (entry === undefined || entry.record !== record) return undefined;
    const age = nowMs - entry.checkedAtMs;
    if (age >= this.limits.checkIntervalMs || age < 0) return undefined;
    this.#hits += 1;
    this.#entries.delete(path);
    this.#entries.set(path, entry);
    if (entry.checking || age < this.limits.checkIntervalMs / 2) {
      return { content: entry, check: undefined };
    }
    entry.checking = true;
    const check = { path, identity: record.identity, startedMs: nowMs, entry };
    return { content: entry, check };
  }

  /**
   * Keeps a copy of `data` (the whole object, verified, read from the file when it had
   * `record.identity`, at `readAtMs` or later) for `path`. An entry of the same record is only
   * confirmed anew (its bytes are the same).
   */
  keep(path: string, record: R, stats: FileStats, data: Buffer, readAtMs: number): void {
    if (!this.fits(data.length)) return;
    const entry = this.#entries.get(path);
    if (entry !== undefined && entry.record === record) {
      entry.checkedAtMs = Math.max(entry.checkedAtMs, readAtMs);
      return;
    }
    this.drop(path);
    // Its own memory (not a slice of a pooled or shared slab): nothing else writes to it, and
    // evicting it frees exactly its bytes once the responses that hold it are sent.
    const owned = Buffer.allocUnsafeSlow(data.length);
    data.copy(owned);
    const kept: Entry<R> = {
      record,
      stats,
      data: owned,
      checkedAtMs: readAtMs,
      checking: false,
    };
    this.#entries.set(path, kept);
    this.#bytes += owned.length;
    for (const [oldest, evicted] of this.#entries) {
      if (this.#bytes <= this.limits.maxBytes) break;
      this.#entries.delete(oldest);
      this.#bytes -= evicted.data.length;
      this.#evictions += 1;
    }
  }

  /**
   * A background check's result: the file still had the record's identity when the stat ran
   * (`unchanged`), or not (changed, gone, unreadable: the entry is dropped; the record stays for
   * the metadata cache, which compares identities on every read anyway).
   */
  checked(check: ContentCheck, unchanged: boolean): void {
    const entry = this.#entries.get(check.path);
    if (entry !== check.entry) return;
    entry.checking = false;
    if (unchanged) entry.checkedAtMs = Math.max(entry.checkedAtMs, check.startedMs);
    else this.drop(check.path);
  }

  drop(path: string): void {
    const entry = this.#entries.get(path);
    if (entry === undefined) return;
    this.#entries.delete(path);
    this.#bytes -= entry.data.length;
  }

  stats(): ContentCacheStats {
    return {
      entries: this.#entries.size,
      bytes: this.#bytes,
      hits: this.#hits,
      evictions: this.#evictions,
    };
  }
}
