// Walks an object tree in the global string order of the object names, skipping whole subtrees
// that lie before `startAfter` or outside `prefix`, so a listing page reads only what it returns.
import { childPath } from '../layout/index.js';
import type { Dirent, Disk } from './disk.js';
import { isMissing } from './storage-errors.js';

/** Listing bounds; '' means unbounded. */
export interface WalkBounds {
  /** Only names starting with this. */
  prefix: string;
  /** Only names strictly greater than this (JS string order). */
  startAfter: string;
}

/** One directory entry with its sort key: the name relative to the root, plus '/' for directories. */
export interface SortedEntry {
  readonly key: string;
  readonly entry: string;
  readonly directory: boolean;
}

/** A regular file found by the walk. */
export interface WalkedFile {
  /** Path relative to the root, '/'-separated: the object name. */
  readonly name: string;
  readonly path: string;
}

/**
 * Reads one directory and sorts its files and subdirectories by key. A directory sorts as
 * `entry + '/'`, which puts it exactly where its descendants' names fall among its siblings
 * (`a-b` < `a/...` < `a0`). Other entry types (symlinks, sockets) are not objects and are left out.
 * A directory that vanished reads as empty.
 */
export async function readSortedEntries(
  disk: Disk,
  directory: string,
  base: string,
): Promise<SortedEntry[]> {
  let dirents: Dirent[];
  try {
    dirents = await disk.readdir(directory, { withFileTypes: true });
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
  const entries: SortedEntry[] = [];
  for (const dirent of dirents) {
    if (dirent.isDirectory()) {
      entries.push({ key: `${base}${dirent.name}/`, entry: dirent.name, directory: true });
    } else if (dirent.isFile()) {
      entries.push({ key: `${base}${dirent.name}`, entry: dirent.name, directory: false });
    }
  }
  return entries.sort((left, right) => (left.key < right.key ? -1 : left.key > right.key ? 1 : 0));
}

/** Reads one directory's sorted entries; a seam so tests can see which directories a walk reads. */
export type DirectoryReader = (
  disk: Disk,
  directory: string,
  base: string,
) => Promise<SortedEntry[]>;

/** Yields the files below `root` in name order within `bounds`. */
export async function* walkSorted(
  disk: Disk,
  root: string,
  bounds: WalkBounds,
  read: DirectoryReader = readSortedEntries,
): AsyncGenerator<WalkedFile> {
  yield* walkEntries(disk, root, await read(disk, root, ''), bounds, read);
}

/** Continues a walk from a directory's already-read entries (callers may filter them first). */
export async function* walkEntries(
  disk: Disk,
  directory: string,
  entries: readonly SortedEntry[],
  bounds: WalkBounds,
  read: DirectoryReader = readSortedEntries,
): AsyncGenerator<WalkedFile> {
  const { prefix, startAfter } = bounds;
  for (const item of entries) {
    const path = childPath(directory, item.entry);
    if (!item.key.startsWith(prefix)) {
      // Sorted order: once past the prefix range, nothing later can match.
      if (item.key > prefix) return;
      // A directory on the way to the prefix (`a/` for prefix `a/b`) must be entered.
      if (!(item.directory && prefix.startsWith(item.key))) continue;
    }
    if (item.directory) {
      if (isSubtreeBefore(item.key, startAfter)) continue;
      yield* walkEntries(disk, path, await read(disk, path, item.key), bounds, read);
    } else if (item.key > startAfter) {
      yield { name: item.key, path };
    }
  }
}

// Every name below directory key `key` starts with `key`; they are all <= startAfter exactly when
// key < startAfter and startAfter does not itself lie inside the subtree.
function isSubtreeBefore(key: string, startAfter: string): boolean {
  return startAfter !== '' && key < startAfter && !startAfter.startsWith(key);
}
