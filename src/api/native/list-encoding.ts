// List-objects pages on the wire: JSON, or msgpack with AIStore's short keys when asked, or (a
// target answering its gateway) JSON in columns.
import { encode } from '@msgpack/msgpack';
import type { ServerResponse } from 'node:http';
import {
  ContentType,
  Header,
  type ListEntryJson,
  type ListEntryMsgpack,
  type ListPageJson,
  type ListPageMsgpack,
  listPageToColumns,
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

/**
 * Sends a page as msgpack when the Accept header asks for it, in columns when it asks for those
 * and every entry fits them, JSON otherwise.
 */
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
  const columns =
    accept?.includes(ContentType.listColumns) === true ? listPageToColumns(page) : undefined;
  // Encoded once: a length taken from the string and then its write measured the text twice.
  const body = Buffer.from(JSON.stringify(columns ?? page));
  res.setHeader(Header.contentType, ContentType.json);
  res.setHeader(Header.contentLength, body.byteLength);
  res.end(body);
}
