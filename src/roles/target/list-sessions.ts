// A target's memory of its listing sessions. The gateway asks every target for a full page and
// keeps the first page-size names of the merge, so with N targets each page used only about 1/N
// of what a target had read; the next page walked (and stat'ed) the rest again. A session keeps
// the entries read but not yet consumed and where its walk stopped: the next page of the same
// listing starts from them and walks only what is missing.

const maxSessions = 64;
const sessionTtlMs = 60_000;

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
   * no session ID (or the first of a listing) walks afresh; every page is remembered.
   */
  async page(
    id: string,
    key: string,
    startAfter: string,
    limit: number,
    walk: ListWalk<T>,
  ): Promise<T[]> {
    const start = this.#begin(id, key, startAfter);
    let entries = start.reused;
    let walkedTo = start.walkAfter;
    if (entries.length < limit && start.walkAfter !== undefined) {
      const wanted = limit - entries.length;
      const walked = await walk(start.walkAfter, wanted);
      entries = [...entries, ...walked];
      const last = walked[walked.length - 1];
      walkedTo = walked.length < wanted || last === undefined ? undefined : this.nameOf(last);
    }
    this.#remember(id, { key, entries, startAfter, walkedTo, touchedAt: Date.now() });
    return entries.slice(0, limit);
  }

  #begin(id: string, key: string, startAfter: string): { reused: T[]; walkAfter?: string } {
    const session = this.#sessions.get(id);
    const covered =
      session !== undefined &&
      session.key === key &&
      Date.now() - session.touchedAt < sessionTtlMs &&
      startAfter !== '' &&
      startAfter >= session.startAfter &&
      (session.walkedTo === undefined || startAfter <= session.walkedTo);
    if (!covered) return { reused: [], walkAfter: startAfter };
    return {
      reused: session.entries.filter((entry) => this.nameOf(entry) > startAfter),
      ...(session.walkedTo === undefined ? {} : { walkAfter: session.walkedTo }),
    };
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
