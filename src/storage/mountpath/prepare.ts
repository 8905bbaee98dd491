// Brings configured mountpaths into service at open: create, check, claim, clean.
import { mkdir, stat } from 'node:fs/promises';
import { hasErrnoCode, invalidMountpath } from '../../errors/index.js';
import { cleanMountpath } from './startup-cleanup.js';
import { cleanMountpaths, describeMountpath, type Mountpath } from './mountpath.js';
import { claimMountpath } from './ownership-marker.js';

/**
 * Prepares every mountpath for `nodeId`: the directory is created if missing (development and
 * test setups pass fresh paths; production ones are mounted disks and already exist), must be a
 * directory, gets or checks its ownership marker, and loses leftover work files and trash.
 */
export async function prepareMountpaths(
  paths: readonly string[],
  nodeId: string,
): Promise<Mountpath[]> {
  const cleaned = cleanMountpaths(paths);
  const prepared: Mountpath[] = [];
  for (const path of cleaned) {
    try {
      await mkdir(path, { recursive: true });
    } catch (error) {
      if (!hasErrnoCode(error, 'EEXIST', 'ENOTDIR')) throw error;
    }
    const stats = await stat(path);
    if (!stats.isDirectory()) throw invalidMountpath(path, 'not a directory');
    await claimMountpath(path, nodeId);
    await cleanMountpath(path);
    prepared.push(describeMountpath(path));
  }
  return prepared;
}
