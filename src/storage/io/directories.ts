// Directory operations with durability: fsync of directories, mkdir -p that reports what it
// created, pruning of emptied parents, and removal of whole trees through a trash rename.
import { mkdir, open, rename, rm, rmdir, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { hasErrnoCode } from '../../errors/index.js';
import { isMissing } from './storage-errors.js';

/** fsync a directory so that entries created, renamed or removed in it survive a crash. */
export async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * mkdir -p. Returns the directories whose entries changed (the parent of the first directory
 * created, then each created one), i.e. the ones to fsync for the new chain to be durable.
 */
export async function makeDirectories(directory: string): Promise<string[]> {
  const firstCreated = await mkdir(directory, { recursive: true });
  if (firstCreated === undefined) return [];
  const changed: string[] = [];
  for (let current = directory; current !== firstCreated; current = dirname(current)) {
    changed.push(current);
  }
  changed.push(firstCreated, dirname(firstCreated));
  return changed.reverse();
}

/**
 * Removes `directory` and its parents while they are empty, stopping at (and keeping) `stopAt`.
 * A concurrent writer may re-create a removed directory at any time; commits retry for that.
 */
export async function removeEmptyParents(directory: string, stopAt: string): Promise<void> {
  for (let current = directory; current.startsWith(`${stopAt}/`); current = dirname(current)) {
    try {
      await rmdir(current);
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
  directory: string,
  trashPath: string,
): Promise<boolean> {
  await mkdir(dirname(trashPath), { recursive: true });
  try {
    await rename(directory, trashPath);
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
  await rm(trashPath, { recursive: true, force: true });
  return true;
}

/** Deletes a file, ignoring its absence. */
export async function removeFileQuietly(path: string): Promise<void> {
  // One unlink: `rm({ force: true })` costs two lstat calls before it, even for a missing file.
  try {
    await unlink(path);
  } catch (error) {
    if (!hasErrnoCode(error, 'ENOENT')) throw error;
  }
}
