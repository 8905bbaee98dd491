// The disk seam: the only module of the target's store that touches `node:fs` and `fs-xattr` (and
// the fs-batch addon's batched calls, through fs-batch.ts; a PUT's work file, work-file.ts). The store receives a `Disk` through its
// context, so tests can hand it a faulty one (see test/harness/faulty-disk.ts); `localDisk` is the
// real file system, with nothing in between.
import { constants, type BigIntStats, type Dirent, type Stats, type StatsFs } from 'node:fs';
import {
  access,
  copyFile,
  link,
  lstat,
  mkdir,
  open,
  readFile,
  readdir,
  rename,
  rm,
  rmdir,
  stat,
  statfs,
  unlink,
  utimes,
} from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { getAttribute, removeAttribute, setAttribute } from 'fs-xattr';
import {
  checkFileStates,
  readDirectoryEntries,
  readFirstFile,
  readSmallFile,
  statFiles,
  type AttributeReads,
  type DirectoryEntries,
  type FileState,
  type FirstFile,
  type SmallFile,
  type SmallFileRead,
  type StatBatch,
} from './fs-batch.js';
import {
  removeDirectories,
  syncDirectory,
  unlinkFiles,
  writeSmallFile,
  type SmallFileWrite,
  type UnlinkCondition,
  type UnlinkResult,
  type WrittenFile,
} from './fs-batch-writes.js';
import {
  commitWorkFile,
  createWorkFile,
  type CommittedFile,
  type FileCommit,
} from './work-file.js';

export type { BigIntStats, Dirent, Stats, StatsFs };

/** Open flags the store uses besides Node's strings ('r', 'wx', ...). */
export const openFlags = {
  /**
   * Reading a replica. O_NOFOLLOW: a symlink planted under %ob is not an object. O_NONBLOCK:
   * opening a FIFO someone left there must not hang the request (no effect on regular files).
   */
  replica: constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK,
  /** Reading a file that must not be a symlink. */
  noFollow: constants.O_RDONLY | constants.O_NOFOLLOW,
  /** Appending to a file that must not be a symlink. */
  appendNoFollow: constants.O_WRONLY | constants.O_APPEND | constants.O_NOFOLLOW,
  /** Writing in place (at given offsets) to a file that must not be a symlink. */
  writeNoFollow: constants.O_WRONLY | constants.O_NOFOLLOW,
} as const;

/** Whether open flags (Node's strings, or a number) may change the file. */
export function opensForWriting(flags: string | number): boolean {
  if (typeof flags === 'number') {
    const access = flags & (constants.O_WRONLY | constants.O_RDWR);
    return access !== 0 || (flags & (constants.O_CREAT | constants.O_TRUNC)) !== 0;
  }
  return flags !== 'r' && flags !== 'rs';
}

/** Options of `DiskFile.createReadStream` (Node's names). */
export interface FileStreamOptions {
  start?: number;
  /** Inclusive. */
  end?: number;
  highWaterMark?: number;
  /** false: the stream leaves the descriptor open when it ends (the caller closes the file). */
  autoClose?: boolean;
}

/** An open file: the subset of Node's `FileHandle` the store uses (a `FileHandle` is one). */
export interface DiskFile {
  readonly fd: number;
  read(
    buffer: Buffer,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ bytesRead: number }>;
  write(
    buffer: Buffer,
    offset: number,
    length: number,
    position?: number | null,
  ): Promise<{ bytesWritten: number }>;
  writev(buffers: readonly Buffer[], position?: number): Promise<{ bytesWritten: number }>;
  writeFile(data: string | Uint8Array): Promise<void>;
  /** fsync: data and metadata (the extended attributes too) reach stable storage. */
  sync(): Promise<void>;
  stat(options: { bigint: true }): Promise<BigIntStats>;
  stat(): Promise<Stats>;
  /** Times in seconds since the epoch. */
  utimes(atime: number, mtime: number): Promise<void>;
  /** Cuts the file to `length` bytes (an append that failed half-way is undone). */
  truncate(length: number): Promise<void>;
  createReadStream(options: FileStreamOptions): Readable;
  close(): Promise<void>;
}

/**
 * The file-system calls of a target's store, with Node's names and semantics (errors carry their
 * errno `code`). Paths are absolute. Extended attributes are set and read by path, or through an
 * open file (then they belong to the inode that was opened, whatever its name is now).
 */
export interface Disk {
  open(path: string, flags: string | number, mode?: number): Promise<DiskFile>;
  rename(from: string, to: string): Promise<void>;
  link(existing: string, newPath: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** Always recursive: resolves with the first directory created, undefined when none was. */
  mkdir(path: string, options: { recursive: true }): Promise<string | undefined>;
  rmdir(path: string): Promise<void>;
  rm(path: string, options: { recursive?: boolean; force?: boolean }): Promise<void>;
  readdir(path: string): Promise<string[]>;
  readdir(path: string, options: { withFileTypes: true }): Promise<Dirent[]>;
  stat(path: string, options: { bigint: true }): Promise<BigIntStats>;
  stat(path: string): Promise<Stats>;
  lstat(path: string): Promise<Stats>;
  access(path: string): Promise<void>;
  statfs(path: string): Promise<StatsFs>;
  /** Copies a file's bytes (copy_file_range where the kernel can); not its attributes. */
  copyFile(source: string, destination: string): Promise<void>;
  /** Times in seconds since the epoch. */
  utimes(path: string, atime: number, mtime: number): Promise<void>;
  readFile(path: string): Promise<Buffer>;
  readFile(path: string, encoding: 'utf8'): Promise<string>;
  /** fsync of a directory: entries created, renamed or removed in it survive a crash. */
  syncDirectory(path: string): Promise<void>;
  getAttribute(path: string, name: string): Promise<Buffer>;
  setAttribute(path: string, name: string, value: Buffer): Promise<void>;
  removeAttribute(path: string, name: string): Promise<void>;
  getFileAttribute(file: DiskFile, name: string): Promise<Buffer>;
  setFileAttribute(file: DiskFile, name: string, value: Buffer): Promise<void>;
  /** A whole directory in one thread-pool job, sorted by key there (see fs-batch.ts). */
  readDirectoryEntries(path: string): Promise<DirectoryEntries>;
  /** Many files of one directory stat'ed, and attribute `name` read, in one job (fs-batch.ts). */
  statFiles(
    directory: string,
    names: readonly string[],
    attribute: string,
    reads: AttributeReads,
  ): Promise<StatBatch>;
  /**
   * A replica read in one job (fs-batch.ts): open as `openFlags.replica`, fstat, the attribute
   * through the descriptor, the content when it fits the buffer, close. Fails as `open` or `fstat`
   * would; attribute and content read errors are in the result.
   */
  readSmallFile(path: string, request: SmallFileRead): Promise<SmallFile>;
  /**
   * `readSmallFile` of the first of `paths` that exists, in one job (missing candidates are
   * passed over); undefined when none exists.
   */
  readFirstFile(paths: readonly string[], request: SmallFileRead): Promise<FirstFile | undefined>;
  /**
   * Whether each of `paths` still has the identity at the same index of `states`, in one job
   * (fs-batch.ts' `checkFileStates`: 1 unchanged, 0 changed, gone, a link or unreadable). Optional:
   * without it, the content cache checks each file with a stat-only `readSmallFile`.
   */
  checkFileStates?:
    ((paths: readonly string[], states: readonly FileState[]) => Promise<Uint8Array>) | undefined;
  /**
   * Many files removed in one job (fs-batch.ts), each only while it is a regular file meeting its
   * condition; never rejects for one path: each result says what became of it.
   */
  unlinkFiles(
    paths: readonly string[],
    conditions?: readonly (UnlinkCondition | undefined)[],
  ): Promise<UnlinkResult[]>;
  /** rmdir of many directories in one job: per path undefined (removed) or the error. */
  removeDirectories(paths: readonly string[]): Promise<(NodeJS.ErrnoException | undefined)[]>;
  /**
   * A small file created at `workPath` ('wx'), written, given its attribute, fsynced when asked
   * and renamed onto its destination in one job (fs-batch.ts); a failed rename is in the result.
   * Undefined, nothing done, when a path of `request.absent` exists.
   */
  writeSmallFile(workPath: string, request: SmallFileWrite): Promise<WrittenFile | undefined>;
  /**
   * A new file at `path` ('wx': EEXIST when it exists), written through, then `commitFile`d. With
   * `content`, its first bytes are written in the same job: a failed write rejects, the file then
   * closed (and left at `path`).
   */
  createFile(path: string, content?: readonly Buffer[]): Promise<DiskFile>;
  /**
   * A written `createFile` file at `workPath` given its attribute, fsynced when asked, renamed onto
   * its destination and closed in one job (work-file.ts); a failed rename is in the result, the
   * file then still open at `workPath`. Closed once the rename worked, even if a later step failed.
   * Undefined, nothing done, when a path of `request.absent` exists.
   */
  commitFile(
    file: DiskFile,
    workPath: string,
    request: FileCommit,
  ): Promise<CommittedFile | undefined>;
}

/**
 * The path through which an open descriptor's file can be named. Attributes read or written
 * through it belong to the inode that was opened even if its name was renamed over since.
 */
function descriptorPath(fd: number): string {
  return `/proc/self/fd/${fd}`;
}

/**
 * The real file system. Every member is Node's own function (or one call around it): the seam
 * costs a property lookup, and `open` returns Node's `FileHandle` itself.
 */
export const localDisk: Disk = {
  open,
  rename,
  link,
  unlink,
  mkdir,
  rmdir: (path) => rmdir(path),
  rm,
  readdir,
  stat,
  lstat: (path) => lstat(path),
  access: (path) => access(path),
  statfs: (path) => statfs(path),
  copyFile: (source, destination) => copyFile(source, destination),
  utimes,
  readFile,
  syncDirectory,
  getAttribute,
  setAttribute,
  removeAttribute,
  getFileAttribute: (file, name) => getAttribute(descriptorPath(file.fd), name),
  setFileAttribute: (file, name, value) => setAttribute(descriptorPath(file.fd), name, value),
  readDirectoryEntries,
  statFiles,
  readSmallFile,
  readFirstFile,
  checkFileStates,
  unlinkFiles,
  removeDirectories,
  writeSmallFile,
  createFile: createWorkFile,
  commitFile: commitWorkFile,
};
