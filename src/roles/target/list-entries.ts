// A target's list-objects page: local entries after the token, with only the requested properties.
import type { StoredObject } from '../../storage/index.js';
import {
  EntryFlag,
  ListFlag,
  ListProp,
  defaultListProps,
  type ListEntryJson,
} from '../../wire/index.js';

const nameAndSize = new Set<string>([ListProp.name, ListProp.size]);

/** The requested property set (defaults when empty) and whether it needs object metadata. */
export function listPropsOf(
  props: string | undefined,
  flags: bigint,
): { props: Set<string>; needsMetadata: boolean } {
  if ((flags & ListFlag.nameOnly) !== 0n)
    return { props: new Set([ListProp.name]), needsMetadata: false };
  const names = (props === undefined || props === '' ? defaultListProps : props)
    .split(',')
    .filter((p) => p !== '');
  const set = new Set(names);
  if ((flags & ListFlag.nameSize) !== 0n)
    return { props: new Set([ListProp.name, ListProp.size]), needsMetadata: false };
  const needsMetadata = [...set].some(
    (prop) => !nameAndSize.has(prop) && prop !== ListProp.cached && prop !== ListProp.status,
  );
  return { props: set, needsMetadata };
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

export function toListEntry(
  object: Pick<StoredObject, 'name' | 'size'> & Partial<StoredObject>,
  props: ReadonlySet<string>,
  nodeId: string,
): ListEntryJson {
  const entry: ListEntryJson = { name: object.name, flags: EntryFlag.isCached };
  if (props.has(ListProp.size)) entry.size = String(object.size);
  if (props.has(ListProp.checksum) && object.checksum !== undefined)
    entry.checksum = object.checksum.value;
  if (props.has(ListProp.atime) && object.accessTimeNs !== undefined)
    entry.atime = formatListTime(object.accessTimeNs);
  if (props.has(ListProp.version) && object.version !== undefined) entry.version = object.version;
  if (props.has(ListProp.location) && object.mountpath !== undefined)
    entry.location = `t[${nodeId}]:${object.mountpath}`;
  if (props.has(ListProp.copies) && object.copies !== undefined)
    entry.copies = object.copies.length + 1;
  if (
    props.has(ListProp.custom) &&
    object.customMetadata !== undefined &&
    Object.keys(object.customMetadata).length > 0
  ) {
    entry['custom-md'] = JSON.stringify(object.customMetadata);
  }
  return entry;
}
