// Capacity of a mountpath's file system, from statfs (what a full-disk check and stats report).
import type { Disk } from '../io/disk.js';
import { isDiskFault } from '../io/storage-errors.js';
import type { DiskFaults } from './disk-faults.js';

/** Sizes in bytes; `availableBytes` is what an unprivileged writer can still use. */
export interface MountpathCapacity {
  mountpath: string;
  /** The file system's device ID: mountpaths that share one report the same sizes. */
  filesystem: string;
  totalBytes: number;
  usedBytes: number;
  availableBytes: number;
}

export async function mountpathCapacity(disk: Disk, mountpath: string): Promise<MountpathCapacity> {
  const [stats, directory] = await Promise.all([disk.statfs(mountpath), disk.stat(mountpath)]);
  return {
    mountpath,
    filesystem: String(directory.dev),
    totalBytes: stats.blocks * stats.bsize,
    usedBytes: (stats.blocks - stats.bfree) * stats.bsize,
    availableBytes: stats.bavail * stats.bsize,
  };
}

/**
 * The capacity of each of `paths`: a mountpath whose disk fails reports zeros (and the fault, to
 * `faults`) rather than failing the whole answer.
 */
export function mountpathCapacities(
  disk: Disk,
  paths: readonly string[],
  faults: DiskFaults,
): Promise<MountpathCapacity[]> {
  return Promise.all(
    paths.map((mountpath) =>
      mountpathCapacity(disk, mountpath).catch((error: unknown) => {
        if (!isDiskFault(error)) throw error;
        faults.report(error, mountpath);
        return { mountpath, filesystem: '', totalBytes: 0, usedBytes: 0, availableBytes: 0 };
      }),
    ),
  );
}
