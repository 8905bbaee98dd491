// A disk that tells, path by path, what the store changes through it: every call that creates,
// replaces, removes or rewrites a file (or its attributes) reports the path after the call. The
// metadata cache (meta/metadata-cache.ts) listens, so no write path can forget to invalidate it:
// PUT, delete, rename into place, mirror copies, custom metadata and tags, multipart completion,
// rebalance and resilver moves, EC restores and quarantines all change files through this seam.
// Reads pass straight through.
import {
  opensForWriting,
  type BigIntStats,
  type Dirent,
  type Disk,
  type DiskFile,
  type Stats,
  type StatsFs,
} from './disk.js';
import type {
  AttributeReads,
  DirectoryEntries,
  FirstFile,
  SmallFile,
  SmallFileRead,
  StatBatch,
} from './fs-batch.js';
import type {
  SmallFileWrite,
  UnlinkCondition,
  UnlinkResult,
  WrittenFile,
} from './fs-batch-writes.js';
import type { CommittedFile, FileCommit } from './work-file.js';

/**
 * Wraps `disk` so that `changed(path)` runs after each call that changed (or may have changed,
 * failing halfway) the file at `path`. A directory renamed or removed reports its own path, not
 * each file below it: a file that later appears at one of those paths arrives by a call that
 * reports it.
 */
export class WatchedDisk implements Disk {
  /** Paths of the files opened through this disk (attributes set through a file report it). */
  readonly #opened = new WeakMap<DiskFile, string>();

  /** The wrapped disk's, when it has one (a read: nothing changes). */
  readonly checkFileStates: Disk['checkFileStates'];

  constructor(
    private readonly disk: Disk,
    private readonly changed: (path: string) => void,
  ) {
    this.checkFileStates = disk.checkFileStates?.bind(disk);
  }

  async #after<T>(call: Promise<T>, ...paths: string[]): Promise<T> {
    try {
      return await call;
    } finally {
      for (const path of paths) this.changed(path);
    }
  }

  async open(path: string, flags: string | number, mode?: number): Promise<DiskFile> {
    const file = opensForWriting(flags)
      ? await this.#after(this.disk.open(path, flags, mode), path)
      : await this.disk.open(path, flags, mode);
    this.#opened.set(file, path);
    return file;
  }

  rename(from: string, to: string): Promise<void> {
    return this.#after(this.disk.rename(from, to), from, to);
  }

  link(existing: string, newPath: string): Promise<void> {
    return this.#after(this.disk.link(existing, newPath), existing, newPath);
  }

  unlink(path: string): Promise<void> {
    return this.#after(this.disk.unlink(path), path);
  }

  mkdir(path: string, options: { recursive: true }): Promise<string | undefined> {
    return this.disk.mkdir(path, options);
  }

  rmdir(path: string): Promise<void> {
    return this.#after(this.disk.rmdir(path), path);
  }

  rm(path: string, options: { recursive?: boolean; force?: boolean }): Promise<void> {
    return this.#after(this.disk.rm(path, options), path);
  }

  readdir(path: string): Promise<string[]>;
  readdir(path: string, options: { withFileTypes: true }): Promise<Dirent[]>;
  readdir(path: string, options?: { withFileTypes: true }): Promise<string[] | Dirent[]> {
    return options === undefined ? this.disk.readdir(path) : this.disk.readdir(path, options);
  }

  stat(path: string, options: { bigint: true }): Promise<BigIntStats>;
  stat(path: string): Promise<Stats>;
  stat(path: string, options?: { bigint: true }): Promise<BigIntStats | Stats> {
    return options === undefined ? this.disk.stat(path) : this.disk.stat(path, options);
  }

  lstat(path: string): Promise<Stats> {
    return this.disk.lstat(path);
  }

  access(path: string): Promise<void> {
    return this.disk.access(path);
  }

  statfs(path: string): Promise<StatsFs> {
    return this.disk.statfs(path);
  }

  copyFile(source: string, destination: string): Promise<void> {
    return this.#after(this.disk.copyFile(source, destination), destination);
  }

  utimes(path: string, atime: number, mtime: number): Promise<void> {
    return this.#after(this.disk.utimes(path, atime, mtime), path);
  }

  readFile(path: string): Promise<Buffer>;
  readFile(path: string, encoding: 'utf8'): Promise<string>;
  readFile(path: string, encoding?: 'utf8'): Promise<Buffer | string> {
    return encoding === undefined ? this.disk.readFile(path) : this.disk.readFile(path, encoding);
  }

  syncDirectory(path: string): Promise<void> {
    return this.disk.syncDirectory(path);
  }

  getAttribute(path: string, name: string): Promise<Buffer> {
    return this.disk.getAttribute(path, name);
  }

  setAttribute(path: string, name: string, value: Buffer): Promise<void> {
    return this.#after(this.disk.setAttribute(path, name, value), path);
  }

  removeAttribute(path: string, name: string): Promise<void> {
    return this.#after(this.disk.removeAttribute(path, name), path);
  }

  getFileAttribute(file: DiskFile, name: string): Promise<Buffer> {
    return this.disk.getFileAttribute(file, name);
  }

  setFileAttribute(file: DiskFile, name: string, value: Buffer): Promise<void> {
    const path = this.#opened.get(file);
    const call = this.disk.setFileAttribute(file, name, value);
    return path === undefined ? call : this.#after(call, path);
  }

  readDirectoryEntries(path: string): Promise<DirectoryEntries> {
    return this.disk.readDirectoryEntries(path);
  }

  statFiles(
    directory: string,
    names: readonly string[],
    attribute: string,
    reads: AttributeReads,
  ): Promise<StatBatch> {
    return this.disk.statFiles(directory, names, attribute, reads);
  }

  readSmallFile(path: string, request: SmallFileRead): Promise<SmallFile> {
    return this.disk.readSmallFile(path, request);
  }

  readFirstFile(paths: readonly string[], request: SmallFileRead): Promise<FirstFile | undefined> {
    return this.disk.readFirstFile(paths, request);
  }

  async unlinkFiles(
    paths: readonly string[],
    conditions?: readonly (UnlinkCondition | undefined)[],
  ): Promise<UnlinkResult[]> {
    let results: UnlinkResult[] | undefined;
    try {
      results = await this.disk.unlinkFiles(paths, conditions);
      return results;
    } finally {
      // Failed as a whole: any of them may be gone.
      for (const [index, path] of paths.entries())
        if (results === undefined || results[index] === 'removed') this.changed(path);
    }
  }

  async removeDirectories(
    paths: readonly string[],
  ): Promise<(NodeJS.ErrnoException | undefined)[]> {
    let results: (NodeJS.ErrnoException | undefined)[] | undefined;
    try {
      results = await this.disk.removeDirectories(paths);
      return results;
    } finally {
      for (const [index, path] of paths.entries())
        if (results === undefined || results[index] === undefined) this.changed(path);
    }
  }

  writeSmallFile(workPath: string, request: SmallFileWrite): Promise<WrittenFile | undefined> {
    return this.#after(
      this.disk.writeSmallFile(workPath, request),
      ...committedPaths(workPath, request),
    );
  }

  async createFile(path: string, content?: readonly Buffer[]): Promise<DiskFile> {
    const file = await this.#after(this.disk.createFile(path, content), path);
    this.#opened.set(file, path);
    return file;
  }

  commitFile(
    file: DiskFile,
    workPath: string,
    request: FileCommit,
  ): Promise<CommittedFile | undefined> {
    return this.#after(
      this.disk.commitFile(file, workPath, request),
      ...committedPaths(workPath, request),
    );
  }
}

/** The paths a write or commit may change: the work file, its destination, the superseded copy. */
function committedPaths(workPath: string, request: FileCommit): string[] {
  const { destination, supersedes } = request;
  return supersedes === undefined ? [workPath, destination] : [workPath, destination, supersedes];
}
