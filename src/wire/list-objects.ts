// List-objects request (LsoMsg) and page (LsoRes), JSON and msgpack forms (`api/apc/lsmsg.go`).

/** Bits of `LsoMsg.flags` (sent as a decimal string). */
export const ListFlag = {
  cached: 1n << 0n,
  missing: 1n << 1n,
  deleted: 1n << 2n,
  archDir: 1n << 3n,
  nameOnly: 1n << 4n,
  nameSize: 1n << 5n,
  bucketPresent: 1n << 6n,
  dontHeadRemote: 1n << 7n,
  dontAddRemote: 1n << 8n,
  notCached: 1n << 9n,
  noRecursion: 1n << 11n,
  diff: 1n << 12n,
  noDirs: 1n << 13n,
  nativeInventory: 1n << 15n,
} as const;

/** Properties a listing can return (`props` comma list). */
export const ListProp = {
  name: 'name',
  size: 'size',
  version: 'version',
  checksum: 'checksum',
  atime: 'atime',
  cached: 'cached',
  status: 'status',
  copies: 'copies',
  ec: 'ec',
  custom: 'custom',
  location: 'location',
  chunked: 'chunked',
  lastModified: 'last-modified',
  etag: 'etag',
} as const;

export const defaultListProps = 'name,size,cached';
/** The default with the `cached` flag (`apc.GetPropsDefaultAIS`). */
export const defaultCachedListProps = 'name,size,checksum,atime';
export const maxListPageSize = 10000;

export interface ListObjectsRequestJson {
  uuid?: string;
  props?: string;
  time_format?: string;
  prefix?: string;
  start_after?: string;
  continuation_token?: string;
  target?: string;
  flags?: string;
  pagesize?: number;
}

/** Entry status/flag bits (`flags` of an entry). */
export const EntryFlag = {
  statusOk: 0,
  statusMisplacedNode: 1,
  statusMisplacedMountpath: 2,
  isCached: 1 << 6,
  /** A file inside a shard, listed as `<shard>/<path>` (ArchDir listings). */
  inArchive: 1 << 7,
  isDirectory: 1 << 8,
  /** A shard whose files an ArchDir listing lists after it. */
  isArchive: 1 << 9,
  /** List flag Diff: the cached object is not the remote's current one. */
  verChanged: 1 << 10,
  /** List flag Diff: the cached object's remote no longer lists it. */
  verRemoved: 1 << 11,
} as const;

export interface ListEntryJson {
  name: string;
  checksum?: string;
  atime?: string;
  version?: string;
  location?: string;
  'custom-md'?: string;
  size?: string;
  copies?: number;
  flags?: number;
}

export interface ListPageJson {
  uuid: string;
  continuation_token: string;
  entries: ListEntryJson[];
  flags: number;
}

/** msgpack form of an entry: short keys, all but `n` omitted when empty. */
export interface ListEntryMsgpack {
  n: string;
  cs?: string;
  a?: string;
  v?: string;
  t?: string;
  m?: string;
  s?: number;
  c?: number;
  f?: number;
}

export interface ListPageMsgpack {
  UUID: string;
  ContinuationToken: string;
  Entries: ListEntryMsgpack[];
  Flags: number;
}

/**
 * Cairn, from a target to a gateway (asked with `Accept: ContentType.listColumns`): a page whose
 * entries hold only name, flags and size, as one array each. A gateway parses it in about a fifth
 * of the time an object per entry takes (docs/profiling.md "Listing, sixth pass").
 */
export interface ListColumnsJson {
  uuid: string;
  continuation_token: string;
  flags: number;
  names: string[];
  entryFlags: number[];
  /** An entry's size; null where it has none (names only). */
  sizes: Array<string | null>;
}

/** The keys of an entry that columns carry, in the order the gateway rebuilds them. */
const columnKeys: readonly string[] = ['name', 'flags', 'size'];

/**
 * Whether `entry` holds name and flags, then perhaps size, and nothing else, in that order: what
 * the gateway rebuilds from columns byte for byte. An allow-list, so a field added to entries later
 * rules columns out instead of vanishing from clients' pages; the order rules out an ArchDir
 * listing's shard files (made name, size, flags). No array per entry (for-in, not Object.keys).
 */
function fitsColumns(entry: ListEntryJson): boolean {
  let position = 0;
  for (const key in entry) {
    if (key !== columnKeys[position]) return false;
    position += 1;
  }
  return position >= 2 && typeof entry.flags === 'number';
}

/** The page in columns, or undefined when some entry holds more than name, flags and size. */
export function listPageToColumns(page: ListPageJson): ListColumnsJson | undefined {
  // Filled by push: arrays made with a length are holey, which JSON.stringify takes slowly.
  const names: string[] = [];
  const entryFlags: number[] = [];
  const sizes: Array<string | null> = [];
  for (const entry of page.entries) {
    if (!fitsColumns(entry)) return undefined;
    names.push(entry.name);
    entryFlags.push(entry.flags as number);
    sizes.push(entry.size ?? null);
  }
  const { uuid, continuation_token, flags } = page;
  return { uuid, continuation_token, flags, names, entryFlags, sizes };
}

/** A target's page, as objects or in columns, as entries; undefined if the columns do not match. */
export function listEntriesOf(page: ListPageJson | ListColumnsJson): ListEntryJson[] | undefined {
  if (!('names' in page)) return Array.isArray(page.entries) ? page.entries : undefined;
  const { names, entryFlags, sizes } = page;
  if (
    !Array.isArray(names) ||
    !Array.isArray(entryFlags) ||
    !Array.isArray(sizes) ||
    entryFlags.length !== names.length ||
    sizes.length !== names.length
  ) {
    return undefined;
  }
  const entries = new Array<ListEntryJson>(names.length);
  for (let index = 0; index < names.length; index += 1) {
    const name = names[index] as string;
    const flags = entryFlags[index] as number;
    const size = sizes[index];
    entries[index] = size === null || size === undefined ? { name, flags } : { name, flags, size };
  }
  return entries;
}
