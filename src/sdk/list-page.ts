// Decoding list-objects pages (LsoRes): JSON as asked for, or msgpack should a server send that,
// both normalised to the JSON form (`entries` never null, sizes as decimal strings).
import { decode } from '@msgpack/msgpack';
import type {
  ListEntryJson,
  ListEntryMsgpack,
  ListObjectsRequestJson,
  ListPageJson,
} from '../wire/index.js';
import { asRecord } from '../util/json.js';

/** Decodes a page by its content type. Throws an Error describing what is malformed. */
export function decodeListPage(payload: Uint8Array, contentType: string): ListPageJson {
  if (contentType.includes('msgpack')) return fromMsgpack(decode(payload));
  // A view of the payload's bytes, not a copy of them.
  const bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  return fromJson(JSON.parse(bytes.toString('utf8')) as unknown);
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

/**
 * A listing's entries, page after page (`fetchPage` asks for the page after a continuation token),
 * until a page comes with an empty token. An iterator by hand, not an async generator: a
 * generator's `yield` costs three promise turns per entry, about 0.2 us of the client's CPU per
 * listed entry (docs/profiling.md "Listing, tenth pass"); here an entry of a page already received
 * is one resolved promise.
 */
export class ListEntries implements AsyncIterableIterator<ListEntryJson> {
  #request: ListObjectsRequestJson;
  #entries: ListEntryJson[] = [];
  #at = 0;
  /** No page left to ask for (the last came, the caller stopped, or a page failed). */
  #finished = false;
  /** The token of a page that did not advance past the one asked for. */
  #stuckAt: string | undefined;
  /** The next page being asked for: a `next()` meanwhile waits for it, as a generator's would. */
  #asking: Promise<IteratorResult<ListEntryJson>> | undefined;

  constructor(
    request: ListObjectsRequestJson,
    private readonly fetchPage: (request: ListObjectsRequestJson) => Promise<ListPageJson>,
    private readonly stuck: (token: string) => Error,
  ) {
    this.#request = { ...request };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<ListEntryJson>> {
    const asking = this.#asking;
    if (asking !== undefined) {
      const after = (): Promise<IteratorResult<ListEntryJson>> => this.next();
      return asking.then(after, after);
    }
    const entry = this.#entries[this.#at];
    if (entry === undefined) {
      const page = this.#nextPage().finally(() => (this.#asking = undefined));
      this.#asking = page;
      return page;
    }
    this.#at += 1;
    return Promise.resolve({ value: entry, done: false });
  }

  return(): Promise<IteratorResult<ListEntryJson>> {
    this.#finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  /** The first entry of the next page that has one, or the end. */
  async #nextPage(): Promise<IteratorResult<ListEntryJson>> {
    for (;;) {
      if (this.#finished) return { value: undefined, done: true };
      if (this.#stuckAt !== undefined) {
        const token = this.#stuckAt;
        this.#finish();
        throw this.stuck(token);
      }
      let page: ListPageJson;
      try {
        page = await this.fetchPage(this.#request);
      } catch (error) {
        this.#finish();
        throw error;
      }
      // The caller stopped (`return`) while the page was on its way: nothing more is handed out.
      if (this.#finished) return { value: undefined, done: true };
      const token = page.continuation_token;
      if (token === '') this.#finished = true;
      // A page that does not advance is listed, and the listing fails where it would ask again.
      else if (token === this.#request.continuation_token) this.#stuckAt = token;
      else this.#request = this.#after(page, token);
      const [first] = page.entries;
      if (first !== undefined) {
        this.#entries = page.entries;
        this.#at = 1;
        return { value: first, done: false };
      }
    }
  }

  /** The request of the page after `page`. */
  #after(page: ListPageJson, token: string): ListObjectsRequestJson {
    const request = { ...this.#request, continuation_token: token };
    // The session `uuid` ties the pages together on the server.
    if (page.uuid !== '') request.uuid = page.uuid;
    return request;
  }

  #finish(): void {
    this.#finished = true;
    this.#entries = [];
    this.#at = 0;
  }
}
