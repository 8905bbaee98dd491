// In-process reader/writer locks keyed by object uname, with bounded memory and queues.
import { objectBusy } from '../../errors/index.js';
import { invariant } from '../../util/assert.js';

/** Bounds of the lock table; a request beyond them fails fast with a Conflict (busy) error. */
export interface NameLockLimits {
  /** Names locked or waited on at the same time (the table never holds idle names). */
  maxNames: number;
  /** Requests queued behind the holders of one name. */
  maxWaitersPerName: number;
}

export const defaultNameLockLimits: NameLockLimits = Object.freeze({
  maxNames: 65_536,
  maxWaitersPerName: 1_024,
});

type LockMode = 'read' | 'write';

interface Waiter {
  readonly mode: LockMode;
  readonly grant: () => void;
}

interface LockEntry {
  readers: number;
  writer: boolean;
  /** FIFO: a queued writer holds back later readers, so writers cannot starve. */
  readonly waiters: Waiter[];
}

/**
 * Reader/writer locks per name. Readers share, a writer is exclusive, waiters are served in
 * arrival order. Locks are not re-entrant: never take a second lock on a name you hold.
 */
export class NameLocks {
  readonly #entries = new Map<string, LockEntry>();
  readonly #limits: NameLockLimits;

  constructor(limits: NameLockLimits = defaultNameLockLimits) {
    invariant(limits.maxNames > 0 && limits.maxWaitersPerName >= 0, 'name lock limits');
    this.#limits = limits;
  }

  /** Runs `action` holding the shared lock of `name`. */
  async withReadLock<T>(name: string, action: () => Promise<T>): Promise<T> {
    const waiting = this.#acquire(name, 'read');
    if (waiting !== undefined) await waiting;
    try {
      return await action();
    } finally {
      this.#release(name, 'read');
    }
  }

  /**
   * Whether a read lock of `name` would be granted at once (no writer holds or waits for it, the
   * table has room): a read that runs to its end synchronously right after this is ordered
   * against writers as one that took and released the lock.
   */
  readableNow(name: string): boolean {
    const entry = this.#entries.get(name);
    if (entry === undefined) return this.#entries.size < this.#limits.maxNames;
    return entry.waiters.length === 0 && canGrant(entry, 'read');
  }

  /** Runs `action` holding the exclusive lock of `name`. */
  async withWriteLock<T>(name: string, action: () => Promise<T>): Promise<T> {
    const waiting = this.#acquire(name, 'write');
    if (waiting !== undefined) await waiting;
    try {
      return await action();
    } finally {
      this.#release(name, 'write');
    }
  }

  /**
   * Runs `action` holding the exclusive locks of those of `names` (distinct) that no one holds or
   * waits for now, without waiting for the others: `taken[i]` says which. A batch (LRU eviction)
   * must not stall behind one busy name, and a name in use is not one to evict anyway.
   */
  async withFreeWriteLocks<T>(
    names: readonly string[],
    action: (taken: readonly boolean[]) => Promise<T>,
  ): Promise<T> {
    const taken = names.map((name) => {
      const entry = this.#entries.get(name);
      if (entry !== undefined || this.#entries.size >= this.#limits.maxNames) return false;
      this.#entries.set(name, { readers: 0, writer: true, waiters: [] });
      return true;
    });
    try {
      return await action(taken);
    } finally {
      for (const [index, name] of names.entries()) if (taken[index]) this.#release(name, 'write');
    }
  }

  /** Number of names currently locked or waited on (for tests and stats). */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Takes the lock now (undefined, most often), or queues for it (the promise settles once it is
   * granted). A lock taken at once starts the action in the same turn: no await of a settled
   * promise on every object read (one resumption each, and each of a job's reads waits its turn).
   */
  #acquire(name: string, mode: LockMode): Promise<void> | undefined {
    let entry = this.#entries.get(name);
    if (entry === undefined) {
      if (this.#entries.size >= this.#limits.maxNames) throw objectBusy('the name lock table');
      entry = { readers: 0, writer: false, waiters: [] };
      this.#entries.set(name, entry);
    }
    if (entry.waiters.length === 0 && canGrant(entry, mode)) {
      take(entry, mode);
      return undefined;
    }
    if (entry.waiters.length >= this.#limits.maxWaitersPerName) throw objectBusy(`"${name}"`);
    const waiters = entry.waiters;
    return new Promise((resolve) => {
      waiters.push({ mode, grant: resolve });
    });
  }

  #release(name: string, mode: LockMode): void {
    const entry = this.#entries.get(name);
    invariant(entry !== undefined, `release of unlocked name ${name}`);
    if (mode === 'write') {
      invariant(entry.writer, `write release without a writer: ${name}`);
      entry.writer = false;
    } else {
      invariant(entry.readers > 0, `read release without readers: ${name}`);
      entry.readers -= 1;
    }
    // Grant the head of the queue, and every reader right behind a granted reader.
    let head = entry.waiters[0];
    while (head !== undefined && canGrant(entry, head.mode)) {
      entry.waiters.shift();
      take(entry, head.mode);
      head.grant();
      head = entry.waiters[0];
    }
    if (entry.readers === 0 && !entry.writer && entry.waiters.length === 0) {
      this.#entries.delete(name);
    }
  }
}

function canGrant(entry: LockEntry, mode: LockMode): boolean {
  return mode === 'read' ? !entry.writer : !entry.writer && entry.readers === 0;
}

function take(entry: LockEntry, mode: LockMode): void {
  if (mode === 'read') entry.readers += 1;
  else entry.writer = true;
}
