// Removals and directory syncs in batches (the `cairn-fs-batch` addon): many files removed, each
// on conditions, or many empty directories, in one thread-pool job (`unlinkFiles`,
// `removeDirectories`: LRU eviction and the pruning of the parents it leaves); a directory's open,
// fsync and close in one job (`syncDirectory`: a PUT's directory sync).
import {
  removeDirectories as removeDirectoryBatch,
  syncDirectories,
  unlinkFiles as unlinkBatch,
} from 'cairn-fs-batch';
import { errnoError } from './fs-batch.js';

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
