// The playground supervisor's core: it runs the nodes as its children, and restarts one that
// crashes (non-zero exit or a signal it did not send) with exponential back-off on the same
// command line (ports, directory, mountpaths). A node that exits with 0 was asked to (SIGTERM,
// decommission, shutdown) and stays down. Each exit is logged here and in the node's own log.
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SerialQueue } from '../../util/serial-queue.js';
import { errorLine } from '../cli-errors.js';
import { RestartBackoff } from './backoff.js';
import type { ExitEvent, NodeLaunch } from './control-protocol.js';
import { nodeArguments } from './layout.js';
import {
  describeExit,
  logFileName,
  signal,
  spawnLogged,
  startMarker,
  type ExitStatus,
} from './processes.js';
import { writeState, type NodeRecord, type PlaygroundState } from './state.js';

/** A node under supervision: its current run, or the timer of a pending restart. */
interface Supervised {
  record: NodeRecord;
  backoff: RestartBackoff;
  run: { pid: number; startedAtMs: number; exited: Promise<void> } | undefined;
  restartTimer: NodeJS.Timeout | undefined;
}

/** After SIGKILL a process is gone at once; this only bounds the wait for a stuck kernel. */
const killWaitMs = 5_000;

export class Supervisor {
  readonly #dir: string;
  readonly #state: PlaygroundState;
  readonly #log: (line: string) => void;
  readonly #onExit: (event: ExitEvent) => void;
  readonly #nodes = new Map<string, Supervised>();
  readonly #writes = new SerialQueue();
  /** Spawns under way: stopAll waits for them, so no node starts behind its back. */
  readonly #spawning = new Set<Promise<unknown>>();
  #stopping = false;

  /** `log` writes a line to the supervisor's log; `onExit` hears of every node exit. */
  constructor(
    dir: string,
    state: PlaygroundState,
    log: (line: string) => void,
    onExit: (event: ExitEvent) => void,
  ) {
    this.#dir = dir;
    this.#state = state;
    this.#log = log;
    this.#onExit = onExit;
  }

  /** Records `launch` (replacing a record of that name) and starts it; returns its PID. */
  async start(launch: NodeLaunch): Promise<number> {
    if (this.#stopping) throw new Error('the playground is stopping');
    const known = this.#nodes.get(launch.name);
    if (known?.run !== undefined || known?.restartTimer !== undefined) {
      throw new Error(`${launch.name} is already running`);
    }
    const previous = this.#state.nodes.findIndex((node) => node.name === launch.name);
    const record: NodeRecord = { ...launch, pid: null };
    if (previous >= 0) this.#state.nodes[previous] = record;
    else this.#state.nodes.push(record);
    const node: Supervised = {
      record,
      backoff: new RestartBackoff(),
      run: undefined,
      restartTimer: undefined,
    };
    this.#nodes.set(launch.name, node);
    const pid = await this.#run(node);
    if (pid === undefined) throw new Error(`${launch.name} could not be started`);
    return pid;
  }

  /**
   * Stops supervising: cancels pending restarts, sends SIGTERM to every node, SIGKILLs those still
   * running after `graceMs`. Returns how many nodes ran and how many were killed.
   */
  async stopAll(graceMs: number): Promise<{ stopped: number; killed: number }> {
    this.#stopping = true;
    await Promise.allSettled(this.#spawning);
    const running: Supervised[] = [];
    for (const node of this.#nodes.values()) {
      clearTimeout(node.restartTimer);
      node.restartTimer = undefined;
      if (node.run !== undefined) running.push(node);
    }
    for (const node of running) if (node.run !== undefined) signal(node.run.pid, 'SIGTERM');
    await waitAll(running, graceMs);
    const stuck = running.filter((node) => node.run !== undefined);
    for (const node of stuck) {
      this.#log(`${node.record.name} (pid ${node.run?.pid}) still running; sending SIGKILL`);
      if (node.run !== undefined) signal(node.run.pid, 'SIGKILL');
    }
    await waitAll(stuck, killWaitMs);
    await this.persist();
    return { stopped: running.length, killed: stuck.length };
  }

  /** Writes the record (PIDs, restart counts); a failure is logged, the nodes keep running. */
  async persist(): Promise<void> {
    await this.#writes.run(async () => {
      try {
        await writeState(this.#dir, this.#state);
      } catch (error) {
        this.#log(`cannot write the playground record: ${errorLine(error)}`);
      }
    });
  }

  /** Spawns the node; a spawn failure counts as a crash. Returns the PID when it started. */
  async #run(node: Supervised): Promise<number | undefined> {
    const spawning = this.#spawn(node);
    this.#spawning.add(spawning);
    try {
      const pid = await spawning;
      if (pid !== undefined) await this.persist();
      return pid;
    } finally {
      this.#spawning.delete(spawning);
    }
  }

  /** Starts the node's process and records its run; never rejects. */
  async #spawn(node: Supervised): Promise<number | undefined> {
    const { record } = node;
    const args = nodeArguments(
      this.#state.entryScript,
      record,
      record.primaryUrl ?? this.#state.endpoint,
      this.#state.tls,
      this.#state.nodeOptions,
    );
    const startedAtMs = Date.now();
    let spawned;
    try {
      spawned = await spawnLogged(join(record.dir, logFileName), args, {
        cwd: record.dir,
        detached: false,
        marker: startMarker,
      });
    } catch (error) {
      this.#exited(node, 0, startedAtMs, { code: null, signal: null, error: error as Error });
      return undefined;
    }
    const { pid } = spawned;
    const exited = spawned.exited.then((status) => this.#exited(node, pid, startedAtMs, status));
    node.run = { pid, startedAtMs, exited };
    record.pid = pid;
    return pid;
  }

  /** Handles the end of a run: stay down (exit 0, stopping) or restart after the back-off. */
  #exited(node: Supervised, pid: number, startedAtMs: number, status: ExitStatus): void {
    const { record } = node;
    node.run = undefined;
    record.pid = null;
    if (this.#stopping) return; // stopAll waits for this exit and writes the record
    const uptimeMs = Date.now() - startedAtMs;
    const process = pid === 0 ? '' : `(pid ${pid}) `; // 0: it never started
    const ran = `${process}${describeExit(status)} after ${seconds(uptimeMs)} up`;
    let restartInMs: number | null = null;
    if (status.code === 0) {
      const why = 'a node exits with 0 only when asked to (SIGTERM, decommission, shutdown)';
      this.#note(record, `${record.name} ${ran}; not restarting it: ${why}`);
    } else {
      restartInMs = node.backoff.next(uptimeMs);
      record.restarts = (record.restarts ?? 0) + 1;
      this.#note(
        record,
        `${record.name} crashed ${ran}; restarting it in ${seconds(restartInMs)} (restart ${record.restarts})`,
      );
      node.restartTimer = setTimeout(() => {
        node.restartTimer = undefined;
        if (!this.#stopping) void this.#run(node);
      }, restartInMs);
    }
    void this.persist();
    this.#onExit({
      event: 'exit',
      node: record.name,
      pid,
      reason: describeExit(status),
      restartInMs,
    });
  }

  /** Logs `line` in the supervisor's log and after the crash output in the node's log. */
  #note(record: NodeRecord, line: string): void {
    this.#log(line);
    const stamped = `--- cairn playground supervisor at ${new Date().toISOString()}: ${line}\n`;
    appendFile(join(record.dir, logFileName), stamped).catch((error: unknown) => {
      this.#log(`cannot write ${record.name}'s log: ${errorLine(error)}`);
    });
  }
}

/** Waits until every node's run ended or `timeoutMs` passed. */
async function waitAll(nodes: readonly Supervised[], timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  const runs = nodes.flatMap((node) => (node.run === undefined ? [] : [node.run.exited]));
  await Promise.race([Promise.all(runs), timeout]);
  clearTimeout(timer);
}

function seconds(milliseconds: number): string {
  return `${Number((milliseconds / 1000).toFixed(1))} s`;
}
