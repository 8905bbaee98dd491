// One transformer process on one target: started on a free loopback port with the ETL's env,
// ready once `GET /health` answers 200 (within init_timeout), restarted with back-off when it
// crashes (up to etl.max_restarts in a row, then it gives up), its output kept as the ETL log, and
// its whole process group killed on stop. See process-guard.ts for the node-dies case.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/log.js';
import { sleep } from '../../util/time.js';
import { etlUnavailable } from '../etl-errors.js';
import { LogRing } from './log-ring.js';
import { guardedArgv, type ProcessLimits } from './process-guard.js';
import { groupUsage, type GroupUsage } from './process-metrics.js';

export interface RestartPolicy {
  backoffMs: number;
  backoffMaxMs: number;
  maxRestarts: number;
}

export interface TransformerOptions {
  name: string;
  /** The command; `{port}` in an argument becomes the port. */
  argv: readonly string[];
  /** The ETL's env (user env, AIS_TARGET_URL, direct_put); PORT and HOST are added here. */
  env: Record<string, string>;
  cwd: string;
  initTimeoutMs: number;
  limits: ProcessLimits;
  restart: RestartPolicy;
  logBytes: number;
  clock: Clock;
  log: Logger;
  /** Called once when the transformer keeps crashing and this target stops restarting it. */
  onGiveUp: (reason: string) => void;
}

/** A run this long without a crash resets the count of crashes in a row. */
const stableRunMs = 60_000;
const loopback = '127.0.0.1';
const healthProbeTimeoutMs = 2000;

/** Group leaders of live transformers: killed when the node process exits. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function trackGroup(pid: number): void {
  liveGroups.add(pid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const group of liveGroups) killGroup(group);
  });
}

type State = 'starting' | 'running' | 'restarting' | 'failed' | 'stopped';

export class TransformerProcess {
  readonly logs: LogRing;
  #child: ChildProcess | undefined;
  #port = 0;
  #state: State = 'starting';
  #failure = '';
  #crashes = 0;
  #healthySinceMs = 0;
  #everHealthy = false;
  #restartTimer: NodeJS.Timeout | undefined;
  #ready: Promise<void> | undefined;

  constructor(private readonly options: TransformerOptions) {
    this.logs = new LogRing(options.logBytes);
  }

  /**
   * Starts the transformer (once; its working directory must exist). Resolves when it is healthy;
   * rejects with the reason it could not start.
   */
  start(): Promise<void> {
    this.#ready ??= this.#launch();
    return this.#ready;
  }

  /** `Running`, `Starting` (also while restarting), `Failed: <why>` or `Stopped`. */
  get health(): string {
    if (this.#state === 'running') return 'Running';
    if (this.#state === 'failed') return `Failed: ${this.#failure}`;
    if (this.#state === 'stopped') return 'Stopped';
    return 'Starting';
  }

  /** The transformer's base URL; 503 (retry) while it is not running. */
  url(): string {
    if (this.#state !== 'running') {
      const why =
        this.#state === 'failed'
          ? `the transformer failed: ${this.#failure}`
          : `the transformer is ${this.#state === 'stopped' ? 'stopped' : 'starting'}`;
      throw etlUnavailable(this.options.name, why);
    }
    return `http://${loopback}:${this.#port}`;
  }

  async usage(): Promise<GroupUsage> {
    const pid = this.#child?.pid;
    return pid === undefined ? { cpuSeconds: 0, rssBytes: 0 } : groupUsage(pid);
  }

  /** Kills the process group; no restart follows. */
  stop(): Promise<void> {
    this.#state = 'stopped';
    clearTimeout(this.#restartTimer);
    const child = this.#child;
    if (child?.pid === undefined || child.exitCode !== null || child.signalCode !== null)
      return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      killGroup(child.pid as number);
    });
  }

  async #launch(): Promise<void> {
    this.#port = await freePort();
    if (this.#isStopped()) return;
    const child = this.#spawn();
    const exited = new Promise<string>((resolve) => {
      child.once('exit', (code, signal) => {
        resolve(signal === null ? `exited with status ${code}` : `killed by ${signal}`);
      });
      child.once('error', (error) => resolve(`could not start: ${error.message}`));
    });
    void exited.then((why) => this.#onExit(child, why));
    try {
      await this.#waitHealthy(exited);
    } catch (error) {
      const why = (error as Error).message;
      this.logs.note(`not ready: ${why}`);
      if (!this.#everHealthy && !this.#isStopped()) {
        this.#state = 'failed';
        this.#failure = why;
      }
      if (child.pid !== undefined) killGroup(child.pid);
      throw error;
    }
    if (this.#isStopped()) return;
    this.#state = 'running';
    this.#everHealthy = true;
    this.#healthySinceMs = this.options.clock.nowMs();
    this.logs.note(`running on port ${this.#port}`);
  }

  /** A method, not a field test: `stop` may run while an async step of a start is pending. */
  #isStopped(): boolean {
    return this.#state === 'stopped';
  }

  #spawn(): ChildProcess {
    const port = String(this.#port);
    const argv = this.options.argv.map((arg) => arg.replaceAll('{port}', port));
    const [command, ...args] = guardedArgv(argv, this.options.limits);
    const env: Record<string, string> = { ...this.options.env, PORT: port, HOST: loopback };
    for (const key of ['PATH', 'HOME', 'LANG', 'TMPDIR']) {
      const value = process.env[key];
      if (value !== undefined && env[key] === undefined) env[key] = value;
    }
    this.logs.note(`starting: ${argv.join(' ')}`);
    const child = spawn(command as string, args, {
      cwd: this.options.cwd,
      env,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.#child = child;
    if (child.pid !== undefined) trackGroup(child.pid);
    // The stdin pipe is the guard's lifeline (never written); its errors only mean the guard died.
    child.stdin?.on('error', () => undefined);
    for (const stream of [child.stdout, child.stderr]) {
      stream?.on('data', (chunk: Buffer) => this.logs.append(chunk));
      stream?.on('error', () => undefined);
    }
    return child;
  }

  async #waitHealthy(exited: Promise<string>): Promise<void> {
    const deadline = this.options.clock.nowMs() + this.options.initTimeoutMs;
    let gone: string | undefined;
    void exited.then((why) => {
      gone = why;
    });
    for (let pause = 50; ; pause = Math.min(pause * 2, 500)) {
      if (gone !== undefined) throw new Error(`the transformer ${gone} before it was ready`);
      if (this.#isStopped()) return;
      if (await this.#healthy()) return;
      if (this.options.clock.nowMs() > deadline)
        throw new Error(
          `GET /health did not answer 200 within init_timeout (${this.options.initTimeoutMs} ms)`,
        );
      await sleep(pause);
    }
  }

  async #healthy(): Promise<boolean> {
    try {
      const response = await fetch(`http://${loopback}:${this.#port}/health`, {
        signal: AbortSignal.timeout(healthProbeTimeoutMs),
      });
      await response.arrayBuffer();
      return response.status === 200;
    } catch {
      return false;
    }
  }

  #onExit(child: ChildProcess, why: string): void {
    if (child.pid !== undefined) {
      killGroup(child.pid);
      liveGroups.delete(child.pid);
    }
    this.logs.note(why);
    if (this.#child !== child || this.#state === 'stopped' || this.#state === 'failed') return;
    if (!this.#everHealthy) return; // a first start that failed: `ready` reports it
    if (this.options.clock.nowMs() - this.#healthySinceMs > stableRunMs) this.#crashes = 0;
    this.#crashes += 1;
    const { backoffMs, backoffMaxMs, maxRestarts } = this.options.restart;
    if (this.#crashes > maxRestarts) {
      this.#state = 'failed';
      this.#failure = `crashed ${this.#crashes} times in a row (last: ${why})`;
      this.options.log.error('ETL transformer keeps crashing: giving up', {
        etl: this.options.name,
        why,
      });
      this.options.onGiveUp(this.#failure);
      return;
    }
    this.#state = 'restarting';
    const delay = Math.min(backoffMs * 2 ** (this.#crashes - 1), backoffMaxMs);
    this.options.log.warn('ETL transformer crashed: restarting', {
      etl: this.options.name,
      why,
      delayMs: delay,
    });
    this.#restartTimer = setTimeout(() => {
      this.#launch().catch(() => undefined);
    }, delay);
  }
}

/** A loopback port free right now (the transformer binds it moments later). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, loopback, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
