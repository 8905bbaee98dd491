// Test helper: the object files under a mountpath's `%ob` directories.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

export async function findFiles(mountpath: string): Promise<string[]> {
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
      if (entry.isDirectory()) await walk(path, inside || entry.name === '%ob');
      else if (inside) found.push(path);
    }
  };
  await walk(mountpath, false);
  return found;
}
