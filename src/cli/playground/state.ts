// The playground record `DIR/playground.json`: layout, PIDs and endpoint of the last start, read
// by `stop` and `status` (and by `start`, which refuses to run twice). `start` writes it first;
// while the supervisor runs it is the only writer (it restarts nodes); `stop` writes it last.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { asRecord } from '../../util/json.js';
import { CommandError } from '../cli-errors.js';
import type { PlaygroundAuthn } from './authn.js';
import type { PlaygroundTls } from './certificates.js';
import type { NodePlan } from './layout.js';

export const stateFileName = 'playground.json';

/** A node as recorded: its plan plus the PID of its current run (null while not running). */
export interface NodeRecord extends NodePlan {
  pid: number | null;
  /** The primary it joins through when (re)started; absent in older records: the endpoint. */
  primaryUrl?: string;
  /** How often the supervisor restarted it after a crash. */
  restarts?: number;
}

export interface PlaygroundState {
  version: 1;
  entryScript: string;
  endpoint: string;
  startedAt: string;
  /** Node.js flags placed before the entry script of every node (`start --node-options`). */
  nodeOptions?: string[];
  /** The `cairn playground supervise` process; null or absent when none runs. */
  supervisorPid?: number | null;
  nodes: NodeRecord[];
  /** `start --https`: the certificate every node serves and the CA that signed it. */
  tls?: PlaygroundTls;
  /** `start --auth`: the AuthN service (not supervised: `stop` stops it). */
  authn?: PlaygroundAuthn;
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
