// Walks an object tree in the global string order of the object names, skipping whole subtrees
// that lie before `startAfter` or outside `prefix`, so a listing page reads only what it returns.
import { childPath } from '../layout/index.js';
import type { Disk } from './disk.js';
import { EntryType, type DirectoryEntries } from './fs-batch.js';
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
  /** The directory that holds it, and its entry there (`path` is both joined). */
  readonly directory: string;
  readonly entry: string;
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
  let read: DirectoryEntries;
  try {
    read = await disk.readDirectoryEntries(directory);
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
  const { names, types, sorted } = read;
  const entries: SortedEntry[] = [];
  for (let index = 0; index < names.length; index += 1) {
    const entry = names[index] as string;
    const type = types[index];
    if (type === EntryType.directory) {
      entries.push({ key: `${base}${entry}/`, entry, directory: true });
    } else if (type === EntryType.file) {
      entries.push({ key: `${base}${entry}`, entry, directory: false });
    }
  }
  // Sorting by key within one directory is sorting by entry plus its '/': the addon did it.
  if (sorted) return entries;
  return entries.sort((left, right) => (left.key < right.key ? -1 : left.key > right.key ? 1 : 0));
}

/**
 * Directory entries a listing keeps from page to page, at most this many in all (a target keeps up
 * to 32 listings, as many entries as their sessions hold).
 */
const maxRememberedDirectoryEntries = 20_000;

/** A directory read a listing keeps: `base` is its names' common start ('' for a root). */
interface KeptRead {
  readonly base: string;
  readonly entries: Promise<SortedEntry[]>;
  count: number;
}

/**
 * The directories one listing read and is still in, kept for its next pages: every page resumes
 * its walk from the root, and re-reading a root of 1,000 directories for each page of about 2,500
 * names per mountpath was a third of the directory reads; the directory a page stopped in was read
 * again by the next (about a tenth of them). Kept: the roots, and the directories below whose names
 * do not all sort before where the listing's last step began (`passed` forgets those). A directory
 * or object made in a directory after the listing read it is not seen by that listing, as in
 * AIStore, whose walk runs on from page to page. What does not fit in the bound is read again each
 * time (a flat bucket of many objects).
 */
export class ListingDirectories {
  readonly #reads = new Map<string, KeptRead>();
  #entries = 0;

  /** A root directory's entries, as the listing first read them. */
  read(disk: Disk, directory: string): Promise<SortedEntry[]> {
    return this.reader(disk, directory, '');
  }

  /** The walk's directory reader (`DirectoryReader`): a kept read, or a new one kept. */
  readonly reader: DirectoryReader = async (disk, directory, base) => {
    const kept = this.#reads.get(directory);
    if (kept !== undefined) return await kept.entries;
    const read: KeptRead = { base, entries: readSortedEntries(disk, directory, base), count: 0 };
    this.#reads.set(directory, read);
    try {
      const entries = await read.entries;
      if (this.#reads.get(directory) !== read) return entries;
      if (this.#entries + entries.length > maxRememberedDirectoryEntries) {
        this.#reads.delete(directory);
      } else {
        read.count = entries.length;
        this.#entries += entries.length;
      }
      return entries;
    } catch (error) {
      // A failed read is not remembered: the next page tries again.
      if (this.#reads.get(directory) === read) this.#reads.delete(directory);
      throw error;
    }
  };

  /** Forgets the directories below the roots whose names all sort at or before `startAfter`. */
  passed(startAfter: string): void {
    for (const [directory, kept] of this.#reads) {
      if (kept.base === '' || !isSubtreeBefore(kept.base, startAfter)) continue;
      this.#reads.delete(directory);
      this.#entries -= kept.count;
    }
  }
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
  for await (const run of walkEntryRuns(disk, directory, entries, bounds, read)) yield* run;
}

/** Makes the walk's item for a file: its name, the directory holding it, its entry there. */
export type FileMaker<T> = (name: string, directory: string, entry: string) => T;

const walkedFile: FileMaker<WalkedFile> = (name, directory, entry) => ({
  name,
  path: childPath(directory, entry),
  directory,
  entry,
});

/**
 * The same walk, yielding runs of files instead of single files: each run is consecutive files of
 * one directory, in name order. Listing resumes a generator once per run, not once per object,
 * and makes its own items (`make`), one object per file.
 */
export function walkEntryRuns(
  disk: Disk,
  directory: string,
  entries: readonly SortedEntry[],
  bounds: WalkBounds,
  read?: DirectoryReader,
): AsyncGenerator<WalkedFile[]>;
export function walkEntryRuns<T>(
  disk: Disk,
  directory: string,
  entries: readonly SortedEntry[],
  bounds: WalkBounds,
  read: DirectoryReader,
  make: FileMaker<T>,
): AsyncGenerator<T[]>;
export function walkEntryRuns<T>(
  disk: Disk,
  directory: string,
  entries: readonly SortedEntry[],
  bounds: WalkBounds,
  read: DirectoryReader = readSortedEntries,
  make?: FileMaker<T>,
): AsyncGenerator<Array<T | WalkedFile>> {
  return walkRuns<T | WalkedFile>(disk, directory, entries, bounds, read, make ?? walkedFile);
}

async function* walkRuns<T>(
  disk: Disk,
  directory: string,
  entries: readonly SortedEntry[],
  bounds: WalkBounds,
  read: DirectoryReader,
  make: FileMaker<T>,
): AsyncGenerator<T[]> {
  const { prefix, startAfter } = bounds;
  let run: T[] = [];
  for (let index = firstToWalk(entries, startAfter); index < entries.length; index += 1) {
    const item = entries[index] as SortedEntry;
    if (!item.key.startsWith(prefix)) {
      // Sorted order: once past the prefix range, nothing later can match.
      if (item.key > prefix) break;
      // A directory on the way to the prefix (`a/` for prefix `a/b`) must be entered.
      if (!(item.directory && prefix.startsWith(item.key))) continue;
    }
    if (item.directory) {
      if (isSubtreeBefore(item.key, startAfter)) continue;
      if (run.length > 0) yield run;
      run = [];
      const path = childPath(directory, item.entry);
      yield* walkRuns(disk, path, await read(disk, path, item.key), bounds, read, make);
    } else if (item.key > startAfter) {
      run.push(make(item.key, directory, item.entry));
    }
  }
  if (run.length > 0) yield run;
}

/**
 * Where a walk of the sorted `entries` begins: every entry before it lies at or before `startAfter`
 * (files) or holds only such names (directories), so the walk would skip it; a kept directory is
 * walked again from page to page (a root of 1,000 directories, or the directory a page stopped in),
 * so its skipped part is found by a binary search instead of a comparison per entry. The directory
 * that holds `startAfter`, if any, sorts last among the keys below it (no sibling's key sorts
 * between a directory's key and its names): it is walked.
 */
export function firstToWalk(entries: readonly SortedEntry[], startAfter: string): number {
  if (startAfter === '') return 0;
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((entries[middle] as SortedEntry).key < startAfter) low = middle + 1;
    else high = middle;
  }
  const previous = entries[low - 1];
  return previous !== undefined && previous.directory && startAfter.startsWith(previous.key)
    ? low - 1
    : low;
}

// Every name below directory key `key` starts with `key`; they are all <= startAfter exactly when
// key < startAfter and startAfter does not itself lie inside the subtree.
function isSubtreeBefore(key: string, startAfter: string): boolean {
  return startAfter !== '' && key < startAfter && !startAfter.startsWith(key);
}
