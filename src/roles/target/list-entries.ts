// A target's list-objects page: local entries after the token, with only the requested properties.
import type { StoredObject } from '../../storage/index.js';
import {
  EntryFlag,
  ListFlag,
  ListProp,
  defaultCachedListProps,
  defaultListProps,
  userMetadataOf,
  type ListEntryJson,
} from '../../wire/index.js';

const nameAndSize = new Set<string>([ListProp.name, ListProp.size]);

/** What a target reads per listed object, by the properties a listing asks for. */
export type ListReads = 'names' | 'sizes' | 'metadata';

/**
 * The requested property set (defaults when empty) and what it costs per object: nothing beyond
 * the walk for names only (LsNameOnly, or no size asked for), a stat for sizes (the defaults,
 * LsNameSize; empty files also their record, as they may be chunked), the record for the rest.
 * The `cached` flag has its own defaults, as in AIStore.
 */
export function listPropsOf(
  props: string | undefined,
  flags: bigint,
): { props: Set<string>; reads: ListReads } {
  if ((flags & ListFlag.nameOnly) !== 0n)
    return { props: new Set([ListProp.name]), reads: 'names' };
  if ((flags & ListFlag.nameSize) !== 0n)
    return { props: new Set([ListProp.name, ListProp.size]), reads: 'sizes' };
  const defaults = (flags & ListFlag.cached) !== 0n ? defaultCachedListProps : defaultListProps;
  const names = (props === undefined || props === '' ? defaults : props)
    .split(',')
    .filter((p) => p !== '');
  const set = new Set(names);
  const needsMetadata = [...set].some(
    (prop) => !nameAndSize.has(prop) && prop !== ListProp.cached && prop !== ListProp.status,
  );
  if (needsMetadata) return { props: set, reads: 'metadata' };
  return { props: set, reads: set.has(ListProp.size) ? 'sizes' : 'names' };
}

/** AIStore's default list time format (RFC 822: `02 Jan 06 15:04 UTC`). */
export function formatListTime(nanoseconds: bigint): string {
  const date = new Date(Number(nanoseconds / 1_000_000n));
  const months = [
    'Jan',
    'Feb',
    'Mar',
    'Apr',
    'May',
    'Jun',
    'Jul',
    'Aug',
    'Sep',
    'Oct',
    'Nov',
    'Dec',
  ];
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${pad(date.getUTCDate())} ${months[date.getUTCMonth()]} ${pad(date.getUTCFullYear() % 100)} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())} UTC`;
}

/** A listed object: a name, a size unless names only were read, the rest with metadata. */
export type ListableObject = Pick<StoredObject, 'name'> & Partial<StoredObject>;

/**
 * The entry maker for a page: names and sizes (the default listing) take a fast path that does not
 * look the properties up per object.
 */
export function listEntryMaker(
  props: ReadonlySet<string>,
  nodeId: string,
): (object: ListableObject) => ListEntryJson {
  const plain = [...props].every((prop) => nameAndSize.has(prop) || prop === ListProp.cached);
  if (!plain) return (object) => toListEntry(object, props, nodeId);
  if (!props.has(ListProp.size)) {
    return (object) => ({ name: object.name, flags: EntryFlag.isCached });
  }
  return (object) =>
    object.size === undefined
      ? { name: object.name, flags: EntryFlag.isCached }
      : { name: object.name, flags: EntryFlag.isCached, size: String(object.size) };
}

export function toListEntry(
  object: ListableObject,
  props: ReadonlySet<string>,
  nodeId: string,
): ListEntryJson {
  const entry: ListEntryJson = { name: object.name, flags: EntryFlag.isCached };
  if (props.has(ListProp.size) && object.size !== undefined) entry.size = String(object.size);
  if (props.has(ListProp.checksum) && object.checksum !== undefined)
    entry.checksum = object.checksum.value;
  if (props.has(ListProp.atime) && object.accessTimeNs !== undefined)
    entry.atime = formatListTime(object.accessTimeNs);
  if (props.has(ListProp.version) && object.version !== undefined) entry.version = object.version;
  if (props.has(ListProp.location) && object.mountpath !== undefined)
    entry.location = `t[${nodeId}]:${object.mountpath}`;
  if (props.has(ListProp.copies) && object.copies !== undefined)
    entry.copies = object.copies.length + 1;
  const customMetadata =
    object.customMetadata === undefined ? undefined : userMetadataOf(object.customMetadata);
  if (
    props.has(ListProp.custom) &&
    customMetadata !== undefined &&
    Object.keys(customMetadata).length > 0
  ) {
    entry['custom-md'] = JSON.stringify(customMetadata);
  }
  return entry;
}
