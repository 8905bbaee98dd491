// Moves a replica that failed verification out of the namespace into the mountpath's quarantine,
// keeping its bytes and metadata attribute for inspection.
import { dirname } from 'node:path';
import { quarantinePath } from '../layout/index.js';
import type { Disk } from './disk.js';
import { isMissing } from './storage-errors.js';

/** The identity of the inode that was read (from fstat of the open descriptor). */
export interface FileIdentity {
  dev: bigint;
  ino: bigint;
}

/**
 * Renames `filePath` into quarantine if it still names the inode that failed (a writer may have
 * replaced it with a good object meanwhile). The caller holds the object's write lock so the
 * check and the rename cannot interleave with a commit. Returns whether the file was moved.
 */
export async function quarantineReplica(
  disk: Disk,
  mountpath: string,
  filePath: string,
  identity: FileIdentity,
  nowMs: number,
): Promise<boolean> {
  try {
    const current = await disk.stat(filePath, { bigint: true });
    if (current.dev !== identity.dev || current.ino !== identity.ino) return false;
    const target = quarantinePath(mountpath, filePath, nowMs);
    await disk.mkdir(dirname(target), { recursive: true });
    await disk.rename(filePath, target);
    return true;
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}
