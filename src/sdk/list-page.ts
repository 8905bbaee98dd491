// Decoding list-objects pages (LsoRes): JSON as asked for, or msgpack should a server send that,
// both normalised to the JSON form (`entries` never null, sizes as decimal strings).
import { decode } from '@msgpack/msgpack';
import type { ListEntryJson, ListEntryMsgpack, ListPageJson } from '../wire/index.js';
import { asRecord } from '../util/json.js';

/** Decodes a page by its content type. Throws an Error describing what is malformed. */
export function decodeListPage(payload: Uint8Array, contentType: string): ListPageJson {
  if (contentType.includes('msgpack')) return fromMsgpack(decode(payload));
  return fromJson(JSON.parse(Buffer.from(payload).toString('utf8')) as unknown);
}

function fromJson(value: unknown): ListPageJson {
  const record = asRecord(value);
  if (record === undefined) throw new Error('list page is not an object');
  const entries = record['entries'] ?? [];
  if (!Array.isArray(entries)) throw new Error('list page "entries" is not an array');
  return {
    uuid: stringField(record['uuid']),
    continuation_token: stringField(record['continuation_token']),
    entries: entries.map((entry) => {
      const fields = asRecord(entry);
      if (fields === undefined || typeof fields['name'] !== 'string') {
        throw new Error('list entry without a name');
      }
      const size = fields['size'];
      // Sizes travel as strings (`json:",string"`); accept numbers from lenient servers.
      return (typeof size === 'number'
        ? { ...fields, size: String(size) }
        : fields) as unknown as ListEntryJson;
    }),
    flags: typeof record['flags'] === 'number' ? record['flags'] : 0,
  };
}

function fromMsgpack(value: unknown): ListPageJson {
  const record = asRecord(value);
  if (record === undefined) throw new Error('list page is not a map');
  const entries = record['Entries'] ?? [];
  if (!Array.isArray(entries)) throw new Error('list page "Entries" is not an array');
  return {
    uuid: stringField(record['UUID']),
    continuation_token: stringField(record['ContinuationToken']),
    entries: entries.map((entry) => entryFromMsgpack(entry)),
    flags: typeof record['Flags'] === 'number' ? record['Flags'] : 0,
  };
}

function entryFromMsgpack(value: unknown): ListEntryJson {
  const short = asRecord(value) as Partial<ListEntryMsgpack> | undefined;
  if (short === undefined || typeof short.n !== 'string')
    throw new Error('list entry without a name');
  const entry: ListEntryJson = { name: short.n };
  if (short.cs !== undefined) entry.checksum = short.cs;
  if (short.a !== undefined) entry.atime = short.a;
  if (short.v !== undefined) entry.version = short.v;
  if (short.t !== undefined) entry.location = short.t;
  if (short.m !== undefined) entry['custom-md'] = short.m;
  if (short.s !== undefined) entry.size = String(short.s);
  if (short.c !== undefined) entry.copies = short.c;
  if (short.f !== undefined) entry.flags = short.f;
  return entry;
}

function stringField(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
