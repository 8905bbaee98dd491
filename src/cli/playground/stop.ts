// `cairn playground stop`: asks the supervisor to stop the nodes (SIGTERM, SIGKILL after the grace
// period) and to exit, so that nothing restarts behind it; then stops any recorded node still
// running (its supervisor was killed, or it predates supervision). Keeps the data unless `--wipe`.
import { readdir, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CommandError } from '../cli-errors.js';
import { stopAuthn } from './authn.js';
import type { CommandContext } from '../context.js';
import {
  isNodeProcess,
  isSupervisorProcess,
  signal,
  stopGraceMs,
  terminate,
  waitExited,
} from './processes.js';
import { readState, stateFileName, writeState, type PlaygroundState } from './state.js';
import { SupervisorClient } from './supervisor-client.js';

/** Beyond the nodes' grace period: the supervisor's SIGKILLs and its own exit. */
const supervisorExitMs = 10_000;

/** Stops the playground in `dir`; with `wipe`, removes the directory afterwards. */
export async function stopPlayground(
  context: CommandContext,
  dir: string,
  wipe: boolean,
): Promise<void> {
  const state = await readState(dir);
  if (state === undefined) {
    if (wipe && (await looksLikePlayground(dir))) {
      await rm(dir, { recursive: true, force: true });
      context.print(`removed ${dir}`);
      return;
    }
    context.print(`no playground recorded in ${dir}; nothing to stop`);
    return;
  }
  const { stopped, killed } = await stopPlaygroundProcesses(dir, state);
  const summary = `stopped ${stopped} node${stopped === 1 ? '' : 's'}`;
  const forced = killed > 0 ? ` (${killed} killed after ${stopGraceMs / 1000} s)` : '';
  if (wipe) {
    await rm(dir, { recursive: true, force: true });
    context.print(`${summary}${forced}; removed ${dir}`);
    return;
  }
  context.print(`${summary}${forced}; data kept in ${dir} (remove it with --wipe)`);
}

/**
 * Stops the supervisor, then every recorded node still running, and clears their PIDs in the
 * record. Returns how many nodes ran and how many of them needed SIGKILL.
 */
export async function stopPlaygroundProcesses(
  dir: string,
  state: PlaygroundState,
): Promise<{ stopped: number; killed: number }> {
  let stopped = 0;
  for (const node of state.nodes) if (await isNodeProcess(node.pid, node.dir)) stopped += 1;
  let killed = 0;
  const supervisorPid = state.supervisorPid ?? null;
  if (await isSupervisorProcess(supervisorPid, resolve(dir))) {
    killed += await stopSupervisor(resolve(dir), supervisorPid as number);
  }
  // Read again: the supervisor may have restarted nodes (new PIDs) before it stopped.
  const current = (await readState(dir)) ?? state;
  const running: number[] = [];
  for (const node of current.nodes) {
    if (node.pid !== null && (await isNodeProcess(node.pid, node.dir))) running.push(node.pid);
  }
  killed += (await terminate(running, stopGraceMs)).length;
  await stopAuthn(current.authn);
  for (const node of current.nodes) node.pid = null;
  current.supervisorPid = null;
  await writeState(dir, current);
  return { stopped, killed };
}

/**
 * Asks the supervisor over its socket to stop the nodes and exit (SIGTERM does the same when it
 * does not answer), and waits until it is gone. Returns how many nodes it had to SIGKILL.
 */
async function stopSupervisor(dir: string, pid: number): Promise<number> {
  let killed = 0;
  try {
    const client = await SupervisorClient.connect(dir);
    try {
      killed = (await client.stop(stopGraceMs + supervisorExitMs)).killed;
    } finally {
      client.close();
    }
  } catch {
    signal(pid, 'SIGTERM');
  }
  const stuck = await waitExited([pid], stopGraceMs + supervisorExitMs);
  for (const survivor of stuck) signal(survivor, 'SIGKILL');
  return killed;
}

/** Only a directory with playground node folders may be wiped without a record. */
async function looksLikePlayground(dir: string): Promise<boolean> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return false;
  }
  if (entries.includes(stateFileName)) return true;
  if (entries.length === 0) return false;
  const playgroundEntry =
    /^(proxy|target)-\d+$|^playground\.json|^supervisor\.(log|sock)$|^authn$|^tls$/;
  if (entries.every((entry) => playgroundEntry.test(entry))) return true;
  throw new CommandError(`${dir} does not look like a playground; not removing it`);
}
