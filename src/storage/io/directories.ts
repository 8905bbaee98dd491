// Directory operations with durability: mkdir -p that reports what it created (to fsync), fsyncs
// of a directory grouped (`DirectorySyncs`), fsync of a file named by path, pruning of emptied
// parents, removal of whole trees through a trash rename, and moving a tree into another (a
// renamed bucket's directories).
import { dirname } from 'node:path';
import { hasErrnoCode } from '../../errors/index.js';
import type { Disk } from './disk.js';
import { isMissing } from './storage-errors.js';

/**
 * mkdir -p. Returns the directories whose entries changed (the parent of the first directory
 * created, then each created one), i.e. the ones to fsync for the new chain to be durable.
 */
export async function makeDirectories(disk: Disk, directory: string): Promise<string[]> {
  const firstCreated = await disk.mkdir(directory, { recursive: true });
  if (firstCreated === undefined) return [];
  const changed: string[] = [];
  for (let current = directory; current !== firstCreated; current = dirname(current)) {
    changed.push(current);
  }
  changed.push(firstCreated, dirname(firstCreated));
  return changed.reverse();
}

/** fsync of the file at `path` (written by path: a copy, an attribute set through its name). */
export async function syncFile(disk: Disk, path: string): Promise<void> {
  const file = await disk.open(path, 'r');
  try {
    await file.sync();
  } finally {
    await file.close();
  }
}

/**
 * Removes `directory` and its parents while they are empty, stopping at (and keeping) `stopAt`.
 * A concurrent writer may re-create a removed directory at any time; commits retry for that.
 */
export async function removeEmptyParents(
  disk: Disk,
  directory: string,
  stopAt: string,
): Promise<void> {
  for (let current = directory; current.startsWith(`${stopAt}/`); current = dirname(current)) {
    try {
      await disk.rmdir(current);
    } catch (error) {
      if (hasErrnoCode(error, 'ENOTEMPTY', 'EEXIST', 'ENOENT', 'ENOTDIR', 'EBUSY')) return;
      throw error;
    }
  }
}

/**
 * Renames `directory` to `trashPath` (so it disappears at once, atomically), then deletes it.
 * Returns false when `directory` did not exist. A crash in between leaves only trash behind,
 * which start-up removes.
 */
export async function removeTreeThroughTrash(
  disk: Disk,
  directory: string,
  trashPath: string,
): Promise<boolean> {
  if (!(await moveIntoTrash(disk, directory, trashPath))) return false;
  await disk.rm(trashPath, { recursive: true, force: true });
  return true;
}

/**
 * Renames `directory` to `trashPath` (false: there was none); emptying it is the caller's (what a
 * crash leaves in the trash is removed at start-up).
 */
export async function moveIntoTrash(
  disk: Disk,
  directory: string,
  trashPath: string,
): Promise<boolean> {
  await disk.mkdir(dirname(trashPath), { recursive: true });
  try {
    await disk.rename(directory, trashPath);
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
  return true;
}

/** Deletes a file, ignoring its absence. */
export async function removeFileQuietly(disk: Disk, path: string): Promise<void> {
  // One unlink: `rm({ force: true })` costs two lstat calls before it, even for a missing file.
  try {
    await disk.unlink(path);
  } catch (error) {
    if (!hasErrnoCode(error, 'ENOENT')) throw error;
  }
}

/**
 * Moves the tree at `from` to `to`: one rename when `to` does not exist, else entry by entry into
 * it (an entry `to` already has is kept and `from`'s dropped: it was written there later).
 * Resolves false when `from` did not exist. Every level is bounded by the tree's own depth.
 */
export async function moveTree(disk: Disk, from: string, to: string): Promise<boolean> {
  await disk.mkdir(dirname(to), { recursive: true });
  try {
    await disk.rename(from, to);
    return true;
  } catch (error) {
    if (isMissing(error)) return false;
    if (hasErrnoCode(error, 'ENOTDIR')) {
      // `to` is a file: the destination wins.
      await disk.rm(from, { recursive: true, force: true });
      return true;
    }
    if (!hasErrnoCode(error, 'ENOTEMPTY', 'EEXIST')) throw error;
  }
  for (const entry of await disk.readdir(from, { withFileTypes: true })) {
    const source = `${from}/${entry.name}`;
    const target = `${to}/${entry.name}`;
    if (entry.isDirectory()) {
      await moveTree(disk, source, target);
      continue;
    }
    // A file `to` holds too is the newer one; where `to` has a directory, the destination wins.
    if (await exists(disk, target)) await disk.rm(source, { recursive: true, force: true });
    else await disk.rename(source, target);
  }
  await disk.rm(from, { recursive: true, force: true });
  return true;
}

async function exists(disk: Disk, path: string): Promise<boolean> {
  try {
    await disk.lstat(path);
    return true;
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}

interface DirectoryState {
  /** The fsync in progress (it may have started before the latest caller's rename). */
  running: Promise<void>;
  /** The one that starts when `running` ends; every caller that arrived meanwhile awaits it. */
  next: Promise<void> | undefined;
}

/**
 * Group commit of directory fsyncs: concurrent PUTs into one directory each need it fsynced after
 * their rename; one fsync that starts after a rename covers it, so callers that arrive while an
 * fsync of the directory runs share the next one instead of queueing one each.
 */
export class DirectorySyncs {
  readonly #directories = new Map<string, DirectoryState>();

  constructor(private readonly disk: Disk) {}

  /** Resolves once an fsync of `directory` that started after this call has completed. */
  sync(directory: string): Promise<void> {
    const state = this.#directories.get(directory);
    if (state === undefined) return this.#start(directory);
    state.next ??= state.running.then(
      () => this.#start(directory),
      () => this.#start(directory),
    );
    return state.next;
  }

  #start(directory: string): Promise<void> {
    const running = this.disk
      .syncDirectory(directory)
      .catch(ignoreRemoved)
      .finally(() => {
        const state = this.#directories.get(directory);
        if (state?.running !== running) return;
        if (state.next === undefined) this.#directories.delete(directory);
      });
    const state = this.#directories.get(directory);
    if (state === undefined) this.#directories.set(directory, { running, next: undefined });
    else {
      state.running = running;
      state.next = undefined;
    }
    return running;
  }
}

/**
 * A directory fsync runs after the writer released its lock: a delete may meanwhile have removed
 * the new entry and pruned its directory (ENOENT), which leaves no name to make durable.
 */
function ignoreRemoved(error: unknown): void {
  if (!hasErrnoCode(error, 'ENOENT')) throw error;
}
