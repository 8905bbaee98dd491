// The bytes of hot small objects (MinIO AIStor's object cache), and of byte ranges read alone
// from larger ones (the files of a shard read by its index), kept beside their records in the
// metadata cache (metadata-cache.ts), so that a repeated GET (or `archpath` read) is answered from
// memory without a thread-pool job. Everything kept of a file belongs to one cached record: the
// metadata cache drops it whenever it drops or replaces that record (every change the store makes
// to the file, eviction), so the store's own writes need no second invalidation. A change made
// behind the store's back is seen by a stat the reader starts in the background once the file's
// confirmation is half `checkIntervalMs` old (one stat confirms the file, so the whole object and
// every range kept of it); nothing of a file not confirmed by a stat (or a read) within
// `checkIntervalMs` is served, so such a change is served from memory for less than
// `checkIntervalMs` after it. A range is kept only as a read from disk would have served it
// (checked, never verified: docs/design-decisions.md, Content cache).
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

/**
 * What the cache keeps of one file: the record its bytes belong to, when the file was last seen
 * with that record's identity, and its pieces (the whole object, byte ranges of it). One stat
 * confirms the file, so every piece of it; dropping the file drops every piece.
 */
interface Owner<R extends OwnerRecord> {
  readonly path: string;
  readonly record: R;
  /** When the file was last seen to have the record's identity (a read's or a check's start). */
  checkedAtMs: number;
  /** A background check of the file is in flight. */
  checking: boolean;
  /** The whole object's bytes. */
  whole: Piece<R> | undefined;
  /** Ranges read alone, by first byte (one a start: the same record's range at an offset is one file in a shard). */
  ranges: Map<number, Piece<R>> | undefined;
}

/** The whole object or one range of it, in the cache's least-recently-used order. */
interface Piece<R extends OwnerRecord> extends CachedContent<R> {
  readonly owner: Owner<R>;
  /** First byte (a range's; 0 for the whole object). */
  readonly start: number;
  /** Last byte, inclusive. */
  readonly end: number;
  /** What it is counted for against `maxBytes`. */
  readonly charge: number;
  /** `#placed` when it was last put at the end of the order (`movedOnHit`). */
  placedAt: number;
}

/**
 * Bytes a range is counted for beyond its own: its piece, map entries and Buffer object (a
 * whole object's are covered by its metadata cache record's charge, one per file; ranges can be
 * many per file, and a cache of tiny ranges must not hold millions of them).
 */
export const rangeOverheadBytes = 256;

/**
 * Whether an entry last put at the end of a use order at `placedAt` (of `placed` so far) is to be
 * moved there again on a hit: not while it is among the newest half of the `size` entries (at
 * most `placed - placedAt` were put after it), so a hot entry hit batch after batch is moved about
 * once per half the cache's turnover, where every hit was a delete and a set (a GetBatch's
 * 1,000 cached items: two of each per item, with the content cache's). Eviction still goes oldest
 * first: an entry hit since it was last moved is evicted after at least half the others.
 */
export function movedOnHit(placed: number, placedAt: number, size: number): boolean {
  return placed - placedAt > size >>> 1;
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
  /** By file path. */
  readonly #owners = new Map<string, Owner<R>>();
  /** Every piece, least recently used first (a hit moves its piece to the end). */
  readonly #order = new Set<Piece<R>>();
  /** Pieces put at the end of the order so far (added or moved). */
  #placed = 0;
  #bytes = 0;
  #hits = 0;
  #evictions = 0;

  #limits: ContentCacheLimits;

  constructor(limits: ContentCacheLimits) {
    const { maxBytes, objectMaxBytes, checkIntervalMs } = limits;
    invariant(Number.isSafeInteger(maxBytes) && maxBytes >= 0, 'content cache bytes');
    invariant(Number.isSafeInteger(objectMaxBytes) && objectMaxBytes >= 0, 'content object bytes');
    invariant(Number.isSafeInteger(checkIntervalMs) && checkIntervalMs > 0, 'content check ms');
    this.#limits = limits;
  }

  get limits(): ContentCacheLimits {
    return this.#limits;
  }

  /**
   * The interval from now on (`storage.content_cache_check_ms` changed in the cluster config): the
   * next hit of every entry is judged by it against the entry's last confirmation, so a shorter
   * one serves nothing unconfirmed for longer than it. Read at the store's opening only before:
   * a change took effect at the target's restart.
   */
  setCheckIntervalMs(checkIntervalMs: number): void {
    invariant(Number.isSafeInteger(checkIntervalMs) && checkIntervalMs > 0, 'content check ms');
    if (checkIntervalMs === this.#limits.checkIntervalMs) return;
    this.#limits = Object.freeze({ ...this.#limits, checkIntervalMs });
  }

  /** Whether an object of `size` bytes would be kept. */
  fits(size: number): boolean {
    return size <= this.limits.objectMaxBytes && size <= this.limits.maxBytes;
  }

  /** Whether a range of `size` bytes would be kept. */
  fitsRange(size: number): boolean {
    const { objectMaxBytes, maxBytes } = this.limits;
    return size > 0 && size <= objectMaxBytes && size + rangeOverheadBytes <= maxBytes;
  }

  /**
   * The whole object kept for `path` when it belongs to `record` and was confirmed within the
   * interval (a hit, made the most recently used), else undefined. With the hit, the check to
   * start when the file's confirmation is half the interval old and none runs yet.
   */
  get(
    path: string,
    record: R,
    nowMs: number,
  ): { content: CachedContent<R>; check: ContentCheck | undefined } | undefined {
    const owner = this.#owners.get(path);
    if (owner === undefined || owner.whole === undefined) return undefined;
    return this.#hit(owner, owner.whole, record, nowMs);
  }

  /**
   * As `get`, for bytes `start` to `end` (inclusive) kept by a read of that very range (a whole
   * object kept is not looked at: `get` it and slice).
   */
  getRange(
    path: string,
    record: R,
    start: number,
    end: number,
    nowMs: number,
  ): { content: CachedContent<R>; check: ContentCheck | undefined } | undefined {
    const piece = this.#owners.get(path)?.ranges?.get(start);
    if (piece === undefined || piece.end !== end) return undefined;
    return this.#hit(piece.owner, piece, record, nowMs);
  }

  /**
   * For bytes kept of `path` for `record` (the whole object, or with `start`/`end` that very range)
   * that `get`/`getRange` refuse only because the file was not confirmed within the interval: the
   * stat to start now to confirm it (`check`: its result goes to `checked`), or undefined in
   * `check` when one is in flight already (`entry` names the file's owner, whose check the caller
   * may wait for). Undefined when nothing is kept for that record, or it is served (confirmed). A
   * reader whose hits are spaced by the interval or more (a loader between epochs, a loaded
   * machine) waits for one stat, not a read and a hash; after it, `get` serves the bytes only if
   * the stat found the file unchanged (a change drops them) and it started within the interval.
   */
  confirmation(
    path: string,
    record: R,
    nowMs: number,
    start?: number,
    end?: number,
  ): { check: ContentCheck | undefined; entry: object } | undefined {
    const owner = this.#owners.get(path);
    if (owner === undefined || owner.record !== record) return undefined;
    const piece = start === undefined ? owner.whole : owner.ranges?.get(start);
    if (piece === undefined || (start !== undefined && piece.end !== end)) return undefined;
    const age = nowMs - owner.checkedAtMs;
    if (!(age >= this.limits.checkIntervalMs)) return undefined; // Served, or the clock went back.
    if (owner.checking) return { check: undefined, entry: owner };
    owner.checking = true;
    return { check: this.#check(owner, nowMs), entry: owner };
  }

  /**
   * Keeps a copy of `data` (the whole object, verified, read from the file when it had
   * `record.identity`, at `readAtMs` or later) for `path`. Already kept for the same record: only
   * confirmed anew (its bytes are the same). Ranges kept of it go: the whole serves them.
   */
  keep(path: string, record: R, stats: FileStats, data: Buffer, readAtMs: number): void {
    if (!this.fits(data.length)) return;
    const owner = this.#ownerFor(path, record, readAtMs);
    if (owner.whole !== undefined) return;
    for (const range of owner.ranges?.values() ?? []) this.#remove(range);
    owner.ranges = undefined;
    owner.whole = this.#add(owner, stats, data, 0, data.length - 1, data.length);
    this.#evict(owner.whole);
  }

  /**
   * Keeps a copy of `data`, bytes `start` to `start + data.length - 1` of the file at `path`, read
   * alone from it when it had `record.identity` (at `readAtMs` or later) and checked as a range
   * read from disk is (the file as long as its record says, every byte of the range read; not
   * verified: a range's bytes cannot be, docs/shards.md). Nothing when the whole object is kept.
   */
  keepRange(
    path: string,
    record: R,
    stats: FileStats,
    start: number,
    data: Buffer,
    readAtMs: number,
  ): void {
    if (!this.fitsRange(data.length)) return;
    const owner = this.#ownerFor(path, record, readAtMs);
    if (owner.whole !== undefined) return;
    const end = start + data.length - 1;
    const ranges = (owner.ranges ??= new Map<number, Piece<R>>());
    const previous = ranges.get(start);
    if (previous !== undefined && previous.end === end) return;
    if (previous !== undefined) this.#remove(previous);
    const piece = this.#add(owner, stats, data, start, end, data.length + rangeOverheadBytes);
    ranges.set(start, piece);
    this.#evict(piece);
  }

  /**
   * A background check's result: the file still had the record's identity when the stat ran
   * (`unchanged`: every piece of it is confirmed), or not (changed, gone, unreadable: its pieces
   * are dropped; the record stays for the metadata cache, which compares identities on every read
   * anyway).
   */
  checked(check: ContentCheck, unchanged: boolean): void {
    const owner = this.#owners.get(check.path);
    if (owner !== check.entry) return;
    owner.checking = false;
    if (unchanged) owner.checkedAtMs = Math.max(owner.checkedAtMs, check.startedMs);
    else this.drop(check.path);
  }

  /** Drops everything kept of the file at `path`. */
  drop(path: string): void {
    const owner = this.#owners.get(path);
    if (owner === undefined) return;
    this.#owners.delete(path);
    if (owner.whole !== undefined) this.#remove(owner.whole);
    for (const range of owner.ranges?.values() ?? []) this.#remove(range);
  }

  /** `entries`: pieces kept (whole objects and ranges). */
  stats(): ContentCacheStats {
    return {
      entries: this.#order.size,
      bytes: this.#bytes,
      hits: this.#hits,
      evictions: this.#evictions,
    };
  }

  #hit(
    owner: Owner<R>,
    piece: Piece<R>,
    record: R,
    nowMs: number,
  ): { content: CachedContent<R>; check: ContentCheck | undefined } | undefined {
    if (owner.record !== record) return undefined;
    const age = nowMs - owner.checkedAtMs;
    if (age >= this.limits.checkIntervalMs || age < 0) return undefined;
    this.#hits += 1;
    if (movedOnHit(this.#placed, piece.placedAt, this.#order.size)) {
      this.#order.delete(piece);
      this.#order.add(piece);
      piece.placedAt = this.#placed++;
    }
    if (owner.checking || age < this.limits.checkIntervalMs / 2) {
      return { content: piece, check: undefined };
    }
    owner.checking = true;
    return { content: piece, check: this.#check(owner, nowMs) };
  }

  #check(owner: Owner<R>, nowMs: number): ContentCheck {
    return { path: owner.path, identity: owner.record.identity, startedMs: nowMs, entry: owner };
  }

  /** The file's owner for `record` (confirmed at `readAtMs`), replacing one of another record. */
  #ownerFor(path: string, record: R, readAtMs: number): Owner<R> {
    const existing = this.#owners.get(path);
    if (existing !== undefined && existing.record === record) {
      existing.checkedAtMs = Math.max(existing.checkedAtMs, readAtMs);
      return existing;
    }
    this.drop(path);
    const owner: Owner<R> = {
      path,
      record,
      checkedAtMs: readAtMs,
      checking: false,
      whole: undefined,
      ranges: undefined,
    };
    this.#owners.set(path, owner);
    return owner;
  }

  #add(
    owner: Owner<R>,
    stats: FileStats,
    data: Buffer,
    start: number,
    end: number,
    charge: number,
  ): Piece<R> {
    // Its own memory (not a slice of a pooled or shared slab): nothing else writes to it, and
    // evicting it frees exactly its bytes once the responses that hold it are sent.
    const owned = Buffer.allocUnsafeSlow(data.length);
    data.copy(owned);
    const placedAt = this.#placed++;
    const { record } = owner;
    const piece: Piece<R> = { owner, record, stats, data: owned, start, end, charge, placedAt };
    this.#order.add(piece);
    this.#bytes += charge;
    return piece;
  }

  /** Least recently used pieces go until the bytes are within the limit (never `kept`). */
  #evict(kept: Piece<R>): void {
    for (const oldest of this.#order) {
      if (this.#bytes <= this.limits.maxBytes || oldest === kept) break;
      this.#remove(oldest);
      this.#evictions += 1;
      const { owner } = oldest;
      if (owner.whole === oldest) owner.whole = undefined;
      else owner.ranges?.delete(oldest.start);
      const empty = owner.whole === undefined && (owner.ranges?.size ?? 0) === 0;
      if (empty && this.#owners.get(owner.path) === owner) this.#owners.delete(owner.path);
    }
  }

  /** Takes a piece out of the order and the count (its owner's maps are the caller's). */
  #remove(piece: Piece<R>): void {
    if (this.#order.delete(piece)) this.#bytes -= piece.charge;
  }
}
