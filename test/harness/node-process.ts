// One Cairn node as a child process for tests: spawn, wait for its ready line, kill, restart.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { nodeFlagsFor } from '../../src/cli/playground/layout.js';

export const cairnEntry = fileURLToPath(new URL('../../src/bin/cairn.js', import.meta.url));

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export interface NodeSpec {
  role: 'proxy' | 'target';
  name: string;
  dir: string;
  mountpaths: string[];
  primaryUrl: string | undefined;
  /** More `cairn node` flags (e.g. `--log-max-file-bytes 4096`). */
  extraArgs?: readonly string[];
  /** A command the node runs under, e.g. `ip netns exec NS` (which execs: the PID stays the node's). */
  launcher?: readonly string[];
}

export interface ReadyLine {
  event: 'ready';
  id: string;
  role: string;
  publicUrl: string;
  intraUrl: string;
  dataUrl: string;
}

export class NodeProcess {
  child: ChildProcess | undefined;
  ready: ReadyLine | undefined;
  port = 0;
  intraPort = 0;

  constructor(readonly spec: NodeSpec) {
    mkdirSync(spec.dir, { recursive: true });
  }

  get id(): string {
    return this.#ready().id;
  }

  get publicUrl(): string {
    return this.#ready().publicUrl;
  }

  /** True while the process runs. */
  get running(): boolean {
    const child = this.child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  get pid(): number {
    const pid = this.child?.pid;
    if (pid === undefined) throw new Error(`${this.spec.name} is not running`);
    return pid;
  }

  /** Starts the process (on the ports it had before, after a restart) and waits for readiness. */
  // Generous: a node imports the AWS SDK and opens its mountpaths, which takes seconds on a
  // machine loaded by other test runs; the limit only matters when something is wrong.
  async start(timeoutMs = 60_000): Promise<ReadyLine> {
    // CAIRN_NODE_ARGS: extra node flags for every node, e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`
    // (NODE_OPTIONS refuses --cpu-prof); profiles are written when a node stops on SIGTERM.
    const nodeArgs = (process.env.CAIRN_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
    const args = [
      ...nodeArgs,
      ...nodeFlagsFor(this.spec.role),
      cairnEntry,
      'node',
      '--role',
      this.spec.role,
      '--dir',
      this.spec.dir,
    ];
    args.push('--port', String(this.port), '--intra-port', String(this.intraPort));
    for (const mountpath of this.spec.mountpaths) args.push('--mountpath', mountpath);
    if (this.spec.primaryUrl !== undefined) args.push('--primary-url', this.spec.primaryUrl);
    args.push(...(this.spec.extraArgs ?? []));
    const [command, ...launcherArgs] = [...(this.spec.launcher ?? []), process.execPath];
    const child = spawn(command ?? process.execPath, [...launcherArgs, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    live.add(child);
    const log = createWriteStream(join(this.spec.dir, 'node.log'), { flags: 'a' });
    child.stderr?.pipe(log);
    child.once('exit', () => {
      live.delete(child);
    });
    const line = await new Promise<ReadyLine>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `${this.spec.name} not ready in ${timeoutMs} ms; its log ends:\n${this.#logTail()}`,
            ),
          ),
        timeoutMs,
      );
      const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
      lines.on('line', (text) => {
        try {
          const parsed = JSON.parse(text) as ReadyLine;
          if (parsed.event === 'ready') {
            clearTimeout(timer);
            resolve(parsed);
          }
        } catch {
          // not a JSON line: ignore
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(
          new Error(
            `${this.spec.name} exited (${code ?? signal}) before ready; its log ends:\n${this.#logTail()}`,
          ),
        );
      });
    });
    this.ready = line;
    this.port = Number(new URL(line.publicUrl).port);
    this.intraPort = Number(new URL(line.intraUrl).port);
    return line;
  }

  /** The end of the node's log, for a failure message (the test's temp dir is gone by the time
   * anyone reads the report). */
  #logTail(): string {
    try {
      return readFileSync(join(this.spec.dir, 'node.log'), 'utf8')
        .split('\n')
        .slice(-20)
        .join('\n');
    } catch (error) {
      return `(no log: ${String(error)})`;
    }
  }

  /** Sends a signal and waits (bounded) for the process to exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  async restart(): Promise<ReadyLine> {
    await this.stop();
    return this.start();
  }

  #ready(): ReadyLine {
    if (this.ready === undefined) throw new Error(`${this.spec.name} has not started`);
    return this.ready;
  }
}
