// Moves a finished work file into its final place with one atomic rename, creating the parent
// directories, and reports when the natural path clashes with the directory structure.
import { dirname } from 'node:path';
import { hasErrnoCode } from '../../errors/index.js';
import { makeDirectories } from './directories.js';
import type { Disk } from './disk.js';

/** `committed`: the file is in place. `collision`: the path is a directory, or below a file. */
export type CommitResult =
  { outcome: 'committed'; directoriesToSync: string[] } | { outcome: 'collision' };

// A concurrent delete may prune a freshly created parent between mkdir and rename; each retry
// recreates it. Needing more attempts than this means something else is wrong.
const maxAttempts = 4;

/**
 * Renames `workPath` onto `destination` (atomically replacing a file), creating missing parents.
 * The rename is tried first: in the common case the parent exists and one syscall does it all.
 * `directoriesToSync` lists the directories whose entries changed, for the caller to fsync
 * (after releasing its lock) when durability is required.
 */
export function renameIntoPlace(
  disk: Disk,
  workPath: string,
  destination: string,
): Promise<CommitResult> {
  return placeFile(disk, workPath, destination, 'rename');
}

/**
 * Hard-links `source` at `destination` (the same inode, with its metadata attribute, under a second
 * name), creating missing parents. A file already at `destination` counts as linked: callers name
 * each file by what it holds, so it is the same content, left by an interrupted earlier attempt.
 */
export function linkIntoPlace(
  disk: Disk,
  source: string,
  destination: string,
): Promise<CommitResult> {
  return placeFile(disk, source, destination, 'link');
}

async function linkOrFind(disk: Disk, from: string, to: string): Promise<void> {
  try {
    await disk.link(from, to);
  } catch (error) {
    if (hasErrnoCode(error, 'EEXIST') && (await disk.lstat(to)).isFile()) return;
    throw error;
  }
}

async function placeFile(
  disk: Disk,
  workPath: string,
  destination: string,
  how: 'rename' | 'link',
): Promise<CommitResult> {
  const parent = dirname(destination);
  let created: string[] = [];
  for (let attempt = 1; ; attempt += 1) {
    try {
      if (how === 'rename') await disk.rename(workPath, destination);
      else await linkOrFind(disk, workPath, destination);
      return { outcome: 'committed', directoriesToSync: created.length > 0 ? created : [parent] };
    } catch (error) {
      // The destination is a directory (`a` while `a/` holds objects), or below a file (`a/b`).
      if (hasErrnoCode(error, 'EISDIR', 'ENOTDIR', 'EEXIST', 'ENOTEMPTY')) {
        return { outcome: 'collision' };
      }
      if (!hasErrnoCode(error, 'ENOENT') || attempt >= maxAttempts) throw error;
    }
    // ENOENT: the work file is gone (give up with its error), or the parent is missing.
    await disk.access(workPath);
    try {
      created = await makeDirectories(disk, parent);
    } catch (error) {
      // A path component exists as a file: `a/b` while `a` is an object.
      if (hasErrnoCode(error, 'ENOTDIR', 'EEXIST')) return { outcome: 'collision' };
      throw error;
    }
  }
}
