// A PUT's work file held as a bare descriptor, so that the commit can end in the same thread-pool
// job as the rename: attribute, fsync, rename, unlink of a superseded copy, fstat and close (the
// fs-batch addon's `commitFile`, native/fs-batch/commit-file.c). A `FileHandle` cannot be used:
// it would close its descriptor again (or, after a reuse, another file's) on its own `close`.
import {
  close,
  createReadStream,
  fstat,
  fsync,
  ftruncate,
  futimes,
  open,
  read,
  write,
  writev,
  type BigIntStats,
  type Stats,
} from 'node:fs';
import type { Readable } from 'node:stream';
import { commitFile, createFile } from 'cairn-fs-batch';
import { invariant } from '../../util/assert.js';
import { errnoError, renameErrorAt, throwIfRemoveFailed, throwIfStepFailed } from './fs-batch.js';
import { jobBuffers, statsAt, type SmallFileWrite, type WrittenFile } from './fs-batch-writes.js';

/** What `commitWorkFile` sets on the file and where it puts it (a small write's, less the content). */
export interface FileCommit extends Omit<SmallFileWrite, 'content'> {
  /** The body's last bytes, written first (in the commit's job); unchanged until it settled. */
  readonly tail?: readonly Buffer[] | undefined;
  /** Access and modification times (ns) set after the tail's write (a migrated object's). */
  readonly times?: FileTimes | undefined;
}

/** A file's access and modification times in nanoseconds since the epoch. */
export interface FileTimes {
  readonly accessNs: bigint;
  readonly modifiedNs: bigint;
}

/** The committed file's stat after the rename, or the failed rename (the file still open). */
export type CommittedFile =
  | { readonly renameError: undefined; readonly stats: WrittenFile['stats'] }
  | { readonly renameError: NodeJS.ErrnoException; readonly stats?: undefined };

type Callback<T> = (error: NodeJS.ErrnoException | null, value: T) => void;

/** A callback-style fs call as a promise. */
function settle<T>(call: (callback: Callback<T>) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    call((error, value) => (error === null ? resolve(value) : reject(error)));
  });
}

/**
 * Creates `path` ('wx', failing with EEXIST when it exists) as a `WorkFile`. With `content`, its
 * first bytes are written in the same thread-pool job (the addon's `createFile`): a failed write
 * rejects as fs would, the file closed and left at `path` for the caller to remove.
 */
export async function createWorkFile(
  path: string,
  content: readonly Buffer[] = [],
): Promise<WorkFile> {
  if (content.length === 0)
    return new WorkFile(await settle<number>((callback) => open(path, 'wx', callback)));
  const numbers = new BigInt64Array(3);
  // The addon holds the array until the job ran: the job's own copy of it.
  const buffers = jobBuffers(content);
  await createFile(path, buffers, numbers);
  const [openErrno = 0n, writeErrno = 0n, fd = -1n] = numbers;
  if (openErrno > 0n) throw errnoError(Number(openErrno), 'open', path);
  if (writeErrno > 0n) throw errnoError(Number(writeErrno), 'write', path);
  invariant(fd >= 0n, 'createFile opened the file');
  return new WorkFile(Number(fd));
}

/**
 * An open descriptor with `FileHandle`'s calls (a `DiskFile`: disk.ts checks it, without an import
 * of disk.ts here, which imports this); `close` is idempotent.
 */
class WorkFile {
  #fd: number;

  constructor(fd: number) {
    this.#fd = fd;
  }

  get fd(): number {
    invariant(this.#fd >= 0, 'the work file is closed');
    return this.#fd;
  }

  read(
    buffer: Buffer,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ bytesRead: number }> {
    return settle<number>((callback) =>
      read(this.fd, buffer, offset, length, position, callback),
    ).then((bytesRead) => ({ bytesRead }));
  }

  write(
    buffer: Buffer,
    offset: number,
    length: number,
    position?: number | null,
  ): Promise<{ bytesWritten: number }> {
    return settle<number>((callback) =>
      write(this.fd, buffer, offset, length, position ?? null, callback),
    ).then((bytesWritten) => ({ bytesWritten }));
  }

  writev(buffers: readonly Buffer[], position?: number): Promise<{ bytesWritten: number }> {
    return settle<number>((callback) =>
      writev(this.fd, buffers as Buffer[], position ?? null, callback),
    ).then((bytesWritten) => ({ bytesWritten }));
  }

  async writeFile(data: string | Uint8Array): Promise<void> {
    // A view of the caller's bytes (written, never changed), not a copy.
    const bytes =
      typeof data === 'string'
        ? Buffer.from(data)
        : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    for (let offset = 0; offset < bytes.length;) {
      const { bytesWritten } = await this.write(bytes, offset, bytes.length - offset);
      if (bytesWritten === 0) throw new Error('write made no progress');
      offset += bytesWritten;
    }
  }

  sync(): Promise<void> {
    return settle<void>((callback) => fsync(this.fd, (error) => callback(error, undefined)));
  }

  stat(options: { bigint: true }): Promise<BigIntStats>;
  stat(): Promise<Stats>;
  stat(options?: { bigint: true }): Promise<BigIntStats | Stats> {
    return settle<BigIntStats | Stats>((callback) =>
      fstat(this.fd, { bigint: options?.bigint ?? false }, callback),
    );
  }

  utimes(atime: number, mtime: number): Promise<void> {
    return settle<void>((callback) =>
      futimes(this.fd, atime, mtime, (error) => callback(error, undefined)),
    );
  }

  truncate(length: number): Promise<void> {
    return settle<void>((callback) =>
      ftruncate(this.fd, length, (error) => callback(error, undefined)),
    );
  }

  /** Options as disk.ts's `FileStreamOptions`; with `autoClose` (the default) its end closes it. */
  createReadStream(options: {
    start?: number;
    end?: number;
    highWaterMark?: number;
    autoClose?: boolean;
  }): Readable {
    const stream = createReadStream('', { ...options, fd: this.fd, autoClose: false });
    if (options.autoClose !== false) {
      stream.once('close', () => {
        this.close().catch(() => undefined);
      });
    }
    return stream;
  }

  close(): Promise<void> {
    const fd = this.#fd;
    if (fd < 0) return Promise.resolve();
    this.#fd = -1;
    return settle<void>((callback) => close(fd, (error) => callback(error, undefined)));
  }

  /** The commit job took the descriptor and closed it. */
  released(): void {
    this.#fd = -1;
  }
}

/** Slots of the addon's `numbers` for a commit (see native/fs-batch/commit-file.c). */
const commitSlot = {
  attributeError: 0,
  syncError: 1,
  renameError: 2,
  removeError: 3,
  statError: 4,
  closeError: 5,
  /** The stat's first slot; the five after it are read by `statsAt`. */
  dev: 6,
  /** 1 when a path of `absent` was present (nothing done). */
  present: 12,
  writeError: 13,
  timesError: 14,
} as const;
const commitNumbersLength = 15;
const notTaken = -1n;

/**
 * Commits `file` (a `createWorkFile` file, written) at `workPath` in one thread-pool job: writes
 * `request.tail`, sets `request.times`, sets the attribute through the descriptor, fsyncs when
 * asked, renames it onto `request.destination`, unlinks the file it supersedes (a missing one is no
 * error), fstats and closes it. Fails as the first failed step would through fs; a failed rename is
 * reported in the result instead, the file left open at its work path (with its attribute set, and
 * fsynced when asked) for the caller to place by other means. Once the rename worked the file is
 * closed, even when a later step failed. Undefined, nothing done, when a path of `request.absent`
 * exists (checked first, in the job).
 */
export async function commitWorkFile(
  file: object,
  workPath: string,
  request: FileCommit,
): Promise<CommittedFile | undefined> {
  invariant(file instanceof WorkFile, 'commitFile takes a file made by createFile');
  const numbers = new BigInt64Array(commitNumbersLength);
  const { attribute, record, destination, sync, supersedes = '', absent = [] } = request;
  const { tail = [], times } = request;
  await commitFile(
    file.fd,
    workPath,
    attribute,
    record,
    destination,
    sync,
    numbers,
    supersedes,
    absent.join('\0'),
    jobBuffers(tail),
    times === undefined ? null : BigInt64Array.of(times.accessNs, times.modifiedNs),
  );
  if (numbers[commitSlot.present] === 1n) return undefined;
  if (numbers[commitSlot.closeError] !== notTaken) file.released();
  const failed = (slot: number, syscall: string, path = workPath): void =>
    throwIfStepFailed(numbers, slot, syscall, path);
  failed(commitSlot.writeError, 'write');
  failed(commitSlot.timesError, 'futime');
  failed(commitSlot.attributeError, 'fsetxattr');
  failed(commitSlot.syncError, 'fsync');
  const renameError = renameErrorAt(numbers, commitSlot.renameError, workPath, destination);
  if (renameError !== undefined) return { renameError };
  throwIfRemoveFailed(numbers, commitSlot.removeError, supersedes);
  failed(commitSlot.statError, 'fstat', destination);
  failed(commitSlot.closeError, 'close', destination);
  return {
    renameError: undefined,
    stats: statsAt(numbers, commitSlot.dev),
  };
}
