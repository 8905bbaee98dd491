// File-system calls in batches (the `cairn-fs-batch` addon, native/fs-batch): a whole directory
// read, or many files of one directory stat'ed, in one thread-pool job each, so that a listing page
// costs a few thread-pool hand-offs instead of one stat (and one attribute read) per object.
import { getSystemErrorName } from 'node:util';
import { readDirectory, statBatch, type RawStatBatch } from 'cairn-fs-batch';
import { invariant } from '../../util/assert.js';
import { childPath } from '../layout/index.js';

/** Which files also have an extended attribute read: none, only the empty ones, or all. */
export type AttributeReads = 'none' | 'empty' | 'all';

const modeOf: Record<AttributeReads, 0 | 1 | 2> = { none: 0, empty: 1, all: 2 };
/** `statErrors` value of an entry that is not a regular file. */
const notRegular = -1;
/** `recordErrors` value of an entry whose attribute was not read. */
const notRead = -1;

/** The results of one batch, indexed like the names asked for. */
export class StatBatch {
  // The addon's arrays, held directly: read once or twice per entry.
  readonly #sizes: Float64Array;
  readonly #statErrors: Int32Array;
  readonly #accessNs: BigInt64Array;
  readonly #modifyNs: BigInt64Array;
  readonly #recordErrors: Int32Array;
  readonly #recordLengths: Int32Array;
  readonly #records: Buffer;
  readonly #offsets: Uint32Array;

  constructor(
    raw: RawStatBatch,
    readonly directory: string,
    readonly names: readonly string[],
  ) {
    invariant(raw.sizes.length === names.length, 'stat batch length');
    this.#sizes = raw.sizes;
    this.#statErrors = raw.statErrors;
    this.#accessNs = raw.accessNs;
    this.#modifyNs = raw.modifyNs;
    this.#recordErrors = raw.recordErrors;
    this.#recordLengths = raw.recordLengths;
    this.#records = raw.records;
    this.#offsets = new Uint32Array(names.length);
    let offset = 0;
    for (let index = 0; index < names.length; index += 1) {
      this.#offsets[index] = offset;
      offset += raw.recordLengths[index] ?? 0;
    }
    invariant(offset === raw.records.length, 'stat batch records length');
  }

  /** True when entry `index` is a regular file (its size and times are then valid). */
  isFile(index: number): boolean {
    return this.#statErrors[index] === 0;
  }

  /** The failed stat of entry `index` as Node's fs would report it; undefined when it worked. */
  statError(index: number): NodeJS.ErrnoException | undefined {
    const errno = this.#statErrors[index] ?? 0;
    if (errno === 0 || errno === notRegular) return undefined;
    return errnoError(errno, 'stat', childPath(this.directory, this.names[index] ?? ''));
  }

  size(index: number): number {
    return this.#sizes[index] ?? 0;
  }

  accessTimeNs(index: number): bigint {
    return this.#accessNs[index] ?? 0n;
  }

  modifiedTimeNs(index: number): bigint {
    return this.#modifyNs[index] ?? 0n;
  }

  /** The attribute's value (a view into the batch's buffer); undefined when not read or failed. */
  attribute(index: number): Buffer | undefined {
    if (this.#recordErrors[index] !== 0) return undefined;
    const start = this.#offsets[index] ?? 0;
    return this.#records.subarray(start, start + (this.#recordLengths[index] ?? 0));
  }

  /** The failed attribute read of entry `index`, as fs-xattr would report it. */
  attributeError(index: number): NodeJS.ErrnoException | undefined {
    const errno = this.#recordErrors[index] ?? notRead;
    if (errno === 0 || errno === notRead) return undefined;
    return errnoError(errno, 'getxattr', childPath(this.directory, this.names[index] ?? ''));
  }
}

/** An error shaped as Node's fs reports them (`code`, `errno`, `syscall`, `path`). */
function errnoError(errno: number, syscall: string, path: string): NodeJS.ErrnoException {
  const code = getSystemErrorName(-errno);
  return Object.assign(new Error(`${code}: ${syscall} '${path}'`), {
    errno: -errno,
    code,
    syscall,
    path,
  });
}

/**
 * Stats `names` (entries of `directory`) and reads `attribute` of the files `reads` asks for, in
 * one job on libuv's thread pool. Entries that vanished report ENOENT through `statError`.
 */
export async function statFiles(
  directory: string,
  names: readonly string[],
  attribute: string,
  reads: AttributeReads,
): Promise<StatBatch> {
  invariant(names.length > 0, 'stat batch of no names');
  // File names cannot contain NUL (nor '/'): the addon splits on it.
  const raw = await statBatch(directory, names.join('\0'), attribute, modeOf[reads]);
  return new StatBatch(raw, directory, names);
}

/** A directory's entries (without . and ..), with their types. */
export interface DirectoryEntries {
  readonly names: string[];
  /** Per name: whether it is a directory, a regular file, or something else (a symbolic link...). */
  readonly types: Uint8Array;
  /**
   * The names are sorted by key (the name, plus '/' for a directory) in JavaScript string order;
   * false: in directory order (some name is not valid UTF-8: only JavaScript sorts it as it sees it).
   */
  readonly sorted: boolean;
}

/** `DirectoryEntries.types` values. */
export const EntryType = { other: 0, directory: 1, file: 2 } as const;

/**
 * Reads a whole directory in one thread-pool job, the names coming back as one string (no object
 * per entry, as `readdir` with file types makes) and sorted there, off the event loop: sorting
 * names with long common prefixes cost 0.3 us per entry in JavaScript. Fails as `readdir` does
 * (ENOENT, ENOTDIR...).
 */
export async function readDirectoryEntries(directory: string): Promise<DirectoryEntries> {
  const raw = await readDirectory(directory);
  if (raw.error !== 0) throw errnoError(raw.error, 'scandir', directory);
  const names = raw.types.length === 0 ? [] : raw.names.split('\0');
  invariant(names.length === raw.types.length, 'directory entries and types');
  return { names, types: raw.types, sorted: raw.sorted };
}
