// Types of the fs-batch addon (see fs-batch.c).

/** One batch's results, indexed like the names passed in. */
export interface RawStatBatch {
  /** Size in bytes of each regular file (0 where statErrors is not 0). */
  readonly sizes: Float64Array;
  /** 0 for a regular file; the errno of the failed stat; -1 for an entry that is not a regular file. */
  readonly statErrors: Int32Array;
  /** Access and modification times, nanoseconds since the epoch. */
  readonly accessNs: BigInt64Array;
  readonly modifyNs: BigInt64Array;
  /** 0 when the attribute was read; its errno when reading failed; -1 when not read. */
  readonly recordErrors: Int32Array;
  /** Length of each attribute value read (0 for the others). */
  readonly recordLengths: Int32Array;
  /** The values read, back to back in name order. */
  readonly records: Buffer;
}

/**
 * Stats `names` (entries of `directory`, joined by '\0') in one thread-pool job and, by `mode`,
 * reads attribute `attribute` of none (0), only the empty (1) or all (2) regular files.
 */
export function statBatch(
  directory: string,
  names: string,
  attribute: string,
  mode: 0 | 1 | 2,
): Promise<RawStatBatch>;

/** A directory's entries, in directory order. */
export interface RawDirectory {
  /** The errno of a failed read; 0 when it worked. */
  readonly error: number;
  /** The entry names (without . and ..) joined by '\0'; '' for none. */
  readonly names: string;
  /** Per entry: 0 other (symbolic links among them), 1 directory, 2 regular file. */
  readonly types: Uint8Array;
  /**
   * The names are in JavaScript string order of their keys (the name, plus '/' for a
   * directory); false (directory order) when a name is not valid UTF-8.
   */
  readonly sorted: boolean;
}

/** Reads a whole directory in one thread-pool job. */
export function readDirectory(directory: string): Promise<RawDirectory>;

/**
 * Removes `paths` (absolute, joined by NUL) in one thread-pool job, each only while it is a
 * regular file (lstat: a symbolic link is never followed) whose access time is at most
 * `accessedBeforeNs[i]` and whose modification time in ms is `modifiedMs[i]` (-1: no condition).
 * Resolves to one result per path: 0 removed, an errno of the lstat or unlink, -1 not a regular
 * file, -2 accessed after the bound, -3 modified (the last three kept).
 */
export function unlinkFiles(
  paths: string,
  accessedBeforeNs: BigInt64Array,
  modifiedMs: BigInt64Array,
): Promise<Int32Array>;

/**
 * rmdir of each of `paths` (absolute, joined by NUL) in one thread-pool job. Resolves to one
 * result per path: 0 removed, else the errno (ENOTEMPTY for one that is not empty).
 */
export function removeDirectories(paths: string): Promise<Int32Array>;

/**
 * Each of `paths` (absolute, joined by NUL) opened read-only, fsynced and closed, in one
 * thread-pool job. Resolves to one result per path: 0 synced, else the errno plus 4096 times the
 * step that failed (0 open, 1 fsync, 2 close).
 */
export function syncDirectories(paths: string): Promise<Int32Array>;

/**
 * Reads files one after another in one thread-pool job. `text` holds, for each read in order, the
 * name of the extended attribute to read (empty: none) then its `counts[i]` candidate paths, all
 * joined by NUL. Read i opens the first of its candidates that exists (one that is missing, below
 * a file, a link loop or too long sends the open on to the next) read only, not following a
 * symbolic link, not blocking on a FIFO; fstats it, reads the attribute through the descriptor and,
 * for a regular file no longer than `buffers[i]` (null: no content), its content into it; then
 * closes it. It fills slots 14i..14i+13 of `numbers`: per step, open, fstat, attribute and read,
 * the errno of its failure, 0 when it worked, -1 when it was not taken, -2 for an attribute
 * skipped; then dev, ino, mode, size, atime, mtime and ctime in ns; the bytes of content read, -1
 * when none were; the index of the candidate opened, or whose open failed last; and the length of
 * its attribute's value in the result (0 when not read). Slots 6i..6i+5 of `known` (1, then dev,
 * ino, size, mtime ns, ctime ns; 0 for none) skip the attribute read when the open file still
 * matches them. `offsets[i]` -1 reads the whole content as above; an offset reads from there up
 * to the length of `buffers[i]` (fewer at the end of the file), whatever the file's size.
 * Resolves to the attribute values read, back to back in read order.
 */
export function readFiles(
  text: string,
  counts: Int32Array,
  numbers: BigInt64Array,
  known: BigInt64Array,
  buffers: readonly (Buffer | null)[],
  offsets: BigInt64Array,
): Promise<Buffer>;

/**
 * Creates `workPath` (O_EXCL, mode 0666 less the umask), writes all of `content` (a Buffer, or the
 * Buffers of an array in order, at most 1024, in gathered writes), sets attribute
 * `attribute` to `record` through the descriptor, fsyncs it when `sync`, renames it onto
 * `destination`, unlinks `supersedes` (unless '') once the rename worked, fstats and closes it:
 * one thread-pool job. First, when `absent` (paths joined by NUL characters) is not '', it checks
 * that none of them exists: when one does (or its lstat fails otherwise than ENOENT/ENOTDIR),
 * nothing else is done. Fills `numbers` (14 slots: per step, open, write, attribute, fsync, rename
 * and fstat, the errno of its failure, 0 when it worked, -1 when it was not taken; then dev, ino,
 * size, atime, mtime and ctime in ns, valid when the fstat worked; then the unlink's, as a
 * step's; then 1 when a path of `absent` was present, else 0). A failed rename leaves the
 * finished work file in place. Resolves once the job ran.
 */
export function writeFile(
  workPath: string,
  content: Buffer | readonly Buffer[],
  attribute: string,
  record: Buffer,
  destination: string,
  sync: boolean,
  numbers: BigInt64Array,
  supersedes: string,
  absent: string,
): Promise<void>;

/**
 * `writeFile` of each of `writes` (its arguments, in order), one after another in one thread-pool
 * job: one hand-off to the pool and back for all of them. Resolves once the job ran; each write's
 * outcome is in its `numbers`, as `writeFile` reports it.
 */
export function writeFiles(writes: readonly Parameters<typeof writeFile>[]): Promise<void>;

/** A running MD5 (an opaque native state, freed by the collector). */
export type Md5State = { readonly __md5State: unique symbol };

/** A new MD5 state. */
export function md5Create(): Md5State;

/**
 * Hashes `buffers`, in order, into `state` in one thread-pool job (OpenSSL's MD5, as node:crypto).
 * The buffers must not change until it settles. One update at a time per state: another call
 * before this one settled, or after `md5Digest`, throws a TypeError.
 */
export function md5Update(state: Md5State, buffers: readonly Buffer[]): Promise<void>;

/** The 16-byte digest of everything hashed into `state`, which is then spent. */
export function md5Digest(state: Md5State): Buffer;

/**
 * Commits a written work file through its open descriptor `fd`: writes `tail` (the body's last
 * bytes, at most 1024 Buffers; a short write continued), sets the access and modification times
 * to `times` (ns) unless null, sets attribute `attribute` to `record`, fsyncs when `sync`, renames
 * `workPath` onto `destination`, and once the rename worked unlinks `supersedes` (unless ''),
 * fstats and closes `fd`: one thread-pool job. Fills `numbers` (15 slots: per step, attribute,
 * fsync, rename, unlink, fstat and close, the errno of its failure, 0 when it worked, -1 when it
 * was not taken; then dev, ino, size, atime, mtime and ctime in ns, valid when the fstat worked;
 * then 1 when a path of `absent` was present, else 0; then the tail's write and the times' step,
 * as the first six). First, when `absent` (paths joined by NUL characters) is not '', it checks
 * that none of them exists: when one does (or its lstat fails otherwise than ENOENT/ENOTDIR),
 * nothing else is done (the tail not written). A failed step before the rename leaves `fd` open
 * (and the work file in place); `fd` is closed exactly when the close step was taken. The `tail`
 * array and its Buffers must not change until it settles. Resolves once the job ran.
 */
export function commitFile(
  fd: number,
  workPath: string,
  attribute: string,
  record: Buffer,
  destination: string,
  sync: boolean,
  numbers: BigInt64Array,
  supersedes: string,
  absent: string,
  tail: readonly Buffer[],
  times: BigInt64Array | null,
): Promise<void>;

/**
 * Creates `path` (O_EXCL, write only, mode 0666 less the umask) and writes all of `buffers` to it
 * (gathered writes; a short one continued): one thread-pool job. Fills `numbers` (3 slots: the
 * open's and the write's errno, 0 when it worked, -1 when not taken; then the open descriptor, -1
 * when there is none). A failed write closes the file, which stays at `path`. The array and its
 * Buffers must not change until it settles. Resolves once the job ran.
 */
export function createFile(
  path: string,
  buffers: readonly Buffer[],
  numbers: BigInt64Array,
): Promise<void>;
