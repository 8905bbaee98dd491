// File-system calls in batches (the `cairn-fs-batch` addon, native/fs-batch): a whole directory
// read, or many files of one directory stat'ed, in one thread-pool job each, so that a listing page
// costs a few thread-pool hand-offs instead of one stat (and one attribute read) per object; and a
// small file's open, stat, attribute, content and close in one job (`readSmallFile`), with the
// others asked for in the same turn of the event loop; many files' identities checked in one job
// (`checkFileStates`). Writes, removals and directory syncs: fs-batch-writes.ts.
import { constants as osConstants } from 'node:os';
import { getSystemErrorName } from 'node:util';
import { readDirectory, readFiles, statBatch, type RawStatBatch } from 'cairn-fs-batch';
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
export function errnoError(errno: number, syscall: string, path: string): NodeJS.ErrnoException {
  const code = getSystemErrorName(-errno);
  return Object.assign(new Error(`${code}: ${syscall} '${path}'`), {
    errno: -errno,
    code,
    syscall,
    path,
  });
}

/** Throws the errno an addon job left in `numbers[slot]` for one of its steps, if that step failed. */
export function throwIfStepFailed(
  numbers: BigInt64Array,
  slot: number,
  syscall: string,
  path: string,
): void {
  const errno = numbers[slot] ?? 0n;
  if (errno > 0n) throw errnoError(Number(errno), syscall, path);
}

const enoent = BigInt(osConstants.errno.ENOENT);

/**
 * Throws the failed unlink of the file a write replaced (`supersedes`: its other copy) a job left
 * in `numbers[slot]`; a file already gone is no failure.
 */
export function throwIfRemoveFailed(numbers: BigInt64Array, slot: number, path: string): void {
  if (numbers[slot] !== enoent) throwIfStepFailed(numbers, slot, 'unlink', path);
}

/** The failed rename of `workPath` to `destination` a job left in `numbers[slot]`, if any. */
export function renameErrorAt(
  numbers: BigInt64Array,
  slot: number,
  workPath: string,
  destination: string,
): (NodeJS.ErrnoException & { dest: string }) | undefined {
  const errno = numbers[slot] ?? 0n;
  if (errno <= 0n) return undefined;
  return Object.assign(errnoError(Number(errno), 'rename', workPath), { dest: destination });
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

/**
 * What tells one state of a file from another: a rename puts another inode at the path, a write
 * changes size or mtime, an attribute set changes ctime. (Timestamps advance at the kernel's clock
 * tick, so two changes within one tick may look alike: callers that change files also say so.)
 */
export interface FileState {
  readonly dev: bigint;
  readonly ino: bigint;
  readonly size: bigint;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
}

/** The stat of a file `readSmallFile` opened: the fields of Node's BigIntStats the store uses. */
export class FileStats implements FileState {
  readonly dev: bigint;
  readonly ino: bigint;
  readonly size: bigint;
  readonly atimeNs: bigint;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
  readonly #mode: bigint;

  constructor(numbers: BigInt64Array) {
    this.dev = numbers[slot.dev] ?? 0n;
    this.ino = numbers[slot.ino] ?? 0n;
    this.#mode = numbers[slot.mode] ?? 0n;
    this.size = numbers[slot.size] ?? 0n;
    this.atimeNs = numbers[slot.atimeNs] ?? 0n;
    this.mtimeNs = numbers[slot.mtimeNs] ?? 0n;
    this.ctimeNs = numbers[slot.ctimeNs] ?? 0n;
  }

  isFile(): boolean {
    return (this.#mode & 0o170000n) === 0o100000n;
  }
}

/** What `readSmallFile` reads besides the stat. */
export interface SmallFileRead {
  /** The extended attribute read with the file (through its descriptor); '' reads none. */
  readonly attribute: string;
  /** Receives the content of a regular file no longer than it; none: the content is not read. */
  readonly buffer?: Buffer;
  /**
   * Reads the buffer's length of content from here instead (fewer bytes at the end of the file,
   * none past it), whatever the file's size: a small range of a large file in the same one job.
   */
  readonly offset?: number;
  /** The attribute is not read when the open file still has this identity. */
  readonly known?: FileState;
}

/** One file read by `readSmallFile`. */
export interface SmallFile {
  readonly stats: FileStats;
  /** The attribute's value; undefined when not read (skipped, failed, or not a regular file). */
  readonly attribute: Buffer | undefined;
  /** The open file matched `known`: the attribute was not read. */
  readonly attributeSkipped: boolean;
  /** The failed attribute read, as fs-xattr would report it (ENODATA for none). */
  readonly attributeError: NodeJS.ErrnoException | undefined;
  /**
   * The bytes read from the start, or from `offset` (a view of the caller's buffer; shorter than
   * the stat's size, or the buffer, when the file shrank meanwhile or ends first). Undefined when
   * not read: not a regular file, no buffer or (without `offset`) a file longer than it, or the
   * attribute read failed.
   */
  readonly content: Buffer | undefined;
  /** The failed content read (the bytes read before it are lost). */
  readonly readError: NodeJS.ErrnoException | undefined;
}

/** Slots of the addon's `numbers` (see native/fs-batch/read-file.c). */
const slot = {
  openError: 0,
  statError: 1,
  attributeError: 2,
  readError: 3,
  dev: 4,
  ino: 5,
  mode: 6,
  size: 7,
  atimeNs: 8,
  mtimeNs: 9,
  ctimeNs: 10,
  bytesRead: 11,
  pathIndex: 12,
} as const;
const numbersLength = 13;
/** Open failures that mean "no file at this candidate" (`readFirstFile` goes on to the next). */
const { ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG } = osConstants.errno;
const absentErrnos = new Set<number>([ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG]);
/** An error slot's value for a step not taken, and for an attribute read skipped (known file). */
const notTaken = -1n;
const skipped = -2n;

/**
 * Opens `path` (read only, not following a symbolic link, not blocking on a FIFO), fstats it,
 * reads `request.attribute` through the descriptor and, for a regular file that fits
 * `request.buffer`, reads its content; then closes it. One thread-pool job, where fs.promises takes
 * one per call. Fails as `open` or `fstat` would (ENOENT, ELOOP...); a failed attribute or content
 * read is reported in the result.
 */
export async function readSmallFile(path: string, request: SmallFileRead): Promise<SmallFile> {
  const read = await readCandidates([path], request);
  if ('errno' in read) throw failedRead(read);
  return read.file;
}

/** The candidate `readFirstFile` read, and which one it was. */
export interface FirstFile {
  readonly index: number;
  readonly file: SmallFile;
}

/**
 * `readSmallFile` of the first of `paths` that exists, in one job: candidates that are missing
 * (or below a file, a link loop, a name too long) are passed over; undefined when none exists,
 * without an error made for each. Fails as `readSmallFile` would for the first candidate whose
 * open fails otherwise, or whose fstat fails.
 */
export async function readFirstFile(
  paths: readonly string[],
  request: SmallFileRead,
): Promise<FirstFile | undefined> {
  invariant(paths.length > 0, 'readFirstFile of no paths');
  const read = await readCandidates(paths, request);
  if (!('errno' in read)) return read;
  // A missing object is the usual answer of a lookup: no Error (and its stack) is made for it.
  if (read.index === paths.length - 1 && absentErrnos.has(read.errno)) return undefined;
  throw failedRead(read);
}

/** A candidate whose open or fstat failed (an errno, turned into an Error only when thrown). */
interface FailedRead {
  readonly index: number;
  readonly errno: number;
  readonly syscall: 'open' | 'fstat';
  readonly path: string;
}

function failedRead(read: FailedRead): NodeJS.ErrnoException {
  return errnoError(read.errno, read.syscall, read.path);
}

async function readCandidates(
  paths: readonly string[],
  request: SmallFileRead,
): Promise<FirstFile | FailedRead> {
  const { numbers, attribute } = await reads.call([paths, request]);
  const index = Number(numbers[slot.pathIndex] ?? 0n);
  const path = paths[index] ?? '';
  const openError = numbers[slot.openError] ?? 0n;
  if (openError !== 0n) return { index, errno: Number(openError), syscall: 'open', path };
  const statError = numbers[slot.statError] ?? 0n;
  if (statError !== 0n) return { index, errno: Number(statError), syscall: 'fstat', path };
  const attributeError = numbers[slot.attributeError] ?? notTaken;
  const readError = numbers[slot.readError] ?? notTaken;
  const bytesRead = Number(numbers[slot.bytesRead] ?? -1n);
  const file: SmallFile = {
    stats: new FileStats(numbers),
    attribute,
    attributeSkipped: attributeError === skipped,
    attributeError:
      attributeError > 0n ? errnoError(Number(attributeError), 'fgetxattr', path) : undefined,
    content:
      readError === 0n && request.buffer !== undefined
        ? request.buffer.subarray(0, bytesRead)
        : undefined,
    readError: readError > 0n ? errnoError(Number(readError), 'read', path) : undefined,
  };
  return { index, file };
}

interface QueuedCall<A, R> {
  readonly args: A;
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
}

/** One read's slots of its job's numbers, and its attribute's value when that was read. */
interface RawRead {
  readonly numbers: BigInt64Array;
  readonly attribute: Buffer | undefined;
}

/**
 * Calls of one addon function asked for in one turn of the event loop (a GetBatch's window of
 * items, concurrent GETs, a promote's files) go to the thread pool together at its end, up to
 * `perJob` a job: handing a job to the pool and its result back costs more than opening and
 * reading (or writing) a small cached file (a lock, a thread's wake-up and the loop's, each a
 * context switch on a busy machine), so a batch of them pays it once. A lone call waits only for
 * the rest of the turn (`setImmediate`).
 */
export class TurnBatches<A extends readonly unknown[], R> {
  #queued: QueuedCall<A, R>[] = [];

  constructor(
    /** The call alone (a batch of one). */
    private readonly one: (...args: A) => Promise<R>,
    /** The calls in one job, results in order. */
    private readonly many: (calls: A[]) => Promise<readonly R[]>,
    /**
     * Calls one job makes one after another: a larger batch is split, so that a burst still uses
     * several of the pool's threads.
     */
    private readonly perJob: number,
  ) {}

  call(args: A): Promise<R> {
    return new Promise((resolve, reject) => {
      if (this.#queued.length === 0) setImmediate(() => this.#sendQueued());
      this.#queued.push({ args, resolve, reject });
    });
  }

  #sendQueued(): void {
    const queued = this.#queued;
    this.#queued = [];
    for (let start = 0; start < queued.length; start += this.perJob)
      this.#sendJob(queued.slice(start, start + this.perJob));
  }

  /** One job for `job`'s calls; a failure to queue it (out of memory) fails each of them. */
  #sendJob(job: readonly QueuedCall<A, R>[]): void {
    const rejectAll = (error: unknown): void => {
      for (const queued of job) queued.reject(error);
    };
    try {
      if (job.length === 1) {
        const [queued] = job as [QueuedCall<A, R>];
        this.one(...queued.args).then(queued.resolve, queued.reject);
        return;
      }
      this.many(job.map((queued) => queued.args)).then((results) => {
        for (const [index, queued] of job.entries()) queued.resolve(results[index] as R);
      }, rejectAll);
    } catch (error) {
      rejectAll(error);
    }
  }
}

/** A read's slots in a job's `numbers` (the addon's `numbers` slots, then its attribute length). */
const readSlots = numbersLength + 1;
/** A read's slots in a job's `known`: 1 when it has an identity, then dev, ino, size, mtime, ctime. */
const knownSlots = 6;

/** One read: its candidate paths (the first that opens is read) and what to read. */
type ReadCall = readonly [paths: readonly string[], request: SmallFileRead];

/** Reads in one job, in the addon's flat arrays (one of each for the job), results in order. */
async function readJob(calls: readonly ReadCall[]): Promise<RawRead[]> {
  const counts = new Int32Array(calls.length);
  const numbers = new BigInt64Array(calls.length * readSlots);
  const known = new BigInt64Array(calls.length * knownSlots);
  const offsets = new BigInt64Array(calls.length).fill(-1n);
  const buffers: (Buffer | null)[] = [];
  const texts: string[] = [];
  for (const [index, [paths, request]] of calls.entries()) {
    // File names cannot contain NUL: the addon splits the attribute and candidates on it.
    texts.push(request.attribute, ...paths);
    counts[index] = paths.length;
    buffers.push(request.buffer ?? null);
    if (request.offset !== undefined) offsets[index] = BigInt(request.offset);
    const identity = request.known;
    if (identity === undefined) continue;
    const at = index * knownSlots;
    known[at] = 1n;
    known[at + 1] = identity.dev;
    known[at + 2] = identity.ino;
    known[at + 3] = identity.size;
    known[at + 4] = identity.mtimeNs;
    known[at + 5] = identity.ctimeNs;
  }
  const values = await readFiles(texts.join('\0'), counts, numbers, known, buffers, offsets);
  let offset = 0;
  return calls.map((_call, index) => {
    const own = numbers.subarray(index * readSlots, (index + 1) * readSlots);
    const length = Number(own[numbersLength] ?? 0n);
    // A copy: the metadata decoded from it may keep views, and the cache counts its bytes.
    const attribute =
      own[slot.attributeError] === 0n
        ? Buffer.from(values.subarray(offset, offset + length))
        : undefined;
    offset += length;
    return { numbers: own, attribute };
  });
}

/**
 * Reads a job makes: a GetBatch's window refill (half of its 64 small items, opened in one turn:
 * item-window.ts) is one job, where 16 a job made it two. A cached 4 KiB read takes a pool thread
 * some microseconds, so 32 in a row still hold one for well under a millisecond; more would put
 * a turn's cold reads on a real disk one after another on one thread instead of in parallel.
 */
const readsPerJob = 32;
const reads = new TurnBatches<ReadCall, RawRead>(
  async (...call) => (await readJob([call]))[0] as RawRead,
  readJob,
  readsPerJob,
);
/** Slots of one identity in `checkFileStates`' expected states: dev, ino, size, mtime, ctime. */
const stateSlots = 5;
/** The slots of `numbers` an identity is compared with, in `stateSlots` order. */
const stateAt = [slot.dev, slot.ino, slot.size, slot.mtimeNs, slot.ctimeNs] as const;

/**
 * Whether each of `paths` still has the identity at the same index of `states` (dev, ino, size,
 * mtime, ctime): `lstat`'ed (a link's own identity, not its target's), all in one thread-pool job
 * (the caller keeps to a few hundred; one system call a path, where open, fstat and close were
 * three). 1 when it has, 0 when it changed, is gone, is a link or cannot be stat'ed: each path's
 * answer is its own (a file whose mode changed has a new ctime: changed).
 * Never rejects for one path. The content cache's background checks (meta/content-checks.ts):
 * one promise and a few typed arrays a job, the identities compared as 32-bit words, where a
 * `readSmallFile` a check made a promise, a result object, a FileStats and seven BigInts.
 */
export async function checkFileStates(
  paths: readonly string[],
  states: readonly FileState[],
): Promise<Uint8Array> {
  const count = paths.length;
  invariant(states.length === count, 'checkFileStates lengths');
  if (count === 0) return new Uint8Array(0);
  const counts = new Int32Array(count).fill(1);
  const numbers = new BigInt64Array(count * readSlots);
  const expected = new BigInt64Array(count * stateSlots);
  const buffers: null[] = new Array<null>(count).fill(null);
  const offsets = new BigInt64Array(count).fill(-1n);
  let text = '';
  for (let index = 0; index < count; index += 1) {
    // No attribute ('') and one candidate per read: the addon splits on NUL.
    text += index === 0 ? `\0${paths[index] ?? ''}` : `\0\0${paths[index] ?? ''}`;
    const state = states[index] as FileState;
    const at = index * stateSlots;
    expected[at] = state.dev;
    expected[at + 1] = state.ino;
    expected[at + 2] = state.size;
    expected[at + 3] = state.mtimeNs;
    expected[at + 4] = state.ctimeNs;
  }
  // `known` 2: the identity alone, by lstat (interface 7): one system call where open, fstat and
  // close were three; a link or other non-file there differs from the regular file's identity.
  const known = new BigInt64Array(count * knownSlots);
  for (let at = 0; at < known.length; at += knownSlots) known[at] = 2n;
  await readFiles(text, counts, numbers, known, buffers, offsets);
  // 32-bit views: a slot compared as two words makes no BigInt.
  const got = new Int32Array(numbers.buffer, numbers.byteOffset, numbers.length * 2);
  const want = new Int32Array(expected.buffer, expected.byteOffset, expected.length * 2);
  const unchanged = new Uint8Array(count);
  for (let index = 0; index < count; index += 1) {
    const base = index * readSlots * 2;
    // An error slot is 0 (done), an errno or -1 (not taken): 0 in both words only when done.
    if ((got[base + slot.openError * 2] as number) !== 0) continue;
    if ((got[base + slot.openError * 2 + 1] as number) !== 0) continue;
    if ((got[base + slot.statError * 2] as number) !== 0) continue;
    if ((got[base + slot.statError * 2 + 1] as number) !== 0) continue;
    const wantBase = index * stateSlots * 2;
    let same = true;
    for (let field = 0; field < stateSlots && same; field += 1) {
      const from = base + (stateAt[field] as number) * 2;
      const to = wantBase + field * 2;
      same = got[from] === want[to] && got[from + 1] === want[to + 1];
    }
    if (same) unchanged[index] = 1;
  }
  return unchanged;
}
