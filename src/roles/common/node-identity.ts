// A node's persistent ID: created on first start in `<dir>/node-id`, reused after every restart.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hasErrnoCode } from '../../errors/index.js';
import { writeFileAtomically } from '../../util/atomic-file.js';
import { randomId } from '../../util/ids.js';

/** Reads the node ID, creating it (role prefix `p`/`t` + 8 random characters) when absent. */
export async function loadNodeId(dir: string, role: 'proxy' | 'target'): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'node-id');
  try {
    const id = (await readFile(path, 'utf8')).trim();
    if (/^[A-Za-z0-9_-]{4,64}$/.test(id)) return id;
    throw new Error(`${path} holds an invalid node ID "${id}"`);
  } catch (error) {
    if (!hasErrnoCode(error, 'ENOENT')) throw error;
  }
  const id = `${role === 'proxy' ? 'p' : 't'}${randomId(8)}`;
  await writeFileAtomically(path, `${id}\n`);
  return id;
}
