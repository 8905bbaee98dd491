// A Disk for tests (MinIO's naughtyDisk): wraps a real one and injects faults — errno errors (EIO...)
// on chosen calls and paths, a full disk after N bytes, torn writes, latency — and, with a keep
// directory, simulates a crash that loses every write not made durable by fsync (see
// durability-journal.ts). Give it to `LocalStore.open({ disk })` or to an in-process target.
import { constants } from 'node:fs';
import { join } from 'node:path';
import {
  localDisk,
  type AttributeReads,
  type BigIntStats,
  type CommittedFile,
  type DirectoryEntries,
  type Dirent,
  type Disk,
  type DiskFile,
  type FileCommit,
  type FirstFile,
  type SmallFile,
  type SmallFileRead,
  type SmallFileWrite,
  type StatBatch,
  type Stats,
  type StatsFs,
  type UnlinkCondition,
  type UnlinkResult,
  type WrittenFile,
} from '../../src/storage/index.js';
import { DurabilityJournal, inodeOf } from './durability-journal.js';
import { FaultPlan, type FaultRule, type InjectedFault, type ReadCounter } from './fault-plan.js';
import { FaultyFile } from './faulty-file.js';

export type { DiskOperation, Fault, FaultRule, InjectedFault, ReadCounter } from './fault-plan.js';

export interface FaultyDiskOptions {
  /**
   * Track durability so that `crash()` can lose unsynced writes; replaced and unlinked files are
   * kept here until then (it must be on the same file system as the mountpaths).
   */
  keepDirectory?: string;
}

/** The content cache's checks of many files in one job (`Disk.checkFileStates`). */
type CheckFileStates = NonNullable<Disk['checkFileStates']>;

/** Flags that create the file when it is missing. */
function creates(flags: string | number): boolean {
  return typeof flags === 'number'
    ? (flags & constants.O_CREAT) !== 0
    : flags.startsWith('w') || flags.startsWith('a');
}

export class FaultyDisk implements Disk {
  readonly #plan: FaultPlan;
  /** The content cache's checks in one job, when the wrapped disk has them (`#checkFileStates`). */
  readonly checkFileStates: Disk['checkFileStates'];

  constructor(
    private readonly inner: Disk = localDisk,
    options: FaultyDiskOptions = {},
  ) {
    const { keepDirectory } = options;
    this.#plan = new FaultPlan(
      keepDirectory === undefined ? undefined : new DurabilityJournal(keepDirectory),
    );
    const check = inner.checkFileStates?.bind(inner);
    this.checkFileStates =
      check === undefined
        ? undefined
        : (paths, states): Promise<Uint8Array> => this.#checkFileStates(check, paths, states);
  }

  /** Adds a fault rule (see `FaultRule`); `remove()` lifts it. */
  inject(rule: FaultRule): InjectedFault {
    return this.#plan.add(rule);
  }

  /** Counts the bytes read through files opened below `path` (every read of an object's bytes). */
  countReads(path: string): ReadCounter {
    return this.#plan.countReads(path);
  }

  /** Below `path`, writes fail with ENOSPC once `bytes` more bytes were written (a short write first). */
  fillAfter(path: string, bytes: number): { remove(): void } {
    return this.#plan.limitSpace(path, bytes);
  }

  /** Lifts every rule and space limit. */
  clear(): void {
    this.#plan.clear();
  }

  /**
   * The power goes: every later call fails with EIO (the process is gone), and what was not made
   * durable is undone on the real file system. Needs `keepDirectory`.
   */
  async crash(): Promise<void> {
    const { journal } = this.#plan;
    if (journal === undefined) throw new Error('crash() needs a FaultyDisk with a keepDirectory');
    this.#plan.crashed = true;
    await journal.revert();
  }

  async open(path: string, flags: string | number, mode?: number): Promise<DiskFile> {
    await this.#plan.before('open', [path]);
    const { journal } = this.#plan;
    const existed = journal !== undefined && creates(flags) && (await inodeOf(path)) !== undefined;
    const inner = await this.inner.open(path, flags, mode);
    const file = new FaultyFile(this.#plan, inner, path);
    if (journal !== undefined && creates(flags) && !existed) {
      const inode = await file.inode();
      journal.created(path, inode);
      journal.newFile(inode, path);
    }
    return file;
  }

  async rename(from: string, to: string): Promise<void> {
    await this.#plan.before('rename', [from, to]);
    const { journal } = this.#plan;
    if (journal === undefined) return await this.inner.rename(from, to);
    const inode = await inodeOf(from);
    const replaced = (await inodeOf(to)) === undefined ? undefined : await journal.keep(to);
    await this.inner.rename(from, to);
    if (inode !== undefined) journal.renamed(from, to, inode, replaced);
  }

  async link(existing: string, newPath: string): Promise<void> {
    await this.#plan.before('link', [existing, newPath]);
    await this.inner.link(existing, newPath);
    const inode = await inodeOf(newPath);
    if (inode !== undefined) this.#plan.journal?.linked(newPath, inode);
  }

  async unlink(path: string): Promise<void> {
    await this.#plan.before('unlink', [path]);
    const { journal } = this.#plan;
    const kept = journal === undefined ? undefined : await journal.keep(path);
    await this.inner.unlink(path);
    journal?.unlinked(path, kept);
  }

  async mkdir(path: string, options: { recursive: true }): Promise<string | undefined> {
    await this.#plan.before('mkdir', [path]);
    const first = await this.inner.mkdir(path, options);
    this.#plan.journal?.madeDirectories(first, path);
    return first;
  }

  async rmdir(path: string): Promise<void> {
    await this.#plan.before('rmdir', [path]);
    await this.inner.rmdir(path);
  }

  async rm(path: string, options: { recursive?: boolean; force?: boolean }): Promise<void> {
    await this.#plan.before('rm', [path]);
    await this.inner.rm(path, options);
  }

  readdir(path: string): Promise<string[]>;
  readdir(path: string, options: { withFileTypes: true }): Promise<Dirent[]>;
  async readdir(path: string, options?: { withFileTypes: true }): Promise<string[] | Dirent[]> {
    await this.#plan.before('readdir', [path]);
    return options === undefined
      ? await this.inner.readdir(path)
      : await this.inner.readdir(path, options);
  }

  async readDirectoryEntries(path: string): Promise<DirectoryEntries> {
    await this.#plan.before('readdir', [path]);
    return await this.inner.readDirectoryEntries(path);
  }

  /** One call for many files: a fault on any of them fails the whole batch. */
  async statFiles(
    directory: string,
    names: readonly string[],
    attribute: string,
    reads: AttributeReads,
  ): Promise<StatBatch> {
    await this.#plan.before(
      'stat',
      names.map((name) => join(directory, name)),
    );
    return await this.inner.statFiles(directory, names, attribute, reads);
  }

  /**
   * The one-job read passes the rules of the calls it makes: an open or stat fault fails it as
   * those calls would; an attribute or read fault becomes that step's error in the result (what
   * the real disk returned for the step is dropped, and no content follows a failed attribute).
   * An attribute read the real call skipped (the file matched `known`) meets no attribute fault.
   */
  async readSmallFile(path: string, request: SmallFileRead): Promise<SmallFile> {
    await this.#plan.before('open', [path]);
    await this.#plan.before('stat', [path]);
    const file = await this.inner.readSmallFile(path, request);
    this.#plan.noteRead(path, file.content?.length ?? 0);
    const inode = (): Promise<string> => Promise.resolve(`${file.stats.dev}:${file.stats.ino}`);
    let { attribute, attributeError, content, readError } = file;
    if (attribute !== undefined || attributeError !== undefined) {
      try {
        await this.#plan.before('getAttribute', [path], inode);
      } catch (error) {
        [attribute, attributeError, content, readError] = [
          undefined,
          asErrno(error),
          undefined,
          undefined,
        ];
      }
    }
    if (content !== undefined || readError !== undefined) {
      try {
        await this.#plan.before('read', [path], inode);
      } catch (error) {
        [content, readError] = [undefined, asErrno(error)];
      }
    }
    return { ...file, attribute, attributeError, content, readError };
  }

  /**
   * Path by path under `stat`'s rules (the real job `lstat`s each): a path a stat fault or the
   * crash fails answers 0, changed (its next read goes to the file, as the real job answers for
   * a file it cannot stat); a delay delays the job; the others are checked in one inner job.
   */
  async #checkFileStates(
    check: CheckFileStates,
    paths: Parameters<CheckFileStates>[0],
    states: Parameters<CheckFileStates>[1],
  ): Promise<Uint8Array> {
    const results = new Uint8Array(paths.length);
    const passed: number[] = [];
    for (const [index, path] of paths.entries()) {
      try {
        await this.#plan.before('stat', [path]);
        passed.push(index);
      } catch {
        results[index] = 0;
      }
    }
    if (passed.length === 0) return results;
    const answers = await check(
      passed.map((index) => paths[index] ?? ''),
      passed.map((index) => states[index] as (typeof states)[number]),
    );
    for (const [at, index] of passed.entries()) results[index] = answers[at] ?? 0;
    return results;
  }

  /** The candidates one by one, each under `readSmallFile`'s rules: a fault stops the search there. */
  async readFirstFile(
    paths: readonly string[],
    request: SmallFileRead,
  ): Promise<FirstFile | undefined> {
    for (const [index, path] of paths.entries()) {
      try {
        return { index, file: await this.readSmallFile(path, request) };
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? '';
        if (!['ENOENT', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG'].includes(code)) throw error;
      }
    }
    return undefined;
  }

  /** Path by path under `unlink`'s rules: an injected fault becomes that path's result. */
  async unlinkFiles(
    paths: readonly string[],
    conditions: readonly (UnlinkCondition | undefined)[] = [],
  ): Promise<UnlinkResult[]> {
    const results: UnlinkResult[] = [];
    for (const [index, path] of paths.entries()) {
      try {
        await this.#plan.before('unlink', [path]);
      } catch (error) {
        results.push(error as NodeJS.ErrnoException);
        continue;
      }
      const { journal } = this.#plan;
      const kept = journal === undefined ? undefined : await journal.keep(path);
      const [result] = await this.inner.unlinkFiles([path], [conditions[index]]);
      if (result === 'removed') journal?.unlinked(path, kept);
      results.push(result as UnlinkResult);
    }
    return results;
  }

  /** Step by step through this disk's own calls, so that each step's faults and journal apply. */
  async writeSmallFile(
    workPath: string,
    request: SmallFileWrite,
  ): Promise<WrittenFile | undefined> {
    if (await this.#anyPresent(request.absent)) return undefined;
    const file = await this.open(workPath, 'wx');
    try {
      const { content } = request;
      for (const buffer of Buffer.isBuffer(content) ? [content] : content) {
        for (let offset = 0; offset < buffer.length;) {
          const { bytesWritten } = await file.write(buffer, offset, buffer.length - offset);
          if (bytesWritten === 0) throw new Error('write made no progress');
          offset += bytesWritten;
        }
      }
      const committed = await this.commitFile(file, workPath, { ...request, absent: undefined });
      if (committed === undefined) throw new Error('a commit that checks no path always happens');
      return {
        renameError: committed.renameError,
        stats: committed.stats ?? (await file.stat({ bigint: true })),
      };
    } finally {
      await file.close();
    }
  }

  /** Whether a path of `absent` exists (or cannot be checked), by this disk's own `lstat`. */
  async #anyPresent(absent: readonly string[] = []): Promise<boolean> {
    for (const path of absent) {
      try {
        await this.lstat(path);
        return true;
      } catch (error) {
        const { code } = asErrno(error);
        if (code !== 'ENOENT' && code !== 'ENOTDIR') return true;
      }
    }
    return false;
  }

  /** Open, then the first bytes through the file's own writes (its faults apply). */
  async createFile(path: string, content: readonly Buffer[] = []): Promise<DiskFile> {
    const file = await this.open(path, 'wx');
    try {
      for (const buffer of content) {
        for (let offset = 0; offset < buffer.length;) {
          const { bytesWritten } = await file.write(buffer, offset, buffer.length - offset);
          if (bytesWritten === 0) throw new Error('write made no progress');
          offset += bytesWritten;
        }
      }
    } catch (error) {
      await file.close();
      throw error;
    }
    return file;
  }

  /** Step by step through this disk's own calls, as `writeSmallFile`'s commit. */
  async commitFile(
    file: DiskFile,
    workPath: string,
    request: FileCommit,
  ): Promise<CommittedFile | undefined> {
    if (await this.#anyPresent(request.absent)) return undefined;
    // The body's tail and the times first, through the file's own calls (their faults apply).
    for (const buffer of request.tail ?? []) {
      for (let offset = 0; offset < buffer.length;) {
        const { bytesWritten } = await file.write(buffer, offset, buffer.length - offset);
        if (bytesWritten === 0) throw new Error('write made no progress');
        offset += bytesWritten;
      }
    }
    const { times } = request;
    if (times !== undefined)
      await file.utimes(
        Number(times.accessNs / 1000n) / 1e6,
        Number(times.modifiedNs / 1000n) / 1e6,
      );
    await this.setFileAttribute(file, request.attribute, request.record);
    if (request.sync) await file.sync();
    try {
      await this.rename(workPath, request.destination);
    } catch (error) {
      return { renameError: asErrno(error) };
    }
    try {
      if (request.supersedes !== undefined) {
        await this.unlink(request.supersedes).catch((error: unknown) => {
          if (asErrno(error).code !== 'ENOENT') throw error;
        });
      }
      return { renameError: undefined, stats: await file.stat({ bigint: true }) };
    } finally {
      await file.close();
    }
  }

  /** Path by path under `rmdir`'s rules. */
  async removeDirectories(
    paths: readonly string[],
  ): Promise<(NodeJS.ErrnoException | undefined)[]> {
    const results: (NodeJS.ErrnoException | undefined)[] = [];
    for (const path of paths) {
      try {
        await this.rmdir(path);
        results.push(undefined);
      } catch (error) {
        results.push(error as NodeJS.ErrnoException);
      }
    }
    return results;
  }

  stat(path: string, options: { bigint: true }): Promise<BigIntStats>;
  stat(path: string): Promise<Stats>;
  async stat(path: string, options?: { bigint: true }): Promise<BigIntStats | Stats> {
    await this.#plan.before('stat', [path]);
    return options === undefined
      ? await this.inner.stat(path)
      : await this.inner.stat(path, options);
  }

  async lstat(path: string): Promise<Stats> {
    await this.#plan.before('stat', [path]);
    return await this.inner.lstat(path);
  }

  async access(path: string): Promise<void> {
    await this.#plan.before('access', [path]);
    await this.inner.access(path);
  }

  async statfs(path: string): Promise<StatsFs> {
    await this.#plan.before('statfs', [path]);
    return await this.inner.statfs(path);
  }

  async copyFile(source: string, destination: string): Promise<void> {
    await this.#plan.before('copyFile', [source, destination]);
    const { size } = await this.inner.stat(source);
    const allowed = this.#plan.takeSpace('copyFile', destination, size);
    if (allowed < size) throw new Error('unreachable: a short copy');
    const { journal } = this.#plan;
    const existed = journal !== undefined && (await inodeOf(destination)) !== undefined;
    await this.inner.copyFile(source, destination);
    const inode = await inodeOf(destination);
    if (journal === undefined || inode === undefined) return;
    if (!existed) journal.created(destination, inode);
    journal.newFile(inode, destination);
  }

  async utimes(path: string, atime: number, mtime: number): Promise<void> {
    await this.#plan.before('utimes', [path]);
    await this.inner.utimes(path, atime, mtime);
  }

  readFile(path: string): Promise<Buffer>;
  readFile(path: string, encoding: 'utf8'): Promise<string>;
  async readFile(path: string, encoding?: 'utf8'): Promise<Buffer | string> {
    await this.#plan.before('read', [path]);
    const data = await this.inner.readFile(path);
    this.#plan.noteRead(path, data.length);
    return encoding === undefined ? data : data.toString(encoding);
  }

  async syncDirectory(path: string): Promise<void> {
    await this.#plan.before('syncDirectory', [path]);
    await this.inner.syncDirectory(path);
    await this.#plan.journal?.directorySynced(path);
  }

  async getAttribute(path: string, name: string): Promise<Buffer> {
    await this.#plan.before('getAttribute', [path]);
    return await this.inner.getAttribute(path, name);
  }

  async setAttribute(path: string, name: string, value: Buffer): Promise<void> {
    const torn = await this.#plan.before('setAttribute', [path]);
    this.#plan.takeSpace('setAttribute', path, value.length);
    const { journal } = this.#plan;
    const inode = await inodeOf(path);
    if (journal !== undefined && inode !== undefined) {
      const { size } = await this.inner.stat(path);
      await journal.beforeAttribute(inode, path, name, size, () =>
        this.inner.getAttribute(path, name).catch(() => undefined),
      );
    }
    await this.inner.setAttribute(path, name, torn === undefined ? value : value.subarray(0, torn));
  }

  async removeAttribute(path: string, name: string): Promise<void> {
    await this.#plan.before('removeAttribute', [path]);
    await this.inner.removeAttribute(path, name);
  }

  async getFileAttribute(file: DiskFile, name: string): Promise<Buffer> {
    const faulty = asFaultyFile(file);
    await faulty.before('getAttribute');
    return await this.inner.getFileAttribute(faulty.inner, name);
  }

  async setFileAttribute(file: DiskFile, name: string, value: Buffer): Promise<void> {
    const faulty = asFaultyFile(file);
    const torn = await faulty.before('setAttribute');
    this.#plan.takeSpace('setAttribute', faulty.path, value.length);
    const { journal } = this.#plan;
    if (journal !== undefined) {
      const { size } = await faulty.inner.stat();
      await journal.beforeAttribute(await faulty.inode(), faulty.path, name, size, () =>
        this.inner.getFileAttribute(faulty.inner, name).catch(() => undefined),
      );
    }
    const kept = torn === undefined ? value : value.subarray(0, torn);
    await this.inner.setFileAttribute(faulty.inner, name, kept);
  }
}

function asErrno(error: unknown): NodeJS.ErrnoException {
  if (error instanceof Error) return error;
  throw error;
}

function asFaultyFile(file: DiskFile): FaultyFile {
  if (!(file instanceof FaultyFile)) throw new Error('a file the faulty disk did not open');
  return file;
}
