// Directory operations with durability: mkdir -p that reports what it created (to fsync), fsync of
// a file named by path, pruning of emptied parents, and removal of whole trees through a trash
// rename.
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
  await disk.mkdir(dirname(trashPath), { recursive: true });
  try {
    await disk.rename(directory, trashPath);
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
  await disk.rm(trashPath, { recursive: true, force: true });
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
