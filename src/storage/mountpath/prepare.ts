// Brings mountpaths into service: create, check, claim, clean — at open and on attach.
import { hasErrnoCode, invalidMountpath } from '../../errors/index.js';
import { makeDirectories, type Disk } from '../io/index.js';
import { cleanMountpath } from './startup-cleanup.js';
import { cleanMountpaths, describeMountpath, type Mountpath } from './mountpath.js';
import { claimMountpath } from './ownership-marker.js';
import type { MountpathState } from './volume-record.js';

/**
 * Prepares every mountpath for `nodeId`: the directory is created if missing (development and
 * test setups pass fresh paths; production ones are mounted disks and already exist), must be a
 * directory, gets or checks its ownership marker, and loses leftover work files and trash.
 */
export async function prepareMountpaths(
  disk: Disk,
  paths: readonly string[],
  nodeId: string,
): Promise<Mountpath[]> {
  return prepareVolume(
    disk,
    paths.map((path) => ({ path, state: 'enabled' })),
    nodeId,
  );
}

/** Like `prepareMountpaths`, with states; disabled mountpaths are not touched (their disk may be bad). */
export async function prepareVolume(
  disk: Disk,
  entries: ReadonlyArray<{ path: string; state: MountpathState }>,
  nodeId: string,
): Promise<Mountpath[]> {
  const cleaned = cleanMountpaths(entries.map((entry) => entry.path));
  const prepared: Mountpath[] = [];
  for (const [index, path] of cleaned.entries()) {
    const state = entries[index]?.state ?? 'enabled';
    if (state === 'disabled') {
      prepared.push(describeMountpath(path, false));
      continue;
    }
    await prepareMountpath(disk, path, nodeId);
    const leaving =
      state === 'detaching' ? 'detach' : state === 'disabling' ? 'disable' : undefined;
    prepared.push(describeMountpath(path, state === 'enabled', leaving));
  }
  return prepared;
}

/**
 * Creates (if missing, durably: the new directories' parents are fsynced), checks, claims and
 * cleans one mountpath directory.
 */
export async function prepareMountpath(disk: Disk, path: string, nodeId: string): Promise<void> {
  try {
    for (const changed of await makeDirectories(disk, path)) await disk.syncDirectory(changed);
  } catch (error) {
    if (!hasErrnoCode(error, 'EEXIST', 'ENOTDIR')) throw error;
  }
  const stats = await disk.stat(path);
  if (!stats.isDirectory()) throw invalidMountpath(path, 'not a directory');
  await claimMountpath(disk, path, nodeId);
  await cleanMountpath(disk, path);
}
