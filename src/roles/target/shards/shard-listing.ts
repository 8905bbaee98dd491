// ArchDir listings (AIStore's `LsArchDir`): each shard a target holds is flagged EntryIsArchive and
// followed by its files, `<shard>/<path>` with sizes and EntryInArch. A page that ends inside a
// shard continues inside it (the token is a file's name), and a prefix reaching into a shard
// (`a.tar/dir/`) lists the files under it.
import {
  formatFromName,
  hasShardIndex,
  listArchive,
  splitAtExtension,
} from '../../../archive/index.js';
import type { LocalStore } from '../../../storage/index.js';
import { StoreError, isStoreError } from '../../../errors/index.js';
import {
  EntryFlag,
  bucketDisplayName,
  type BucketJson,
  type ListEntryJson,
} from '../../../wire/index.js';
import type { ShardAccess } from './batch-items.js';
import { openShard } from './object-archive-source.js';

export class ShardListing {
  constructor(
    private readonly shards: ShardAccess,
    private readonly store: LocalStore,
  ) {}

  /**
   * `entries` (a walk after `after`, under `prefix`) with every shard's files after it, and the
   * files after `after` of the shards before it (`shardsBefore`) or `prefix` lies inside;
   * ascending by name.
   */
  async expand(
    bucket: BucketJson,
    entries: readonly ListEntryJson[],
    after: string,
    prefix: string,
  ): Promise<ListEntryJson[]> {
    const out: ListEntryJson[] = [];
    const inside = new Set(shardsBefore(after));
    const prefixShard = splitAtExtension(prefix)?.shard;
    if (prefixShard !== undefined) inside.add(prefixShard);
    for (const shard of inside) {
      const under = `${shard}/`;
      if (!under.startsWith(prefix) && !prefix.startsWith(under)) continue;
      if (!(await this.#holds(bucket, shard))) continue;
      const files = await this.#files(bucket, shard, EntryFlag.isCached);
      out.push(...files.filter((file) => file.name > after && file.name.startsWith(prefix)));
    }
    for (const entry of entries) {
      if (formatFromName(entry.name) === undefined) {
        out.push(entry);
        continue;
      }
      const flags = entry.flags ?? 0;
      out.push({ ...entry, flags: flags | EntryFlag.isArchive });
      const files = await this.#files(bucket, entry.name, flags);
      out.push(...files.filter((file) => file.name.startsWith(prefix)));
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Whether this target holds the object `name` (only what a target holds is listed here). */
  async #holds(bucket: BucketJson, name: string): Promise<boolean> {
    const [first] = await this.store.listObjects(bucket, {
      prefix: name,
      limit: 1,
      namesOnly: true,
      withMetadata: false,
    });
    return first?.name === name;
  }

  /**
   * A shard that cannot be read as its name's format fails the listing, as in AIStore; the error
   * names it (the format's own, "not a valid .zip archive", does not say which of the bucket's).
   */
  async #files(bucket: BucketJson, shard: string, flags: number): Promise<ListEntryJson[]> {
    try {
      return await this.#filesOf(bucket, shard, flags);
    } catch (error) {
      if (!isStoreError(error) || error.code !== 'BadRequest') throw error;
      const name = `${bucketDisplayName(bucket)}/${shard}`;
      throw new StoreError('BadRequest', `listing the files of ${name}: ${error.message}`, {
        cause: error,
      });
    }
  }

  async #filesOf(bucket: BucketJson, shard: string, flags: number): Promise<ListEntryJson[]> {
    const { objects, indexes } = this.shards;
    const opened = await openShard(objects, { bucket: objects.resolve(bucket), name: shard });
    const format = formatFromName(shard) ?? '.tar';
    const fileFlags = (flags & ~EntryFlag.isArchive) | EntryFlag.inArchive;
    // A plain tar or a .tar.lz4 is listed from its index (built by this listing when there is none).
    const files =
      hasShardIndex(format) && opened.present
        ? (await indexes.indexOf(bucket, shard, opened.object, opened.source, format)).entries
        : await listArchive(opened.source, format);
    // A tar may hold a path twice (`tar -r` appends a newer copy): it is listed once, as the
    // copy a GET by archpath serves (the first), so that names stay unique and sizes match.
    const seen = new Set<string>();
    const listed: ListEntryJson[] = [];
    for (const file of files) {
      if (seen.has(file.name)) continue;
      seen.add(file.name);
      listed.push({ name: `${shard}/${file.name}`, size: String(file.size), flags: fileFlags });
    }
    return listed;
  }
}

/**
 * The shard names at or before `after` whose files sort after it: every leading part of `after`
 * with an archive's extension. `a.tar` is one of `a.tar.lz4/x`'s (`a.tar/…` sorts after both),
 * so a page that ended in `a.tar.lz4` or in its files must still list `a.tar`'s files.
 */
function shardsBefore(after: string): string[] {
  const shards: string[] = [];
  for (let end = 1; end <= after.length; end += 1) {
    const name = after.slice(0, end);
    if (formatFromName(name) !== undefined) shards.push(name);
  }
  return shards;
}
