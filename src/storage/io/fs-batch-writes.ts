// Writes, removals and directory syncs in batches (the `cairn-fs-batch` addon): a small file
// created, written, given its attribute and renamed into place in one job (`writeSmallFile`, with
// the others asked for in the same turn of the event loop); many files removed, each on
// conditions, or many empty directories, in one thread-pool job (`unlinkFiles`,
// `removeDirectories`: LRU eviction and the pruning of the parents it leaves); a directory's open,
// fsync and close in one job (`syncDirectory`: a PUT's directory sync).
import {
  removeDirectories as removeDirectoryBatch,
  syncDirectories,
  unlinkFiles as unlinkBatch,
  writeFile,
  writeFiles,
} from 'cairn-fs-batch';
import {
  errnoError,
  renameErrorAt,
  throwIfRemoveFailed,
  throwIfStepFailed,
  TurnBatches,
  type FileState,
} from './fs-batch.js';

/** The most Buffers the addon takes in one call (`MAX_BUFFERS`, native/fs-batch/fs-batch.h). */
const maxJobBuffers = 1024;

/**
 * `chunks` as a job's own list of Buffers (a copy: the caller may reuse its array), joined into
 * one when there are more than the addon takes (a body sent in tiny pieces).
 */
export function jobBuffers(chunks: readonly Buffer[]): Buffer[] {
  return chunks.length > maxJobBuffers ? [Buffer.concat(chunks)] : [...chunks];
}

/** What must still hold of a file for `unlinkFiles` to remove it (each unchecked when absent). */
export interface UnlinkCondition {
  /** Its access time is at most this (ns since the epoch): it was not read after. */
  readonly accessedBeforeNs?: bigint;
  /** Its modification time, in ms since the epoch, is this: it is the file that was listed. */
  readonly modifiedMs?: number;
}

/**
 * What became of a path: removed; kept because it is not a regular file, was read after the
 * bound, or was modified; or the failed lstat or unlink (ENOENT for a missing file).
 */
export type UnlinkResult =
  'removed' | 'not-regular' | 'accessed' | 'modified' | NodeJS.ErrnoException;

const unchecked = -1n;
const keptResults: Record<number, UnlinkResult> = {
  [-1]: 'not-regular',
  [-2]: 'accessed',
  [-3]: 'modified',
};

/**
 * Removes `paths` (absolute) in one thread-pool job, each only while it is a regular file (a
 * symbolic link is kept, never followed) and `conditions[i]` holds: results indexed like the paths.
 */
export async function unlinkFiles(
  paths: readonly string[],
  conditions: readonly (UnlinkCondition | undefined)[] = [],
): Promise<UnlinkResult[]> {
  if (paths.length === 0) return [];
  const accessedBeforeNs = new BigInt64Array(paths.length).fill(unchecked);
  const modifiedMs = new BigInt64Array(paths.length).fill(unchecked);
  for (const [index, condition] of conditions.entries()) {
    if (condition?.accessedBeforeNs !== undefined)
      accessedBeforeNs[index] = condition.accessedBeforeNs;
    if (condition?.modifiedMs !== undefined) modifiedMs[index] = BigInt(condition.modifiedMs);
  }
  // File names cannot contain NUL: the addon splits the paths on it.
  const raw = await unlinkBatch(paths.join('\0'), accessedBeforeNs, modifiedMs);
  return Array.from(raw, (code, index) =>
    code === 0 ? 'removed' : (keptResults[code] ?? errnoError(code, 'unlink', paths[index] ?? '')),
  );
}

/**
 * rmdir of each of `paths` in one thread-pool job: per path undefined when it was removed, else
 * the error (ENOTEMPTY for a directory that is not empty, ENOENT for a missing one).
 */
export async function removeDirectories(
  paths: readonly string[],
): Promise<(NodeJS.ErrnoException | undefined)[]> {
  if (paths.length === 0) return [];
  const raw = await removeDirectoryBatch(paths.join('\0'));
  return Array.from(raw, (code, index) =>
    code === 0 ? undefined : errnoError(code, 'rmdir', paths[index] ?? ''),
  );
}

/**
 * A directory opened read-only (as `fs.promises.open(path, 'r')`), fsynced and closed in one
 * thread-pool job (fs.promises takes one each); fails as the failed step would through fs.
 */
export async function syncDirectory(directory: string): Promise<void> {
  // A failure is its errno plus 4096 times its step's index in open, fsync, close (index.d.ts).
  const [code = 0] = await syncDirectories(directory);
  const step = (['open', 'fsync', 'close'] as const)[Math.floor(code / 4096)] ?? 'close';
  if (code !== 0) throw errnoError(code % 4096, step, directory);
}

const writes = new TurnBatches(
  writeFile,
  async (calls) => {
    await writeFiles(calls);
    return calls.map(() => undefined);
  },
  16,
);

/** What `writeSmallFile` writes, and where it puts the file. */
export interface SmallFileWrite {
  /**
   * The bytes: one Buffer, or a body's chunks in order (written gathered, in a job of their own:
   * a body of up to 512 KiB, too large to share a job with other writes).
   */
  readonly content: Buffer | readonly Buffer[];
  /** The extended attribute set on the file (through its descriptor), and its value. */
  readonly attribute: string;
  readonly record: Buffer;
  /** The file is renamed onto this path once written. */
  readonly destination: string;
  /** fsync the file (bytes and attribute) before the rename. */
  readonly sync: boolean;
  /** Unlinked once the rename worked (a missing file is no error): a stale copy it replaces. */
  readonly supersedes?: string | undefined;
  /**
   * Paths that must not exist (a new name's replica paths, checked under its write lock): when one
   * does, or cannot be checked, nothing is written and the answer is undefined.
   */
  readonly absent?: readonly string[] | undefined;
}

/** The file `writeSmallFile` wrote: its stat after the rename, or why the rename failed. */
export interface WrittenFile {
  /** The failed rename (the finished file is still at its work path); undefined when renamed. */
  readonly renameError: NodeJS.ErrnoException | undefined;
  readonly stats: FileState & { readonly atimeNs: bigint };
}

/**
 * The stat the addon wrote from slot `dev` on (device, inode, size, access, modification and change
 * times: `stat_into` in native/fs-batch/fs-batch.c), as a write's or a commit's answer holds it.
 */
export function statsAt(numbers: BigInt64Array, dev: number): WrittenFile['stats'] {
  return {
    dev: numbers[dev] ?? 0n,
    ino: numbers[dev + 1] ?? 0n,
    size: numbers[dev + 2] ?? 0n,
    atimeNs: numbers[dev + 3] ?? 0n,
    mtimeNs: numbers[dev + 4] ?? 0n,
    ctimeNs: numbers[dev + 5] ?? 0n,
  };
}

/** Slots of the addon's `numbers` for a write (see native/fs-batch/write-file.c). */
const writeSlot = {
  openError: 0,
  writeError: 1,
  attributeError: 2,
  syncError: 3,
  renameError: 4,
  statError: 5,
  /** The stat's first slot; the five after it are read by `statsAt`. */
  dev: 6,
  removeError: 12,
  present: 13,
} as const;
const writeNumbersLength = 14;

/**
 * Creates `workPath` (failing with EEXIST when it exists), writes `request.content`, sets the
 * attribute, fsyncs when asked, renames the file onto `request.destination`, removes the file it
 * supersedes, fstats and closes it: one thread-pool job, where fs.promises and fs-xattr take one
 * per call. Fails as the first failed step would through fs (the work file may then be left
 * behind: the caller removes it); a failed rename is reported in the result instead, the finished
 * work file left in place (and the superseded file kept). Undefined, having done nothing, when a
 * path of `request.absent` exists.
 */
export async function writeSmallFile(
  workPath: string,
  request: SmallFileWrite,
): Promise<WrittenFile | undefined> {
  const numbers = new BigInt64Array(writeNumbersLength);
  const { content, attribute, record, destination, sync, supersedes = '' } = request;
  // NUL cannot be part of a path: it separates them.
  const absent = request.absent?.join('\0') ?? '';
  const call: Parameters<typeof writeFile> = [
    workPath,
    Buffer.isBuffer(content) ? content : jobBuffers(content),
    attribute,
    record,
    destination,
    sync,
    numbers,
    supersedes,
    absent,
  ];
  await (Buffer.isBuffer(content) ? writes.call(call) : writeFile(...call));
  if (numbers[writeSlot.present] === 1n) return undefined;
  const failed = (slot: number, syscall: string, path = workPath): void =>
    throwIfStepFailed(numbers, slot, syscall, path);
  failed(writeSlot.openError, 'open');
  failed(writeSlot.writeError, 'write');
  failed(writeSlot.attributeError, 'fsetxattr');
  failed(writeSlot.syncError, 'fsync');
  failed(writeSlot.statError, 'fstat', destination);
  throwIfRemoveFailed(numbers, writeSlot.removeError, supersedes);
  return {
    renameError: renameErrorAt(numbers, writeSlot.renameError, workPath, destination),
    stats: statsAt(numbers, writeSlot.dev),
  };
}
