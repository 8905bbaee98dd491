// The object metadata cache (AIStore's LOM cache): the decoded records of recently read replicas,
// by file path, each with the identity (device, inode, size, mtime, ctime) of the file it was read
// from. A read that opens the file anyway compares its fstat with that identity (in the same
// thread-pool job, see fs-batch.ts) and skips the attribute read and the decode when they match,
// so a change made behind the store's back (another inode renamed there, bytes or attribute
// rewritten) is seen. The store's own changes invalidate the path as they are made (every
// mutating call of the disk seam, see io/watched-disk.ts): timestamps advance at the kernel's
// clock tick, and two changes within one tick could look alike. Bounded by an estimate of the
// memory its entries take; least recently used entries go first. Beside a record it may keep the
// object's bytes, or ranges of them (content-cache.ts), dropped with the record.
import { invariant } from '../../util/assert.js';
import type { FileState, FileStats } from '../io/fs-batch.js';
import {
  ContentCache,
  type CachedContent,
  type ContentCacheLimits,
  type ContentCheck,
  movedOnHit,
} from './content-cache.js';
import type { ObjectMetadata } from './object-metadata.js';

/** One cached record. Its metadata is frozen: every reader shares it. */
export interface CachedRecord {
  readonly identity: FileState;
  readonly metadata: ObjectMetadata;
  /** What it is counted for against the limit, in bytes. */
  readonly charge: number;
}

/** A record as kept: with where it was last put in the use order. */
interface KeptRecord extends CachedRecord {
  /** `#placed` when it was last put at the end of the order. */
  placedAt: number;
}

/**
 * Bytes an entry is counted for: a fixed part (the map entry, the record object and its nested
 * objects, five BigInts), the path, and five times the encoded record (decoded strings, arrays and
 * maps take more room than MessagePack). `node --expose-gc dist/bench/metadata-cache.js` measures
 * the heap actually used: 605 B per entry for a record of 62 B, 918 for 208 B, 3,516 for 814 B,
 * 10,040 for 1,954 B (Node 20), each below this estimate.
 */
export function chargeOf(path: string, recordBytes: number): number {
  return 600 + 2 * path.length + 5 * recordBytes;
}

/**
 * Invalidations remembered for reads in flight: a read that began more than this many
 * invalidations ago does not store what it read (it cannot tell whether its path was among them).
 */
const recentInvalidations = 256;

export interface MetadataCacheStats {
  entries: number;
  bytes: number;
  hits: number;
  misses: number;
}

export class MetadataCache {
  readonly #entries = new Map<string, KeptRecord>();
  /** Entries put at the end of the use order so far (added or moved). */
  #placed = 0;
  readonly #recent: string[] = new Array<string>(recentInvalidations).fill('');
  #epoch = 0;
  #bytes = 0;
  #hits = 0;
  #misses = 0;
  /** Bytes of hot objects, each beside its record (none when the limits' `maxBytes` is 0). */
  readonly content: ContentCache<CachedRecord>;

  /** `maxBytes` 0 turns the cache off (nothing is kept, no content either). */
  constructor(
    readonly maxBytes: number,
    contentLimits: ContentCacheLimits = { maxBytes: 0, objectMaxBytes: 0, checkIntervalMs: 1000 },
  ) {
    invariant(Number.isSafeInteger(maxBytes) && maxBytes >= 0, 'metadata cache bytes');
    this.content = new ContentCache(contentLimits);
  }

  /** The record kept for `path`, whatever the file is now: the caller compares the identity. */
  peek(path: string): CachedRecord | undefined {
    return this.#entries.get(path);
  }

  /**
   * A read found the file still as `record` says: counts a hit and makes the entry the most
   * recently used (unless it was invalidated or replaced meanwhile).
   */
  touch(path: string, record: CachedRecord): void {
    this.#hits += 1;
    const kept = this.#entries.get(path);
    if (kept !== record || kept === undefined) return;
    this.#used(path, kept);
  }

  /** The record of `path` if the file still has `identity` (a hit), else undefined (a miss). */
  lookup(path: string, identity: FileState): ObjectMetadata | undefined {
    const record = this.#entries.get(path);
    if (record !== undefined && sameState(record.identity, identity)) {
      this.touch(path, record);
      return record.metadata;
    }
    return undefined;
  }

  /**
   * The bytes kept for `path` with its record, when the record is still cached and the file was
   * confirmed unchanged within the content cache's interval; with the background check to start
   * (`disk.stat`, then `contentChecked`) when one is due.
   */
  cachedContent(
    path: string,
    nowMs: number,
  ): { content: CachedContent<CachedRecord>; check: ContentCheck | undefined } | undefined {
    const record = this.#entries.get(path);
    if (record === undefined) return undefined;
    const hit = this.content.get(path, record, nowMs);
    if (hit === undefined) return undefined;
    // The record is served from here too: a metadata cache hit as well.
    this.#hits += 1;
    this.#used(path, record);
    return hit;
  }

  /**
   * As `cachedContent`, for bytes `start` to `end` (inclusive) kept by a read of that very range
   * (`keepRange`).
   */
  cachedRange(
    path: string,
    start: number,
    end: number,
    nowMs: number,
  ): { content: CachedContent<CachedRecord>; check: ContentCheck | undefined } | undefined {
    const record = this.#entries.get(path);
    if (record === undefined) return undefined;
    const hit = this.content.getRange(path, record, start, end, nowMs);
    if (hit === undefined) return undefined;
    this.#hits += 1;
    this.#used(path, record);
    return hit;
  }

  /**
   * For the bytes kept for `path` with its record (the whole object, or bytes `start` to `end`)
   * but not confirmed within the interval: the stat to start to confirm them, or the entry whose
   * check is in flight (`ContentCache.confirmation`).
   */
  contentConfirmation(
    path: string,
    nowMs: number,
    start?: number,
    end?: number,
  ): { check: ContentCheck | undefined; entry: object } | undefined {
    const record = this.#entries.get(path);
    if (record === undefined) return undefined;
    return this.content.confirmation(path, record, nowMs, start, end);
  }

  /**
   * Keeps (a copy of) `data`, bytes from `start` of the file at `path`, read alone with `metadata`
   * at `readAtMs` or later and checked as a range read is, if that record is still the one cached
   * for the path (as `keepContent`).
   */
  keepRange(
    path: string,
    metadata: ObjectMetadata,
    stats: FileStats,
    start: number,
    data: Buffer,
    readAtMs: number,
  ): void {
    const record = this.#entries.get(path);
    if (record === undefined || record.metadata !== metadata) return;
    this.content.keepRange(path, record, stats, start, data, readAtMs);
  }

  /**
   * Keeps (a copy of) `data`, the verified bytes of the file at `path` read with `metadata` at
   * `readAtMs` or later, if that record is still the one cached for the path: a change since the
   * read (invalidated, or read anew with another identity) has replaced or dropped it.
   */
  keepContent(
    path: string,
    metadata: ObjectMetadata,
    stats: FileStats,
    data: Buffer,
    readAtMs: number,
  ): void {
    const record = this.#entries.get(path);
    if (record === undefined || record.metadata !== metadata) return;
    this.content.keep(path, record, stats, data, readAtMs);
  }

  /** A background check of a content entry found the file `unchanged` (same identity) or not. */
  contentChecked(check: ContentCheck, unchanged: boolean): void {
    this.content.checked(check, unchanged);
  }

  /** Take this before reading a file; give it to `remember` with what was read. */
  get epoch(): number {
    return this.#epoch;
  }

  /**
   * Keeps the record read from the file at `path` when it had `identity`, and returns it frozen.
   * Not kept when `path` was invalidated since `epoch` (the read may have seen the file before the
   * change), or when the cache is off. Counts a miss.
   */
  remember(
    path: string,
    identity: FileState,
    metadata: ObjectMetadata,
    recordBytes: number,
    epoch: number,
  ): ObjectMetadata {
    this.#misses += 1;
    const charge = chargeOf(path, recordBytes);
    if (charge > this.maxBytes || this.#invalidatedSince(path, epoch)) {
      // The file was read anew: a record of what it was before (and its bytes) must go.
      this.#drop(path);
      return metadata;
    }
    const frozen = freezeMetadata(metadata);
    this.#drop(path);
    const placedAt = this.#placed++;
    this.#entries.set(path, { identity: copyState(identity), metadata: frozen, charge, placedAt });
    this.#bytes += charge;
    for (const [oldest, record] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      this.#entries.delete(oldest);
      this.#bytes -= record.charge;
      this.content.drop(oldest);
    }
    return frozen;
  }

  /** The file at `path` changes (or goes): its record is dropped, and reads in flight not kept. */
  invalidate(path: string): void {
    this.#recent[this.#epoch % recentInvalidations] = path;
    this.#epoch += 1;
    this.#drop(path);
  }

  /**
   * The tree at `directory` was moved or removed whole (a bucket destroyed or renamed): the disk
   * seam reports only the directory, so every record (and content) below it goes, and no read in
   * flight keeps what it read. Rare (bucket operations): a scan of the entries.
   */
  invalidateTree(directory: string): void {
    const prefix = `${directory}/`;
    for (const path of [...this.#entries.keys()]) if (path.startsWith(prefix)) this.#drop(path);
    // Every read that began before this is now more than `recentInvalidations` behind.
    this.#epoch += recentInvalidations + 1;
  }

  stats(): MetadataCacheStats {
    return {
      entries: this.#entries.size,
      bytes: this.#bytes,
      hits: this.#hits,
      misses: this.#misses,
    };
  }

  /** A hit on `record`, kept for `path`: moved to the end of the use order when due (`movedOnHit`). */
  #used(path: string, record: KeptRecord): void {
    if (!movedOnHit(this.#placed, record.placedAt, this.#entries.size)) return;
    this.#entries.delete(path);
    this.#entries.set(path, record);
    record.placedAt = this.#placed++;
  }

  /** Drops the record and the bytes kept with it. */
  #drop(path: string): void {
    this.content.drop(path);
    const record = this.#entries.get(path);
    if (record === undefined) return;
    this.#entries.delete(path);
    this.#bytes -= record.charge;
  }

  #invalidatedSince(path: string, epoch: number): boolean {
    if (this.#epoch - epoch > recentInvalidations) return true;
    for (let at = epoch; at < this.#epoch; at += 1) {
      if (this.#recent[at % recentInvalidations] === path) return true;
    }
    return false;
  }
}

export function sameState(left: FileState, right: FileState): boolean {
  return (
    left.ino === right.ino &&
    left.mtimeNs === right.mtimeNs &&
    left.ctimeNs === right.ctimeNs &&
    left.size === right.size &&
    left.dev === right.dev
  );
}

function copyState(identity: FileState): FileState {
  const { dev, ino, size, mtimeNs, ctimeNs } = identity;
  return { dev, ino, size, mtimeNs, ctimeNs };
}

/** Freezes a decoded record and the objects in it: a reader that changed it would change them all. */
function freezeMetadata(metadata: ObjectMetadata): ObjectMetadata {
  Object.freeze(metadata.checksum);
  Object.freeze(metadata.customMetadata);
  Object.freeze(metadata.copies);
  if (metadata.contentHeaders !== undefined) Object.freeze(metadata.contentHeaders);
  if (metadata.tags !== undefined) Object.freeze(metadata.tags);
  if (metadata.extraChecksums !== undefined) Object.freeze(metadata.extraChecksums);
  return Object.freeze(metadata);
}
