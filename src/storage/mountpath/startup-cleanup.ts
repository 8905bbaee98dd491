// Start-up cleanup of a mountpath: work files belong to a process that is gone (a crash mid-write
// leaves them), and trash is what a bucket destroy did not finish deleting. The undo records of
// appends in place that a crash interrupted are applied first (in-place/undo-record.ts).
import { recoverFromUndoRecord } from '../in-place/undo-record.js';
import { isMissing, type Disk } from '../io/index.js';
import {
  childPath,
  isUndoRecordName,
  isNamespaceDirectoryName,
  isProviderDirectoryName,
  trashDirectory,
  workDirectoryName,
} from '../layout/index.js';

/** Removes every `%wk` directory of every bucket on the mountpath, and the trash. */
export async function cleanMountpath(disk: Disk, mountpath: string): Promise<void> {
  await disk.rm(trashDirectory(mountpath), { recursive: true, force: true });
  for (const bucketDirectory of await bucketDirectories(disk, mountpath)) {
    const workDirectory = childPath(bucketDirectory, workDirectoryName);
    for (const entry of await fileNames(disk, workDirectory)) {
      if (isUndoRecordName(entry))
        await recoverFromUndoRecord(disk, childPath(workDirectory, entry));
    }
    await disk.rm(workDirectory, { recursive: true, force: true });
  }
}

async function fileNames(disk: Disk, directory: string): Promise<string[]> {
  try {
    return await disk.readdir(directory);
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
}

/** Every bucket directory: `@provider/bucket` and `@provider/<namespace>/bucket`. */
async function bucketDirectories(disk: Disk, mountpath: string): Promise<string[]> {
  const buckets: string[] = [];
  for (const provider of await subdirectories(disk, mountpath)) {
    if (!isProviderDirectoryName(provider)) continue;
    const providerPath = childPath(mountpath, provider);
    for (const entry of await subdirectories(disk, providerPath)) {
      const entryPath = childPath(providerPath, entry);
      if (!isNamespaceDirectoryName(entry)) {
        buckets.push(entryPath);
        continue;
      }
      for (const bucket of await subdirectories(disk, entryPath))
        buckets.push(childPath(entryPath, bucket));
    }
  }
  return buckets;
}

async function subdirectories(disk: Disk, directory: string): Promise<string[]> {
  try {
    const entries = await disk.readdir(directory, { withFileTypes: true });
    return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
}
