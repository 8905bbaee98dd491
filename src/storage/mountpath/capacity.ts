// Capacity of a mountpath's file system, from statfs (what a full-disk check and stats report).
import type { Disk } from '../io/disk.js';

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
