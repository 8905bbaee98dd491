// The CLI side of the supervisor's control channel: `playground start` launches the supervisor;
// `start` and `add-*` ask it to run nodes and hear when one exits; `stop` asks it to stop them.
import { createConnection, type Socket } from 'node:net';
import { join } from 'node:path';
import { sleep } from '../../util/time.js';
import { CommandError } from '../cli-errors.js';
import {
  controlSocketPath,
  readLines,
  supervisorLogFileName,
  type ControlReply,
  type ControlRequest,
  type ControlRequestBody,
  type ExitEvent,
  type NodeLaunch,
} from './control-protocol.js';
import { describeExit, logTail, signal, spawnLogged, supervisorStartMarker } from './processes.js';

/** A start answers once the node's process exists, which takes well under this. */
const startReplyTimeoutMs = 30_000;

/** A connection to the supervisor of one playground. */
export class SupervisorClient {
  readonly #socket: Socket;
  readonly #pending = new Map<number, (reply: ControlReply) => void>();
  readonly #exitWaiters = new Map<string, Array<(reason: string) => void>>();
  #nextId = 1;
  #lost: string | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    readLines(socket, (line) => this.#receive(line));
    socket.on('error', () => undefined); // 'close' follows and fails whatever waits
    socket.on('close', () => this.#fail('the playground supervisor closed the connection'));
  }

  /** Connects to the supervisor of the playground in `dir` (absolute); rejects when none listens. */
  static connect(dir: string): Promise<SupervisorClient> {
    const path = controlSocketPath(dir);
    return new Promise((resolve, reject) => {
      const socket = createConnection(path);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new SupervisorClient(socket));
      });
    });
  }

  /** Has the supervisor record and run `node`; resolves with its PID. */
  async startNode(node: NodeLaunch): Promise<number> {
    const reply = await this.#request({ op: 'start', node }, startReplyTimeoutMs);
    if (reply.pid === undefined) throw new CommandError('the playground supervisor sent no PID');
    return reply.pid;
  }

  /** Has the supervisor stop every node and exit. */
  async stop(timeoutMs: number): Promise<{ stopped: number; killed: number }> {
    const reply = await this.#request({ op: 'stop' }, timeoutMs);
    return { stopped: reply.stopped ?? 0, killed: reply.killed ?? 0 };
  }

  /**
   * Resolves when node `name` next exits, with a reason worded as `process exited with code 1`
   * (or why the supervisor can no longer tell).
   */
  exitOf(name: string): Promise<string> {
    if (this.#lost !== undefined) return Promise.resolve(this.#lost);
    return new Promise((resolve) => {
      this.#exitWaiters.set(name, [...(this.#exitWaiters.get(name) ?? []), resolve]);
    });
  }

  close(): void {
    this.#socket.destroy();
  }

  async #request(body: ControlRequestBody, timeoutMs: number): Promise<ControlReply> {
    if (this.#lost !== undefined) throw new CommandError(this.#lost);
    const id = this.#nextId++;
    const reply = await new Promise<ControlReply>((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        resolve({ id, error: `the playground supervisor did not answer in ${timeoutMs / 1000} s` });
      }, timeoutMs);
      this.#pending.set(id, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      const request: ControlRequest = { ...body, id };
      this.#socket.write(`${JSON.stringify(request)}\n`);
    });
    if (reply.error !== undefined) throw new CommandError(reply.error);
    return reply;
  }

  #receive(line: string): void {
    let message: Partial<ControlReply & ExitEvent>;
    try {
      message = JSON.parse(line) as Partial<ControlReply & ExitEvent>;
    } catch {
      this.#socket.destroy(); // not our supervisor
      return;
    }
    if (message.event === 'exit' && typeof message.node === 'string') {
      const waiters = this.#exitWaiters.get(message.node) ?? [];
      this.#exitWaiters.delete(message.node);
      for (const waiter of waiters) waiter(`process ${message.reason ?? 'exited'}`);
      return;
    }
    const waiter = typeof message.id === 'number' ? this.#pending.get(message.id) : undefined;
    if (waiter === undefined) return;
    this.#pending.delete(message.id as number);
    waiter(message as ControlReply);
  }

  #fail(reason: string): void {
    this.#lost ??= reason;
    for (const [id, waiter] of this.#pending) waiter({ id, error: reason });
    this.#pending.clear();
    for (const waiters of this.#exitWaiters.values()) for (const waiter of waiters) waiter(reason);
    this.#exitWaiters.clear();
  }
}

/**
 * Starts `cairn playground supervise` for the recorded playground in `dir`, detached (it outlives
 * this command), logging to `dir/supervisor.log`, and connects once it listens.
 */
export async function launchSupervisor(
  dir: string,
  entryScript: string,
  deadlineMs: number,
): Promise<SupervisorClient> {
  const args = [entryScript, 'playground', 'supervise', '--dir', dir];
  const spawned = await spawnLogged(join(dir, supervisorLogFileName), args, {
    cwd: dir,
    detached: true,
    marker: supervisorStartMarker,
  });
  let exit: string | undefined;
  void spawned.exited.then((status) => {
    exit = describeExit(status);
  });
  for (;;) {
    try {
      return await SupervisorClient.connect(dir);
    } catch {
      // not listening yet
    }
    if (exit !== undefined || Date.now() >= deadlineMs) {
      const last = (await logTail(dir, 1, supervisorLogFileName)).join('');
      if (exit === undefined) signal(spawned.pid, 'SIGTERM');
      const what = exit ?? 'did not listen in time';
      throw new CommandError(`the playground supervisor ${what}: ${last}`);
    }
    await sleep(100);
  }
}
