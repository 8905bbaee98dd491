// Processes of a playground: spawning one with its output appended to a log file, recognising
// them later (`/proc/<pid>/cmdline`), and stopping them (SIGTERM, then SIGKILL).
import { spawn } from 'node:child_process';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sleep } from '../../util/time.js';

export const logFileName = 'node.log';

/** Every start writes a line with this prefix to the log, so that a failure shows only its run. */
const markerPrefix = '--- cairn playground: starting';
export const startMarker = `${markerPrefix} node`;
export const supervisorStartMarker = `${markerPrefix} supervisor`;

/** How long stopped nodes get to exit before SIGKILL. */
export const stopGraceMs = 10_000;

/** How a process ended: an exit code, a signal, or a failure to start at all. */
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

/** A spawned process; `exited` resolves when it ends (it never rejects). */
export interface SpawnedProcess {
  pid: number;
  exited: Promise<ExitStatus>;
}

/** `exited with code 1`, `killed by SIGKILL`, `failed to start: ...`. */
export function describeExit(status: ExitStatus): string {
  if (status.error !== undefined) return `failed to start: ${status.error.message}`;
  return status.signal === null ? `exited with code ${status.code}` : `killed by ${status.signal}`;
}

/**
 * Starts `process.execPath args...` in `cwd` with stdout and stderr appended to `logPath` (a crash
 * stack that Node prints on stderr lands there), after a start marker line. A `detached` process
 * leads its own session and does not keep the caller alive.
 */
export async function spawnLogged(
  logPath: string,
  args: readonly string[],
  options: { cwd: string; detached: boolean; marker: string; env?: NodeJS.ProcessEnv },
): Promise<SpawnedProcess> {
  const log = await open(logPath, 'a');
  try {
    await log.write(`${options.marker} at ${new Date().toISOString()}: ${args.join(' ')}\n`);
    const child = spawn(process.execPath, args, {
      detached: options.detached,
      stdio: ['ignore', log.fd, log.fd],
      cwd: options.cwd,
      ...(options.env === undefined ? {} : { env: options.env }),
    });
    const exited = new Promise<ExitStatus>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', (error) => resolve({ code: null, signal: null, error }));
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    if (options.detached) child.unref();
    if (child.pid === undefined) throw new Error('spawned process has no PID');
    return { pid: child.pid, exited };
  } finally {
    await log.close();
  }
}

/** True when `pid` runs a Cairn node with this node directory (checked on the command line). */
export async function isNodeProcess(pid: number | null, nodeDir: string): Promise<boolean> {
  const args = await commandLine(pid);
  return args.includes('node') && directoryArgument(args) === nodeDir;
}

/** True when `pid` runs `cairn authn` with this records directory. */
export async function isAuthnProcess(pid: number | null, authnDir: string): Promise<boolean> {
  const args = await commandLine(pid);
  return args.includes('authn') && directoryArgument(args) === authnDir;
}

/** True when `pid` runs `cairn playground supervise` for the playground in `dir`. */
export async function isSupervisorProcess(pid: number | null, dir: string): Promise<boolean> {
  const args = await commandLine(pid);
  const command = args.indexOf('playground');
  return command >= 0 && args[command + 1] === 'supervise' && directoryArgument(args) === dir;
}

/** The arguments of a Cairn process (an argument names `cairn`), or [] for anything else. */
async function commandLine(pid: number | null): Promise<string[]> {
  if (pid === null || !Number.isSafeInteger(pid) || pid <= 0) return [];
  let args: string[];
  try {
    args = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
  } catch {
    return []; // gone (or not Linux: then we never signal a process we cannot identify)
  }
  return args.some((arg) => arg.includes('cairn')) ? args : [];
}

function directoryArgument(args: readonly string[]): string | undefined {
  const index = args.indexOf('--dir');
  return index >= 0 ? args[index + 1] : undefined;
}

/**
 * Sends SIGTERM to each process, waits up to `graceMs` for all to exit, then SIGKILLs the rest.
 * Returns the PIDs that had to be killed.
 */
export async function terminate(pids: readonly number[], graceMs: number): Promise<number[]> {
  for (const pid of pids) signal(pid, 'SIGTERM');
  const alive = await waitExited(pids, graceMs);
  for (const pid of alive) signal(pid, 'SIGKILL');
  return alive;
}

/** Polls until every process is gone or `timeoutMs` passed; returns those still alive. */
export async function waitExited(pids: readonly number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let alive = pids.filter(isAlive);
  while (alive.length > 0 && Date.now() < deadline) {
    await sleep(100);
    alive = alive.filter(isAlive);
  }
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

/** Sends `name` to `pid`; a process already gone is no error. */
export function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

/** The last `lineCount` lines of a log (default: the node's) since its latest start marker. */
export async function logTail(
  nodeDir: string,
  lineCount = 20,
  fileName = logFileName,
): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(join(nodeDir, fileName), 'utf8');
  } catch {
    return ['(no log)'];
  }
  const lines = text.split('\n');
  const start = lines.findLastIndex((line) => line.startsWith(markerPrefix));
  const run = lines
    .slice(start + 1)
    .filter((line, index, all) => line !== '' || index < all.length - 1);
  return run.slice(-lineCount);
}
