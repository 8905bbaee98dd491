// Capacity of a mountpath's file system, from statfs (what a full-disk check and stats report).
import { statfs } from 'node:fs/promises';

/** Sizes in bytes; `availableBytes` is what an unprivileged writer can still use. */
export interface MountpathCapacity {
  mountpath: string;
  totalBytes: number;
  usedBytes: number;
  availableBytes: number;
}

export async function mountpathCapacity(mountpath: string): Promise<MountpathCapacity> {
  const stats = await statfs(mountpath);
  return {
    mountpath,
    totalBytes: stats.blocks * stats.bsize,
    usedBytes: (stats.blocks - stats.bfree) * stats.bsize,
    availableBytes: stats.bavail * stats.bsize,
  };
}
