// Start-up cleanup of a mountpath: work files belong to a process that is gone (a crash mid-write
// leaves them), and trash is what a bucket destroy did not finish deleting.
import { readdir, rm } from 'node:fs/promises';
import { isMissing } from '../io/index.js';
import {
  childPath,
  isNamespaceDirectoryName,
  isProviderDirectoryName,
  trashDirectory,
  workDirectoryName,
} from '../layout/index.js';

/** Removes every `%wk` directory of every bucket on the mountpath, and the trash. */
export async function cleanMountpath(mountpath: string): Promise<void> {
  await rm(trashDirectory(mountpath), { recursive: true, force: true });
  for (const bucketDirectory of await bucketDirectories(mountpath)) {
    await rm(childPath(bucketDirectory, workDirectoryName), { recursive: true, force: true });
  }
}

/** Every bucket directory: `@provider/bucket` and `@provider/<namespace>/bucket`. */
async function bucketDirectories(mountpath: string): Promise<string[]> {
  const buckets: string[] = [];
  for (const provider of await subdirectories(mountpath)) {
    if (!isProviderDirectoryName(provider)) continue;
    const providerPath = childPath(mountpath, provider);
    for (const entry of await subdirectories(providerPath)) {
      const entryPath = childPath(providerPath, entry);
      if (!isNamespaceDirectoryName(entry)) {
        buckets.push(entryPath);
        continue;
      }
      for (const bucket of await subdirectories(entryPath))
        buckets.push(childPath(entryPath, bucket));
    }
  }
  return buckets;
}

async function subdirectories(directory: string): Promise<string[]> {
  try {
    const entries = await readdir(directory, { withFileTypes: true });
    return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
}
