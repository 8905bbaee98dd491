// `cairn playground stop`: SIGTERM the recorded nodes that are still Cairn node processes, SIGKILL
// those still running after the grace period; keep the data unless `--wipe`.
import { readdir, rm } from 'node:fs/promises';
import { CommandError } from '../cli-errors.js';
import type { CommandContext } from '../context.js';
import { isNodeProcess, terminate } from './processes.js';
import { stopGraceMs } from './start.js';
import { readState, stateFileName, writeState } from './state.js';

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
  const running: number[] = [];
  for (const node of state.nodes) {
    if (node.pid !== null && (await isNodeProcess(node.pid, node.dir))) running.push(node.pid);
  }
  const killed = await terminate(running, stopGraceMs);
  for (const node of state.nodes) node.pid = null;
  const stopped = `stopped ${running.length} node${running.length === 1 ? '' : 's'}`;
  const forced =
    killed.length > 0 ? ` (${killed.length} killed after ${stopGraceMs / 1000} s)` : '';
  if (wipe) {
    await rm(dir, { recursive: true, force: true });
    context.print(`${stopped}${forced}; removed ${dir}`);
    return;
  }
  await writeState(dir, state);
  context.print(`${stopped}${forced}; data kept in ${dir} (remove it with --wipe)`);
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
  const playgroundEntry = /^(proxy|target)-\d+$|^playground\.json/;
  if (entries.every((entry) => playgroundEntry.test(entry))) return true;
  throw new CommandError(`${dir} does not look like a playground; not removing it`);
}
