// Listing a remote bucket: each page is one page of the backend's listing (its continuation token
// carried in ours), merged with what the cluster holds of those names: an entry the cluster has is
// flagged cached and carries the cluster's properties. `Cached` lists only what the cluster holds
// (no remote call: the caller's local listing); `NotCached` only what it does not. `Diff` compares
// each cached object with the remote's entry (`VerChanged`) and lists the cached objects the
// remote no longer has (`VerRemoved`).
import { RemoteMetadataKey, type Backend, type RemoteObject } from './backend.js';
import { badRequest } from '../errors/index.js';
import {
  EntryFlag,
  ListFlag,
  ListProp,
  defaultListProps,
  type BucketJson,
  type ListEntryJson,
  type ListObjectsRequestJson,
  type ListPageJson,
} from '../wire/index.js';

/** Most entries an S3 listing page holds (AIStore's page limit for aws buckets). */
export const remotePageLimit = 1000;

/** Lists the cluster's own objects of the bucket (the merged listing of every target). */
export type LocalListing = (request: ListObjectsRequestJson) => Promise<ListPageJson>;

/**
 * Whether the request lists only what the cluster holds (no remote listing): flag `Cached`, or an
 * `ht://` bucket (an HTTP origin cannot be listed; AIStore lists what it holds of one).
 */
export function listsCachedOnly(request: ListObjectsRequestJson, bucket: BucketJson): boolean {
  return (flagsOf(request) & ListFlag.cached) !== 0n || bucket.provider === 'ht';
}

/** One page of a remote bucket's listing, merged with the cluster's presence. */
export async function listRemotePage(
  backend: Backend,
  request: ListObjectsRequestJson,
  pageSize: number,
  listLocal: LocalListing,
): Promise<ListPageJson> {
  const position = decodeToken(request.continuation_token ?? '');
  const prefix = request.prefix ?? '';
  const startAfter = request.start_after ?? '';
  const page = await backend.list({
    ...(prefix === '' ? {} : { prefix }),
    ...(position.remote === undefined
      ? startAfter === ''
        ? {}
        : { startAfter }
      : { continuationToken: position.remote }),
    limit: Math.min(pageSize, remotePageLimit),
  });
  const last = page.entries[page.entries.length - 1]?.name;
  const diff = (flagsOf(request) & ListFlag.diff) !== 0n;
  const local = await localEntries(
    listLocal,
    diff ? withComparedProps(request) : request,
    position.after ?? request.start_after ?? '',
    page.continuationToken === undefined ? undefined : last,
  );
  const notCachedOnly = (flagsOf(request) & ListFlag.notCached) !== 0n;
  const entries: ListEntryJson[] = [];
  for (const remote of page.entries) {
    const held = local.get(remote.name);
    local.delete(remote.name);
    if (held !== undefined && !notCachedOnly) {
      const changed = diff && cachedChanged(held, remote);
      entries.push(cachedEntry(held, remote, request, changed ? EntryFlag.verChanged : 0));
    }
    if (held === undefined) entries.push(remoteEntry(remote));
  }
  // What is left of the cluster's names in this page's range the remote no longer lists.
  if (diff && !notCachedOnly) {
    for (const held of local.values())
      entries.push(cachedEntry(held, undefined, request, EntryFlag.verRemoved));
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
  const token =
    page.continuationToken === undefined || last === undefined
      ? ''
      : encodeToken({ remote: page.continuationToken, after: last });
  return { uuid: request.uuid ?? '', continuation_token: token, entries, flags: 0 };
}

/**
 * The cluster's entries after `after` up to `last` (inclusive; undefined: to the end), read page
 * by page from the local listing.
 */
async function localEntries(
  listLocal: LocalListing,
  request: ListObjectsRequestJson,
  after: string,
  last: string | undefined,
): Promise<Map<string, ListEntryJson>> {
  const held = new Map<string, ListEntryJson>();
  let localRequest: ListObjectsRequestJson = {
    ...request,
    flags: String(ListFlag.cached),
    continuation_token: '',
    uuid: '',
    start_after: after,
  };
  for (;;) {
    const page = await listLocal(localRequest);
    for (const entry of page.entries) {
      if (last !== undefined && entry.name > last) return held;
      held.set(entry.name, entry);
    }
    if (page.continuation_token === '') return held;
    localRequest = {
      ...localRequest,
      continuation_token: page.continuation_token,
      uuid: page.uuid,
    };
  }
}

function cachedEntry(
  held: ListEntryJson,
  remote: RemoteObject | undefined,
  request: ListObjectsRequestJson,
  flag: number,
): ListEntryJson {
  const entry: ListEntryJson = { ...held };
  // Custom metadata read only to compare (Diff) leaves the entry unless the client asked for it.
  if (!askedProps(request).has(ListProp.custom)) delete entry['custom-md'];
  if (entry.version === undefined && remote?.version !== undefined) entry.version = remote.version;
  entry.flags = (held.flags ?? EntryFlag.statusOk) | EntryFlag.isCached | flag;
  return entry;
}

/** The request with the props a Diff compares added (version, and the ETag in custom metadata). */
function withComparedProps(request: ListObjectsRequestJson): ListObjectsRequestJson {
  const props = new Set([...askedProps(request), ListProp.version, ListProp.custom]);
  return { ...request, props: [...props].join(',') };
}

function askedProps(request: ListObjectsRequestJson): Set<string> {
  const text =
    request.props === undefined || request.props === '' ? defaultListProps : request.props;
  return new Set(text.split(',').map((prop) => prop.trim()));
}

/** Whether the cached object is another than the remote's (by version, else ETag, else size). */
function cachedChanged(held: ListEntryJson, remote: RemoteObject): boolean {
  if (held.version !== undefined && remote.version !== undefined)
    return held.version !== remote.version;
  const etag = cachedEtag(held);
  if (etag !== undefined && remote.etag !== undefined) return etag !== remote.etag;
  return held.size !== undefined && Number(held.size) !== remote.size;
}

/** The remote's ETag a cold GET or write-through kept in the object's custom metadata. */
function cachedEtag(held: ListEntryJson): string | undefined {
  const text = held['custom-md'];
  if (text === undefined) return undefined;
  try {
    const metadata = JSON.parse(text) as Record<string, unknown>;
    const etag = metadata[RemoteMetadataKey.etag];
    return typeof etag === 'string' ? etag : undefined;
  } catch {
    return undefined;
  }
}

function remoteEntry(remote: RemoteObject): ListEntryJson {
  return {
    name: remote.name,
    size: String(remote.size),
    ...(remote.version === undefined ? {} : { version: remote.version }),
    flags: EntryFlag.statusOk,
  };
}

function flagsOf(request: ListObjectsRequestJson): bigint {
  const text = request.flags ?? '';
  if (!/^\d*$/.test(text)) throw badRequest(`invalid list flags "${text}"`);
  return BigInt(text === '' ? '0' : text);
}

/** Where the next page starts: the backend's token and the last name listed so far. */
interface Position {
  remote?: string;
  after?: string;
}

function encodeToken(position: Required<Position>): string {
  return Buffer.from(JSON.stringify([position.remote, position.after])).toString('base64url');
}

function decodeToken(token: string): Position {
  if (token === '') return {};
  try {
    const [remote, after] = JSON.parse(Buffer.from(token, 'base64url').toString()) as unknown[];
    if (typeof remote === 'string' && typeof after === 'string') return { remote, after };
  } catch {
    // reported below
  }
  throw badRequest(`invalid continuation token "${token}"`);
}
