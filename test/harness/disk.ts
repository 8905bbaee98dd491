// Looking at what a cluster stored on disk (object files under `%ob`, EC slices under `%ec`, work
// files under `%wk`) and damaging it the way disks do.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

export { flipByte } from '../../src/storage/store-fixtures.js';

/** Every regular file below `root` whose path contains `/<marker>/` (e.g. `%ob`), recursively. */
export async function findFiles(root: string, marker: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string, inside: boolean): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path, inside || entry.name === marker);
      else if (entry.isFile() && inside) found.push(path);
    }
  };
  await walk(root, false);
  return found;
}

/**
 * Files below `root` under `/<marker>/` whose path ends with `/<name>` (an object's replicas or
 * pieces), leaving out quarantined ones.
 */
export async function filesOf(root: string, marker: string, name: string): Promise<string[]> {
  return (await findFiles(root, marker)).filter(
    (path) => path.endsWith(`/${marker}/${name}`) && !path.includes('/.cairn.quarantine/'),
  );
}
