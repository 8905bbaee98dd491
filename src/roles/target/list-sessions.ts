// A target's memory of its listing sessions. The gateway asks every target for a full page and
// keeps the first page-size names of the merge, so with N targets each page used only about 1/N
// of what a target had read; the next page walked (and stat'ed) the rest again. A session keeps
// the entries read but not yet consumed and where its walk stopped: the next page of the same
// listing (same `uuid`) starts from them and walks only what is missing.
import type { ListEntryJson } from '../../wire/index.js';

const maxSessions = 64;
const sessionTtlMs = 60_000;

interface Session {
  /** Bucket, prefix and properties: a page of another listing never reuses these entries. */
  readonly key: string;
  /** Entries after `startAfter`, read but perhaps not consumed yet, ascending. */
  readonly entries: ListEntryJson[];
  readonly startAfter: string;
  /** The last name the walk read; undefined when the walk reached the end. */
  readonly walkedTo: string | undefined;
  readonly touchedAt: number;
}

/** What is known of a page before walking: entries to reuse and where the walk resumes. */
export interface PageStart {
  reused: ListEntryJson[];
  /** Walk after this name (`undefined`: nothing more to walk). */
  walkAfter: string | undefined;
}

export class ListSessions {
  readonly #sessions = new Map<string, Session>();

  /**
   * Where the page after `startAfter` begins: the remembered entries after it and the walk's
   * position when the session covers it, else a fresh walk from `startAfter`.
   */
  begin(uuid: string, key: string, startAfter: string): PageStart {
    const session = this.#sessions.get(uuid);
    const covered =
      session !== undefined &&
      session.key === key &&
      Date.now() - session.touchedAt < sessionTtlMs &&
      startAfter !== '' &&
      startAfter >= session.startAfter &&
      (session.walkedTo === undefined || startAfter <= session.walkedTo);
    if (!covered) return { reused: [], walkAfter: startAfter };
    return {
      reused: session.entries.filter((entry) => entry.name > startAfter),
      walkAfter: session.walkedTo,
    };
  }

  /** Remembers what the page read: `entries` follow `startAfter`; the walk stopped at `walkedTo`. */
  remember(
    uuid: string,
    key: string,
    startAfter: string,
    entries: ListEntryJson[],
    walkedTo: string | undefined,
  ): void {
    if (uuid === '') return;
    this.#sessions.delete(uuid);
    const now = Date.now();
    for (const [id, session] of this.#sessions) {
      if (this.#sessions.size < maxSessions && now - session.touchedAt < sessionTtlMs) break;
      this.#sessions.delete(id);
    }
    this.#sessions.set(uuid, { key, entries, startAfter, walkedTo, touchedAt: now });
  }
}
