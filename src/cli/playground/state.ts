// The playground record `DIR/playground.json`: layout, PIDs and endpoint of the last start, read
// by `stop` and `status` (and by `start`, which refuses to run twice).
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { asRecord } from '../../util/json.js';
import { CommandError } from '../cli-errors.js';
import type { NodePlan } from './layout.js';

export const stateFileName = 'playground.json';

/** A node as recorded: its plan plus the PID it was started with (null once stopped). */
export interface NodeRecord extends NodePlan {
  pid: number | null;
}

export interface PlaygroundState {
  version: 1;
  entryScript: string;
  endpoint: string;
  startedAt: string;
  nodes: NodeRecord[];
}

/** Reads the record, or undefined when the directory has none. */
export async function readState(dir: string): Promise<PlaygroundState | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, stateFileName), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const record = asRecord(JSON.parse(text) as unknown);
  if (record?.['version'] !== 1 || !Array.isArray(record['nodes'])) {
    throw new CommandError(`${join(dir, stateFileName)} is not a playground record`);
  }
  return record as unknown as PlaygroundState;
}

/** Writes the record atomically (a crash mid-write must not lose the PIDs). */
export async function writeState(dir: string, state: PlaygroundState): Promise<void> {
  const path = join(dir, stateFileName);
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`);
  await rename(temporary, path);
}
