// List-objects pages on the wire: JSON, or msgpack with AIStore's short keys when asked.
import { encode } from '@msgpack/msgpack';
import type { ServerResponse } from 'node:http';
import {
  ContentType,
  Header,
  type ListEntryJson,
  type ListEntryMsgpack,
  type ListPageJson,
  type ListPageMsgpack,
} from '../../wire/index.js';

function entryToMsgpack(entry: ListEntryJson): ListEntryMsgpack {
  const packed: ListEntryMsgpack = { n: entry.name };
  if (entry.checksum !== undefined && entry.checksum !== '') packed.cs = entry.checksum;
  if (entry.atime !== undefined && entry.atime !== '') packed.a = entry.atime;
  if (entry.version !== undefined && entry.version !== '') packed.v = entry.version;
  if (entry.location !== undefined && entry.location !== '') packed.t = entry.location;
  if (entry['custom-md'] !== undefined && entry['custom-md'] !== '') packed.m = entry['custom-md'];
  if (entry.size !== undefined && entry.size !== '0') packed.s = Number(entry.size);
  if (entry.copies !== undefined && entry.copies !== 0) packed.c = entry.copies;
  if (entry.flags !== undefined && entry.flags !== 0) packed.f = entry.flags;
  return packed;
}

export function pageToMsgpack(page: ListPageJson): ListPageMsgpack {
  return {
    UUID: page.uuid,
    ContinuationToken: page.continuation_token,
    Entries: page.entries.map(entryToMsgpack),
    Flags: page.flags,
  };
}

/** Sends a page as msgpack when the Accept header asks for it, JSON otherwise. */
export function sendListPage(
  res: ServerResponse,
  page: ListPageJson,
  accept: string | undefined,
): void {
  if (accept?.includes(ContentType.msgpack) === true) {
    const body = encode(pageToMsgpack(page));
    res.setHeader(Header.contentType, ContentType.msgpack);
    res.setHeader(Header.contentLength, body.byteLength);
    res.end(body);
    return;
  }
  const body = JSON.stringify(page);
  res.setHeader(Header.contentType, ContentType.json);
  res.setHeader(Header.contentLength, Buffer.byteLength(body));
  res.end(body);
}
