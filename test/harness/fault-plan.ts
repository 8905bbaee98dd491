// The faults a faulty disk injects (rules matched by call and path, a space budget) and the crash
// state it shares with the files it opened. Used by faulty-disk.ts and faulty-file.ts.
import { sleep } from '../../src/util/time.js';
import { inodeOf, type DurabilityJournal, type InodeKey } from './durability-journal.js';

/** The calls of the disk seam, as rules name them (file and path calls share a name). */
export type DiskOperation =
  | 'open'
  | 'read'
  | 'write'
  | 'sync'
  | 'stat'
  | 'utimes'
  | 'rename'
  | 'link'
  | 'unlink'
  | 'mkdir'
  | 'rmdir'
  | 'rm'
  | 'readdir'
  | 'access'
  | 'statfs'
  | 'copyFile'
  | 'syncDirectory'
  | 'getAttribute'
  | 'setAttribute'
  | 'removeAttribute';

/**
 * What happens to a matching call: it fails with an errno code; it persists only the first
 * `tornBytes` bytes (writes and attribute sets) and reports success; or it waits, then proceeds.
 */
export type Fault = { error: string } | { tornBytes: number } | { delayMs: number };

export interface FaultRule {
  /** Calls it applies to (default: all). */
  operations?: readonly DiskOperation[];
  /** A path, or a directory and everything below it (default: every path). */
  path?: string;
  /** Only while the path names this file (`dev:ino`): bad blocks of one file, not of its name. */
  inode?: InodeKey;
  fault: Fault;
  /** Fires at most this many times (default: every time). */
  times?: number;
}

/** Bytes read below a path since the counter was made (`FaultyDisk.countReads`). */
export interface ReadCounter {
  readonly bytes: number;
  remove(): void;
}

/** A rule in effect: how often it fired, and how to lift it. */
export interface InjectedFault {
  readonly fired: number;
  remove(): void;
}

/** A Node-style system error (`code`, `syscall`, `path`), as the real disk would throw. */
export function errnoError(code: string, operation: string, path: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`${code}: injected fault, ${operation} '${path}'`);
  error.code = code;
  error.syscall = operation;
  error.path = path;
  return error;
}

function below(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith('/') ? root : `${root}/`);
}

class RuleState implements InjectedFault {
  fired = 0;
  constructor(
    readonly rule: FaultRule,
    private readonly rules: RuleState[],
  ) {}

  remove(): void {
    const index = this.rules.indexOf(this);
    if (index >= 0) this.rules.splice(index, 1);
  }
}

export class FaultPlan {
  readonly #rules: RuleState[] = [];
  readonly #space: Array<{ path: string; remainingBytes: number }> = [];
  readonly #readCounters: Array<{ path: string; bytes: number }> = [];
  crashed = false;

  constructor(readonly journal: DurabilityJournal | undefined) {}

  add(rule: FaultRule): InjectedFault {
    const state = new RuleState(rule, this.#rules);
    this.#rules.push(state);
    return state;
  }

  /** Below `path`, writes fail with ENOSPC once `bytes` more bytes were written. */
  limitSpace(path: string, bytes: number): { remove(): void } {
    const limit = { path, remainingBytes: bytes };
    this.#space.push(limit);
    return { remove: () => this.#space.splice(this.#space.indexOf(limit), 1) };
  }

  /** Counts the bytes read from files opened below `path` from now on. */
  countReads(path: string): ReadCounter {
    const counter = { path, bytes: 0 };
    this.#readCounters.push(counter);
    return {
      get bytes() {
        return counter.bytes;
      },
      remove: () => this.#readCounters.splice(this.#readCounters.indexOf(counter), 1),
    };
  }

  /** A file opened at `path` read `bytes`. */
  noteRead(path: string, bytes: number): void {
    for (const counter of this.#readCounters) if (below(path, counter.path)) counter.bytes += bytes;
  }

  clear(): void {
    this.#rules.length = 0;
    this.#space.length = 0;
  }

  /**
   * Applies the rules to one call on `paths` (each rule fires at most once per call): throws its
   * error, waits its delay, or returns the bytes a torn write keeps. After a crash every call fails.
   */
  async before(
    operation: DiskOperation,
    paths: readonly string[],
    inode?: () => Promise<InodeKey | undefined>,
  ): Promise<number | undefined> {
    const [first = ''] = paths;
    if (this.crashed) throw errnoError('EIO', operation, first);
    let torn: number | undefined;
    for (const state of [...this.#rules]) {
      const { rule } = state;
      if (rule.operations !== undefined && !rule.operations.includes(operation)) continue;
      const root = rule.path;
      const path = root === undefined ? first : paths.find((item) => below(item, root));
      if (path === undefined) continue;
      if (rule.times !== undefined && state.fired >= rule.times) continue;
      if (rule.inode !== undefined) {
        const current = inode === undefined ? await inodeOf(path) : await inode();
        if (current !== rule.inode) continue;
      }
      state.fired += 1;
      const { fault } = rule;
      if ('error' in fault) throw errnoError(fault.error, operation, path);
      if ('delayMs' in fault) await sleep(fault.delayMs);
      else torn = Math.min(torn ?? Infinity, fault.tornBytes);
    }
    return torn;
  }

  /**
   * Takes up to `bytes` of the space left below `path` (a short write when less is left); ENOSPC
   * when none is left.
   */
  takeSpace(operation: DiskOperation, path: string, bytes: number): number {
    const limits = this.#space.filter((limit) => below(path, limit.path));
    if (limits.length === 0) return bytes;
    const remaining = Math.min(...limits.map((limit) => limit.remainingBytes));
    if (remaining === 0 && bytes > 0) throw errnoError('ENOSPC', operation, path);
    const allowed = Math.min(bytes, remaining);
    for (const limit of limits) limit.remainingBytes -= allowed;
    return allowed;
  }
}
