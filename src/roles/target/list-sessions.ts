// A target's memory of its listing sessions. The gateway asks every target for a full page and
// keeps the first page-size names of the merge, so with N targets each page used only about 1/N
// of what a target had read; the next page walked (and stat'ed) the rest again. A session keeps
// the entries read but not yet consumed and where its walk stopped: the next page of the same
// listing starts from them and walks only what is missing.

const maxSessions = 32;
const sessionTtlMs = 60_000;
/** A session holding more than this is not kept: two full native pages (10,000 each) fit. */
const maxRememberedEntries = 20_000;

interface Session<T> {
  /** Bucket, prefix and properties: a page of another listing never reuses these entries. */
  readonly key: string;
  /** Entries after `startAfter`, read but perhaps not consumed yet, ascending. */
  readonly entries: T[];
  readonly startAfter: string;
  /** The last name the walk read; undefined when the walk reached the end. */
  readonly walkedTo: string | undefined;
  readonly touchedAt: number;
}

/** Reads up to `limit` entries after `after`, ascending (a store walk). */
export type ListWalk<T> = (after: string, limit: number) => Promise<T[]>;

export class ListSessions<T> {
  readonly #sessions = new Map<string, Session<T>>();

  constructor(private readonly nameOf: (entry: T) => string) {}

  /**
   * Up to `limit` entries after `startAfter`: those session `id` read already (when it covers
   * `startAfter` and belongs to the same listing `key`), then a walk for the rest. A page with
   * no session ID (or the first of a listing) walks afresh; every page is remembered. The session
   * keeps what it read after `keepAfter` (a page that reads in several steps passes where the page
   * began, so that its later steps do not drop what the next page will need).
   */
  async page(
    id: string,
    key: string,
    startAfter: string,
    limit: number,
    walk: ListWalk<T>,
    keepAfter = startAfter,
  ): Promise<T[]> {
    const session = this.#sessions.get(id);
    const covered =
      session !== undefined &&
      session.key === key &&
      Date.now() - session.touchedAt < sessionTtlMs &&
      startAfter !== '' &&
      startAfter >= session.startAfter &&
      (session.walkedTo === undefined || startAfter <= session.walkedTo);
    const kept = covered ? session.entries.filter((entry) => this.nameOf(entry) > keepAfter) : [];
    let entries = kept.filter((entry) => this.nameOf(entry) > startAfter);
    let walkedTo = covered ? session.walkedTo : startAfter;
    const walked: T[] = [];
    if (entries.length < limit && walkedTo !== undefined) {
      const wanted = limit - entries.length;
      walked.push(...(await walk(walkedTo, wanted)));
      entries = [...entries, ...walked];
      const last = walked[walked.length - 1];
      walkedTo = walked.length < wanted || last === undefined ? undefined : this.nameOf(last);
    }
    const remembered = covered ? [...kept, ...walked] : walked;
    if (remembered.length <= maxRememberedEntries) {
      const from = covered && session.startAfter > keepAfter ? session.startAfter : keepAfter;
      this.#remember(id, {
        key,
        entries: remembered,
        startAfter: covered ? from : startAfter,
        walkedTo,
        touchedAt: Date.now(),
      });
    }
    return entries.slice(0, limit);
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
