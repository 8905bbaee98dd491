// Shard indexes on a target (docs/formats/shard-index.md): each kept as an object of the system
// bucket `.sys-shardidx` in this target's own store, named by the shard's uname, and the recently
// used ones in memory. An index is written when a shard is (PUT into a shard, the archive job) and
// built on the first read of a shard that has none (one pass over it); it is used only while it
// describes the stored shard byte for byte (size, checksum, version, time), so any overwrite makes
// it stale and the next read rebuilds it. A target that receives a shard (rebalance, a lost
// mountpath) rebuilds its index on demand: the index is derived data, never the only copy of
// anything.
import { Readable } from 'node:stream';
import {
  codecOf,
  encodeShardIndex,
  indexLz4Tar,
  formatFromName,
  decodeShardIndex,
  indexTar,
  sameShard,
  ShardIndex,
  type ArchiveFormat,
  type ArchiveSource,
  type IndexedEntry,
  type ShardIdentity,
} from '../../../archive/index.js';
import { badRequest, isStoreError } from '../../../errors/index.js';
import type { LocalStore, StoredObject } from '../../../storage/index.js';
import type { Logger } from '../../../util/log.js';
import { KeyedSerialQueue } from '../../../util/serial-queue.js';
import { objectUname, type BucketJson } from '../../../wire/index.js';

/** Where a target keeps its shards' indexes (AIStore's system bucket of that name). */
export const shardIndexBucket: BucketJson = { name: '.sys-shardidx', provider: 'ais' };

/**
 * Index entries kept in memory, over all the indexes cached (about 100 bytes each): the most
 * recently used indexes stay until their entries add up to more.
 */
const cachedEntriesMax = 1_000_000;

export function identityOf(object: StoredObject): ShardIdentity {
  return {
    size: object.size,
    checksum: `${object.checksum.type}:${object.checksum.value}`,
    version: object.version ?? '',
    modifiedMs: object.modifiedTimeMs,
  };
}

export class ShardIndexes {
  /** By shard uname, least recently used first. */
  readonly #cache = new Map<string, ShardIndex>();
  #cachedEntries = 0;
  /** Builds in progress, by shard uname and identity: concurrent first reads share one pass. */
  readonly #building = new Map<string, Promise<ShardIndex>>();
  /** Writes in progress, by shard uname (`inTurn`). */
  readonly #writes = new KeyedSerialQueue();

  constructor(
    private readonly store: LocalStore,
    private readonly log: Logger,
  ) {}

  /**
   * Runs a write of the shard after the earlier ones have settled. A write reads the shard it
   * extends and indexes what it wrote: two at once would each extend the same old shard, and the
   * later commit would drop the earlier one's files, acknowledged (a rewrite) or refused with 409
   * (an append in place).
   */
  inTurn<T>(bucket: BucketJson, name: string, write: () => Promise<T>): Promise<T> {
    return this.#writes.run(objectUname(bucket, name), write);
  }

  /**
   * The index of the stored shard `object` (read through `source`): cached, stored, or built
   * (`format`: `.tar`, or `.tar.lz4` whose index also holds its blocks).
   */
  async indexOf(
    bucket: BucketJson,
    name: string,
    object: StoredObject,
    source: ArchiveSource,
    format: ArchiveFormat = '.tar',
  ): Promise<ShardIndex> {
    const key = objectUname(bucket, name);
    const shard = identityOf(object);
    const cached = this.#cache.get(key);
    if (cached !== undefined && sameShard(cached.shard, shard)) {
      this.#remember(key, cached);
      return cached;
    }
    const buildKey = `${key}\n${JSON.stringify(shard)}`;
    let pending = this.#building.get(buildKey);
    if (pending === undefined) {
      pending = this.#loadOrBuild(key, shard, source, format).finally(() => {
        this.#building.delete(buildKey);
      });
      this.#building.set(buildKey, pending);
    }
    return await pending;
  }

  /**
   * The index held in memory for the shard, whichever version of it it describes: the caller
   * checks `shard` against the object it reads (an `archpath` read's single open).
   */
  cached(bucket: BucketJson, name: string): ShardIndex | undefined {
    const key = objectUname(bucket, name);
    const index = this.#cache.get(key);
    if (index !== undefined) this.#remember(key, index);
    return index;
  }

  /**
   * Stores the index of a shard just written (`object`, as the store committed it; `entries` as
   * its bytes were indexed on their way). A tar the indexer could not follow is logged and left
   * to be indexed by its first read.
   */
  async afterWrite(
    bucket: BucketJson,
    name: string,
    object: StoredObject,
    entries: Promise<IndexedEntry[]>,
  ): Promise<void> {
    const key = objectUname(bucket, name);
    let indexed: IndexedEntry[];
    try {
      indexed = await entries;
    } catch (error) {
      this.log.warn('shard not indexed on write', { shard: key, error: String(error) });
      return;
    }
    await this.#store(key, new ShardIndex(identityOf(object), indexed));
  }

  /**
   * Drops the index of a shard that was deleted or overwritten, from memory and from the store.
   * Only names with an archive extension (or an index in memory) are looked at: a PUT of any
   * other object costs nothing. An index of a shard known by its magic bytes alone that outlives
   * its shard is never used (another shard of that name has another identity) and is replaced
   * when that name is indexed again.
   */
  async forget(bucket: BucketJson, name: string): Promise<void> {
    if (bucket.name === shardIndexBucket.name) return;
    const key = objectUname(bucket, name);
    const cached = this.#cache.get(key);
    if (cached !== undefined) {
      this.#cache.delete(key);
      this.#cachedEntries -= cached.entries.length;
    } else if (formatFromName(name) === undefined) return;
    try {
      await this.store.deleteObject(shardIndexBucket, key);
    } catch (error) {
      if (isStoreError(error) && error.code === 'ObjectNotFound') return;
      this.log.warn('stale shard index not removed (it is never used)', {
        shard: key,
        error: String(error),
      });
    }
  }

  async #loadOrBuild(
    key: string,
    shard: ShardIdentity,
    source: ArchiveSource,
    format: ArchiveFormat,
  ): Promise<ShardIndex> {
    const stored = await this.#load(key);
    if (stored !== undefined && sameShard(stored.shard, shard)) {
      this.#remember(key, stored);
      return stored;
    }
    const index =
      shard.size === 0 ? new ShardIndex(shard, []) : await this.#scan(source, shard, format);
    await this.#store(key, index);
    return index;
  }

  /** Indexes the whole shard; bytes that are not of the format are the request's problem (400). */
  async #scan(
    source: ArchiveSource,
    shard: ShardIdentity,
    format: ArchiveFormat,
  ): Promise<ShardIndex> {
    try {
      const bytes = await source.read(0, shard.size - 1);
      if (codecOf(format) !== 'lz4') return new ShardIndex(shard, await indexTar(bytes));
      const { entries, blocks } = await indexLz4Tar(bytes);
      return new ShardIndex(shard, entries, blocks);
    } catch (error) {
      if (isStoreError(error)) throw error;
      throw badRequest(`not a valid ${format} archive: ${String(error)}`, { cause: error });
    }
  }

  async #load(key: string): Promise<ShardIndex | undefined> {
    try {
      const read = await this.store.getObject(shardIndexBucket, key);
      return await decodeShardIndex(read.body.toStream());
    } catch (error) {
      if (isStoreError(error) && error.code === 'ObjectNotFound') return undefined;
      throw error;
    }
  }

  /**
   * Keeps the index in memory and in the store. A failure to store it is logged, not the
   * request's: the index is rebuilt from the shard on a later read.
   */
  async #store(key: string, index: ShardIndex): Promise<void> {
    this.#remember(key, index);
    try {
      await this.store.putObject({
        bucket: shardIndexBucket,
        name: key,
        body: Readable.from(encodeShardIndex(index)),
        checksumType: 'xxhash',
        versioning: false,
      });
    } catch (error) {
      this.log.warn('shard index not stored (it is rebuilt when next needed)', {
        shard: key,
        error: String(error),
      });
    }
  }

  #remember(key: string, index: ShardIndex): void {
    const previous = this.#cache.get(key);
    if (previous !== undefined) {
      this.#cache.delete(key);
      this.#cachedEntries -= previous.entries.length;
    }
    this.#cache.set(key, index);
    this.#cachedEntries += index.entries.length;
    for (const [oldest, old] of this.#cache) {
      if (this.#cachedEntries <= cachedEntriesMax || oldest === key) break;
      this.#cache.delete(oldest);
      this.#cachedEntries -= old.entries.length;
    }
  }
}
