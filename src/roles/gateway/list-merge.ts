// Merging per-target listings into pages (AIStore's "A-flow"), and the gateway's memory of each
// listing between pages: every target's entries received but not returned yet, and the last name
// it sent. A next page asks each target only for what it is missing, so each entry crosses from a
// target to the gateway once (asking every target for a full page each time sent N-1 of every N
// entries again, with N targets).
import { StoreError } from '../../errors/index.js';
import { invariant } from '../../util/assert.js';
import type { ListEntryJson } from '../../wire/index.js';

/** One target's part of a listing. */
export interface TargetStream {
  readonly targetId: string;
  /** Where the target answers intra-cluster requests. */
  readonly url: string;
  /** Received and not returned yet from `position` on, ascending. */
  entries: ListEntryJson[];
  position: number;
  /** The last name received (or where the listing started): the next request continues after it. */
  after: string;
  /** The target said it has nothing after `after`. */
  done: boolean;
}

export function newStream(targetId: string, url: string, after: string): TargetStream {
  return { targetId, url, entries: [], position: 0, after, done: false };
}

/** Entries a stream must receive before a page can be merged: it then holds a page's worth. */
export function missingEntries(stream: TargetStream, pageSize: number): number {
  return stream.done ? 0 : Math.max(0, pageSize - (stream.entries.length - stream.position));
}

/**
 * Adds a target's answer (up to `asked` entries after `stream.after`) to its stream. The merge
 * relies on each answer being ascending and after the name asked from: anything else is refused.
 */
export function receive(stream: TargetStream, entries: ListEntryJson[], asked: number): void {
  checkAscending(stream, entries);
  const kept = stream.entries.slice(stream.position);
  stream.entries = kept.length === 0 ? entries : kept.concat(entries);
  stream.position = 0;
  const last = entries[entries.length - 1];
  if (last !== undefined) stream.after = last.name;
  // A target answers a full page while it may have more (its token is set exactly then).
  if (entries.length < asked) stream.done = true;
}

/**
 * Refuses an answer that is not ascending after `stream.after`. A loop of its own: as the tail of
 * `receive`, V8 compiled the loop on stack (OSR) before the code after it had run, and every later
 * call deoptimized there (117 times in two listings of 300,000 objects).
 */
function checkAscending(stream: TargetStream, entries: ListEntryJson[]): void {
  let previous = stream.after;
  for (const entry of entries) {
    if (typeof entry.name !== 'string' || entry.name <= previous) {
      throw new StoreError(
        'Internal',
        `target ${stream.targetId} listed "${String(entry.name)}" after "${previous}": not ascending`,
      );
    }
    previous = entry.name;
  }
}

/**
 * Up to `pageSize` entries of the streams, merged ascending (a linear k-way merge: clusters have
 * few targets), one per name (a name on several targets, as during a rebalance, is listed once,
 * from the first target in order). Only names up to the frontier are taken: beyond the last name
 * a target sent, that target may still hold smaller names. `more` says whether anything may
 * follow. Streams that each hold a page's worth (`missingEntries` 0) always give a full page
 * unless the listing ends.
 */
export function mergeStreams(
  streams: readonly TargetStream[],
  pageSize: number,
): { entries: ListEntryJson[]; more: boolean } {
  let frontier: string | undefined;
  for (const stream of streams) {
    if (stream.done) continue;
    const last = stream.entries[stream.entries.length - 1]?.name ?? stream.after;
    if (frontier === undefined || last < frontier) frontier = last;
  }
  const entries = takeMerged(streams, pageSize, frontier);
  const more = streams.some((stream) => !stream.done || stream.position < stream.entries.length);
  invariant(!more || entries.length > 0, 'a listing page stopped at the frontier with nothing');
  return { entries, more };
}

/**
 * The merge loop of `mergeStreams`, a function of its own for the same reason as `checkAscending`
 * (29 deoptimizations after the loop in two listings of 300,000 objects).
 */
function takeMerged(
  streams: readonly TargetStream[],
  pageSize: number,
  frontier: string | undefined,
): ListEntryJson[] {
  const entries: ListEntryJson[] = [];
  while (entries.length < pageSize) {
    let best: ListEntryJson | undefined;
    for (const stream of streams) {
      const head = stream.entries[stream.position];
      if (head !== undefined && (best === undefined || head.name < best.name)) best = head;
    }
    if (best === undefined || (frontier !== undefined && best.name > frontier)) break;
    entries.push(best);
    for (const stream of streams) {
      while (stream.entries[stream.position]?.name === best.name) stream.position += 1;
    }
  }
  return entries;
}

/** Listings remembered at once, and for how long after their last page. */
const maxCursors = 32;
const cursorTtlMs = 60_000;
/** A listing holding more entries than this between pages is not remembered. */
const maxRememberedEntries = 200_000;

/** A listing between two pages. */
export interface ListCursor {
  /** Bucket, prefix, properties, flags and page size: another listing's pages never reuse it. */
  readonly key: string;
  /** The targets it merges, by ID: a changed cluster map starts afresh. */
  readonly targets: string;
  readonly streams: TargetStream[];
  /** The continuation token of the page last returned: the only one the next page may bring. */
  token: string;
  touchedAt: number;
  /** The next page's entries being fetched while the client reads this one. */
  prefetch?: Promise<void>;
}

/** The gateway's remembered listings, by listing UUID. */
export class ListCursors {
  readonly #cursors = new Map<string, ListCursor>();

  /**
   * Takes (removes) the cursor of listing `uuid` when it continues from `token` with the same
   * key and targets; a concurrent page with the same token then starts afresh instead of sharing it.
   */
  take(uuid: string, key: string, token: string, targets: string): ListCursor | undefined {
    const cursor = this.#cursors.get(uuid);
    if (cursor === undefined) return undefined;
    this.#cursors.delete(uuid);
    const fresh = Date.now() - cursor.touchedAt < cursorTtlMs;
    const same = cursor.key === key && cursor.token === token && cursor.targets === targets;
    return fresh && same && token !== '' ? cursor : undefined;
  }

  /** Remembers a cursor for the next page, within the limits. */
  keep(uuid: string, cursor: ListCursor): boolean {
    const held = cursor.streams.reduce(
      (sum, stream) => sum + stream.entries.length - stream.position,
      0,
    );
    if (uuid === '' || held > maxRememberedEntries) return false;
    cursor.touchedAt = Date.now();
    this.#cursors.delete(uuid);
    for (const [other, kept] of this.#cursors) {
      if (this.#cursors.size < maxCursors && cursor.touchedAt - kept.touchedAt < cursorTtlMs) break;
      this.#cursors.delete(other);
    }
    this.#cursors.set(uuid, cursor);
    return true;
  }
}
