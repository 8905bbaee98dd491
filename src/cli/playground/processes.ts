// Node processes of a playground: spawning them detached with their output in `node.log`,
// recognising them later (`/proc/<pid>/cmdline`), and stopping them (SIGTERM, then SIGKILL).
import { spawn } from 'node:child_process';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sleep } from '../../util/time.js';

export const logFileName = 'node.log';

/** Written to the log before each start, so that a failure shows only the current run. */
export const startMarker = '--- cairn playground: starting node';

/** A spawned node; `exited` resolves with a description when the process ends. */
export interface SpawnedNode {
  pid: number;
  exited: Promise<string>;
}

/** Starts `process.execPath args...` detached, stdout and stderr appended to `dir/node.log`. */
export async function spawnNode(dir: string, args: readonly string[]): Promise<SpawnedNode> {
  const log = await open(join(dir, logFileName), 'a');
  try {
    await log.write(`${startMarker} at ${new Date().toISOString()}: ${args.join(' ')}\n`);
    const child = spawn(process.execPath, args, {
      detached: true,
      stdio: ['ignore', log.fd, log.fd],
      cwd: dir,
    });
    const exited = new Promise<string>((resolve) => {
      child.once('exit', (code, signal) =>
        resolve(signal === null ? `exited with code ${code}` : `killed by ${signal}`),
      );
      child.once('error', (error) => resolve(`failed to start: ${error.message}`));
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    child.unref();
    if (child.pid === undefined) throw new Error('spawned process has no PID');
    return { pid: child.pid, exited };
  } finally {
    await log.close();
  }
}

/** True when `pid` runs a Cairn node with this node directory (checked on the command line). */
export async function isNodeProcess(pid: number | null, nodeDir: string): Promise<boolean> {
  if (pid === null || !Number.isSafeInteger(pid) || pid <= 0) return false;
  let args: string[];
  try {
    args = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
  } catch {
    return false; // gone (or not Linux: then we never signal a process we cannot identify)
  }
  const dirIndex = args.indexOf('--dir');
  return (
    args.includes('node') &&
    args.some((arg) => arg.includes('cairn')) &&
    dirIndex >= 0 &&
    args[dirIndex + 1] === nodeDir
  );
}

/**
 * Sends SIGTERM to each process, waits up to `graceMs` for all to exit, then SIGKILLs the rest.
 * Returns the PIDs that had to be killed.
 */
export async function terminate(pids: readonly number[], graceMs: number): Promise<number[]> {
  for (const pid of pids) signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  let alive = pids.filter(isAlive);
  while (alive.length > 0 && Date.now() < deadline) {
    await sleep(100);
    alive = alive.filter(isAlive);
  }
  for (const pid of alive) signal(pid, 'SIGKILL');
  return alive;
}

/** True while the process exists (zombies of our own children included until reaped). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

/** The last `lineCount` lines the node logged since its latest start marker. */
export async function logTail(nodeDir: string, lineCount = 20): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(join(nodeDir, logFileName), 'utf8');
  } catch {
    return ['(no log)'];
  }
  const lines = text.split('\n');
  const start = lines.findLastIndex((line) => line.startsWith(startMarker));
  const run = lines
    .slice(start + 1)
    .filter((line, index, all) => line !== '' || index < all.length - 1);
  return run.slice(-lineCount);
}
