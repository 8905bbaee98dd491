// Small file systems for capacity tests: a tmpfs of a given size mounted on a directory (needs
// root, as the tests run), so that a target's mountpath fills up with a few MiB of real files.
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Mounts a fresh tmpfs of `bytes` on `path` (created when missing). */
export async function mountTmpfs(path: string, bytes: number): Promise<void> {
  await mkdir(path, { recursive: true });
  await run('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', path]);
}

/** Unmounts it (lazily: a process killed a moment ago may still hold a file open). */
export async function unmountTmpfs(path: string): Promise<void> {
  await run('umount', ['--lazy', path]);
}
