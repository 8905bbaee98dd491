// A target's memory of its listing sessions. The gateway asks every target for a full page and
// keeps the first page-size names of the merge, so with N targets each page used only about 1/N
// of what a target had read; the next page walked (and stat'ed) the rest again. A session keeps
// the entries read but not yet consumed and where its walk stopped: the next page of the same
// listing starts from them and walks only what is missing, through the directories the listing's
// earlier pages read and is still in (`ListingDirectories`). A recursive listing's session also
// reads ahead: once a page is answered it walks on for the next one while the gateway and the
// client work on this one, as AIStore's walk runs on from page to page. A session holds at most
// 20,000 entries (a read-ahead included), 20,000 directory entries and one read-ahead in flight.
import { ListingDirectories } from '../../storage/index.js';

const maxSessions = 32;
const sessionTtlMs = 60_000;
/** A session holding more than this is not kept: two full native pages (10,000 each) fit. */
const maxRememberedEntries = 20_000;
/** A read-ahead walks 1/8 more than the next page is expected to ask for. */
const readAheadSlack = 8;

interface Session<T> {
  /** Bucket, prefix and properties: a page of another listing never reuses these entries. */
  readonly key: string;
  /** Entries after `startAfter`, read but perhaps not consumed yet, ascending. */
  readonly entries: T[];
  readonly startAfter: string;
  /** The last name the walk read; undefined when the walk reached the end. */
  readonly walkedTo: string | undefined;
  readonly touchedAt: number;
  readonly directories: ListingDirectories;
  /** A walk on from `walkedTo` started after the last page; undefined if it failed. */
  readonly ahead: Promise<WalkStep<T> | undefined> | undefined;
}

/** How a page uses and keeps its session. */
export interface PageOptions {
  /**
   * The session keeps what it read after this (a page that reads in several steps passes where
   * the page began, so that its later steps do not drop what the next page will need).
   */
  readonly keepAfter?: string;
  /**
   * Walk on for the next page once this one is answered. Only for a listing whose next page
   * starts inside this one (a roll-up skipping a subtree would not use what was read).
   */
  readonly readAhead?: boolean;
}

/** What one step of a store walk read. */
export interface WalkStep<T> {
  /**
   * Ascending. Besides the entries read, it may hold entries made from them whose names sort
   * after names not read yet (an ArchDir listing puts a shard's files after the shard: `a.tar/x`
   * comes after `a.tar.gz`, which the next step may read).
   */
  readonly entries: T[];
  /** The last name the walk read; undefined when it reached the end. */
  readonly readTo: string | undefined;
}

/** Reads up to `limit` names after `after` from the store, ascending (`directories`: the listing's). */
export type ListWalk<T> = (
  after: string,
  limit: number,
  directories: ListingDirectories,
) => Promise<WalkStep<T>>;

export class ListSessions<T> {
  readonly #sessions = new Map<string, Session<T>>();

  constructor(private readonly nameOf: (entry: T) => string) {}

  /**
   * Up to `limit` entries after `startAfter`: those session `id` read already (when it covers
   * `startAfter` and belongs to the same listing `key`), then a walk for the rest. A page with
   * no session ID (or the first of a listing) walks afresh; every page is remembered.
   */
  async page(
    id: string,
    key: string,
    startAfter: string,
    limit: number,
    walk: ListWalk<T>,
    options: PageOptions = {},
  ): Promise<T[]> {
    const { keepAfter = startAfter, readAhead = false } = options;
    const session = this.#sessions.get(id);
    const covered =
      session !== undefined &&
      session.key === key &&
      Date.now() - session.touchedAt < sessionTtlMs &&
      startAfter !== '' &&
      startAfter >= session.startAfter &&
      (session.walkedTo === undefined || startAfter <= session.walkedTo);
    // Ascending: what sorts after a name is a tail, found by a binary search (not a filter that
    // compares every held entry on every page).
    let kept = covered ? this.#after(session.entries, keepAfter) : [];
    let entries = keepAfter === startAfter ? kept : this.#after(kept, startAfter);
    let walkedTo = covered ? session.walkedTo : startAfter;
    let ahead = covered ? session.ahead : undefined;
    const directories = covered ? session.directories : new ListingDirectories();
    if (this.#upTo(entries, walkedTo).length < limit && ahead !== undefined) {
      // A failed read-ahead is left out: the walk below reads the same names again.
      const step = await ahead;
      ahead = undefined;
      if (step !== undefined) {
        const same = entries === kept;
        kept = this.#merge(kept, step.entries);
        entries = same ? kept : this.#merge(entries, step.entries);
        walkedTo = step.readTo;
      }
    }
    let walked: T[] = [];
    const ready = this.#upTo(entries, walkedTo).length;
    if (ready < limit && walkedTo !== undefined) {
      // Every name read is listed and sorts at or before where the walk stops, so reading the
      // missing count makes the page whole; what sorts after it waits for a later step.
      const step = await walk(walkedTo, limit - ready, directories);
      walked = step.entries;
      entries = this.#merge(entries, walked);
      walkedTo = step.readTo;
    }
    const remembered = covered ? this.#merge(kept, walked) : walked;
    const page = this.#upTo(entries, walkedTo).slice(0, limit);
    if (remembered.length <= maxRememberedEntries) {
      const from = covered && session.startAfter > keepAfter ? session.startAfter : keepAfter;
      if (readAhead && ahead === undefined && walkedTo !== undefined && id !== '') {
        // A gateway asks for its next page after the last entry of this one, about as many (what
        // it took of each target's last answer: a few percent more or less). The read-ahead walks
        // an eighth more than that, so that the next page seldom needs a short walk of its own,
        // and never past what a session holds.
        const last = page[page.length - 1];
        const left =
          last === undefined ? 0 : this.#countBetween(remembered, this.nameOf(last), walkedTo);
        const wanted = Math.min(
          limit + Math.ceil(limit / readAheadSlack) - left,
          maxRememberedEntries - remembered.length,
        );
        if (wanted > 0) ahead = this.#readAhead(walk, walkedTo, wanted, directories);
      }
      this.#remember(id, {
        key,
        entries: remembered,
        startAfter: covered ? from : startAfter,
        walkedTo,
        touchedAt: Date.now(),
        directories,
        ahead,
      });
    }
    return page;
  }

  /** A walk for the next page, started now; a failure only makes that page walk itself. */
  #readAhead(
    walk: ListWalk<T>,
    after: string,
    limit: number,
    directories: ListingDirectories,
  ): Promise<WalkStep<T> | undefined> {
    return walk(after, limit, directories).then(
      (step) => step,
      () => undefined,
    );
  }

  /** How many of the ascending `entries` sort after `from` and at or before `to`. */
  #countBetween(entries: T[], from: string, to: string): number {
    return Math.max(0, this.#firstAfter(entries, to) - this.#firstAfter(entries, from));
  }

  /** The index of the first of the ascending `entries` that sorts after `name`. */
  #firstAfter(entries: T[], name: string): number {
    let low = 0;
    let high = entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.nameOf(entries[middle] as T) > name) high = middle;
      else low = middle + 1;
    }
    return low;
  }

  /** The ascending `entries` that sort after `name` (the array itself when all do). */
  #after(entries: T[], name: string): T[] {
    const from = this.#firstAfter(entries, name);
    return from === 0 ? entries : entries.slice(from);
  }

  /** The entries a page may hold: none sorts after a name the walk has not read yet. */
  #upTo(entries: T[], walkedTo: string | undefined): T[] {
    if (walkedTo === undefined) return entries;
    // Ascending: only a tail can be past it (none at all unless a walk adds entries).
    let end = entries.length;
    while (end > 0 && this.nameOf(entries[end - 1] as T) > walkedTo) end -= 1;
    return end === entries.length ? entries : entries.slice(0, end);
  }

  /** Two ascending lists as one, an entry both hold once. */
  #merge(first: T[], second: T[]): T[] {
    if (first.length === 0) return second;
    if (second.length === 0) return first;
    // A walk step reads after what the session holds: then the two only join, end to end.
    if (this.nameOf(first[first.length - 1] as T) < this.nameOf(second[0] as T))
      return first.concat(second);
    const out: T[] = [];
    let i = 0;
    let j = 0;
    while (i < first.length || j < second.length) {
      const a = first[i];
      const b = second[j];
      if (b === undefined || (a !== undefined && this.nameOf(a) < this.nameOf(b))) {
        out.push(a as T);
        i += 1;
      } else {
        if (a !== undefined && this.nameOf(a) === this.nameOf(b)) i += 1;
        out.push(b);
        j += 1;
      }
    }
    return out;
  }

  #remember(id: string, session: Session<T>): void {
    if (id === '') return;
    this.#sessions.delete(id);
    for (const [other, kept] of this.#sessions) {
      if (this.#sessions.size < maxSessions && session.touchedAt - kept.touchedAt < sessionTtlMs)
        break;
      this.#sessions.delete(other);
    }
    this.#sessions.set(id, session);
  }
}
