// The supervisor's control channel: a Unix socket `DIR/supervisor.sock` (only its owner may connect)
// carrying one JSON object per line. Clients send requests with an `id` and get one reply each;
// every client also gets an event line whenever a supervised node exits.
import type { Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { asRecord } from '../../util/json.js';
import { CommandError } from '../cli-errors.js';
import type { NodePlan } from './layout.js';

export const socketFileName = 'supervisor.sock';
export const supervisorLogFileName = 'supervisor.log';

/** Linux keeps a socket path in 108 bytes, the last a NUL. */
const socketPathBytesMax = 107;
/** No request or event comes near this; a longer line is a broken peer. */
const lineBytesMax = 64 * 1024;

/** A node to run: its plan and the primary it joins through. */
export interface NodeLaunch extends NodePlan {
  primaryUrl: string;
}

/** `start`: record and run a node; `stop`: stop every node, then the supervisor exits. */
export type ControlRequestBody = { op: 'start'; node: NodeLaunch } | { op: 'stop' };
export type ControlRequest = ControlRequestBody & { id: number };

/** The answer to request `id`: `error`, or what the operation returns. */
export interface ControlReply {
  id: number;
  error?: string;
  /** `start`: the node's process. */
  pid?: number;
  /** `stop`: nodes stopped, and how many of them needed SIGKILL. */
  stopped?: number;
  killed?: number;
}

/** A supervised node ended; `restartInMs` is null when it will not be restarted. */
export interface ExitEvent {
  event: 'exit';
  node: string;
  pid: number;
  reason: string;
  restartInMs: number | null;
}

/** The control socket of the playground in `dir` (absolute). */
export function controlSocketPath(dir: string): string {
  const path = join(dir, socketFileName);
  if (Buffer.byteLength(path) > socketPathBytesMax) {
    throw new CommandError(
      `the playground directory path is too long for its control socket ${path} (at most ${socketPathBytesMax} bytes); choose a shorter --dir`,
    );
  }
  return path;
}

/** Calls `onLine` for each line arriving on `socket`; an overlong line destroys the socket. */
export function readLines(socket: Socket, onLine: (line: string) => void): void {
  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (line !== '') onLine(line);
    }
    if (buffered.length > lineBytesMax) socket.destroy(new Error('control line too long'));
  });
}

/**
 * Checks a `start` request's node. The supervisor runs what it describes, so it must be a node of
 * this playground: its directory is `dir/<name>` and its mountpaths lie inside that.
 */
export function parseNodeLaunch(value: unknown, dir: string): NodeLaunch {
  const record = asRecord(value);
  const name = record?.['name'];
  if (record === undefined || typeof name !== 'string' || !/^(proxy|target)-\d+$/.test(name)) {
    throw new Error('start: the node needs a name proxy-<n> or target-<n>');
  }
  const nodeDir = join(dir, name);
  const { role, primary, port, intraPort, mountpaths, publicUrl, primaryUrl } = record;
  const isPort = (port: unknown): port is number =>
    Number.isInteger(port) && (port as number) > 0 && (port as number) < 65536;
  const valid =
    record['dir'] === nodeDir &&
    role === name.split('-')[0] &&
    typeof primary === 'boolean' &&
    isPort(port) &&
    isPort(intraPort) &&
    Array.isArray(mountpaths) &&
    mountpaths.every(
      (path) =>
        typeof path === 'string' && resolve(path) === path && path.startsWith(`${nodeDir}/`),
    ) &&
    typeof publicUrl === 'string' &&
    typeof primaryUrl === 'string';
  if (!valid) throw new Error(`start: ${name} is not a node of the playground in ${dir}`);
  return {
    name,
    role: role as NodePlan['role'],
    primary,
    port,
    intraPort,
    dir: nodeDir,
    mountpaths: mountpaths as string[],
    publicUrl,
    primaryUrl,
  };
}
