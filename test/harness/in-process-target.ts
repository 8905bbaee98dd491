// A target running inside the test's own process, joined to a cluster whose gateway is a child
// process: the same `startTarget` as `cairn node`, with its disk (a FaultyDisk, say) and clock
// given through its seams, and its log lines kept for assertions. This is how a test gives a running
// target a faulty disk: nothing in the production binary reads a fault plan.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseNodeConfig } from '../../src/config/index.js';
import type { RunningNode } from '../../src/roles/common/node-runtime.js';
import { startTarget } from '../../src/roles/target/target.js';
import { Client } from '../../src/sdk/index.js';
import type { Disk } from '../../src/storage/index.js';
import type { Clock } from '../../src/util/clock.js';
import { NodeProcess } from './node-process.js';
import { waitFor } from './wait.js';

export interface LogLine {
  level: string;
  message: string;
  [key: string]: unknown;
}

export class InProcessTarget {
  /** JSON log lines of every run, oldest first. */
  readonly logs: LogLine[] = [];
  #node: RunningNode | undefined;
  #ports = { port: 0, intraPort: 0 };

  constructor(
    readonly dir: string,
    readonly mountpaths: readonly string[],
    readonly primaryUrl: string,
  ) {}

  /**
   * Starts (again, on the same ports after the first run) on `disk` (and `clock`, default the
   * system's); resolves once it is ready.
   */
  async start(disk: Disk, clock?: Clock): Promise<void> {
    const config = parseNodeConfig({
      role: 'target',
      dir: this.dir,
      mountpaths: [...this.mountpaths],
      primaryUrl: this.primaryUrl,
      ...this.#ports,
    });
    this.#node = await startTarget(
      config,
      { requestExit: () => undefined },
      {
        disk,
        ...(clock === undefined ? {} : { clock }),
        writeLog: (line) => this.logs.push(JSON.parse(line) as LogLine),
      },
    );
    const { self } = this.#node.runtime;
    this.#ports = {
      port: Number(new URL(self.publicUrl).port),
      intraPort: Number(new URL(self.intraUrl).port),
    };
  }

  get id(): string {
    return this.#running().runtime.id;
  }

  get publicUrl(): string {
    return this.#running().runtime.self.publicUrl;
  }

  /** Stops serving (the crash itself is the disk's: `FaultyDisk.crash()` before this). */
  async stop(): Promise<void> {
    const node = this.#node;
    this.#node = undefined;
    await node?.close();
  }

  #running(): RunningNode {
    if (this.#node === undefined) throw new Error('the in-process target is not running');
    return this.#node;
  }
}

/** A gateway process and one in-process target with `mountpaths` mountpaths, in a temp dir. */
export class InProcessCluster {
  readonly clients: Client[] = [];

  private constructor(
    readonly dir: string,
    readonly gateway: NodeProcess,
    readonly target: InProcessTarget,
  ) {}

  static async start(disk: Disk, mountpaths: number): Promise<InProcessCluster> {
    const dir = await mkdtemp(join(tmpdir(), 'cairn-inproc-'));
    const gateway = new NodeProcess({
      role: 'proxy',
      name: 'proxy-0',
      dir: join(dir, 'proxy-0'),
      mountpaths: [],
      primaryUrl: undefined,
    });
    try {
      await gateway.start();
      const targetDir = join(dir, 'target-0');
      const paths = Array.from({ length: mountpaths }, (_, index) =>
        join(targetDir, `mp-${index}`),
      );
      const target = new InProcessTarget(targetDir, paths, gateway.publicUrl);
      await target.start(disk);
      const cluster = new InProcessCluster(dir, gateway, target);
      await cluster.waitForTarget();
      return cluster;
    } catch (error) {
      await gateway.stop('SIGKILL');
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** An SDK client of the gateway (closed by `destroy`). */
  client(): Client {
    const client = new Client(this.gateway.publicUrl);
    this.clients.push(client);
    return client;
  }

  /** Waits until the gateway's cluster map lists the target. */
  async waitForTarget(): Promise<void> {
    await waitFor('the in-process target in the cluster map', 30_000, async () => {
      const response = await fetch(`${this.gateway.publicUrl}/v1/daemon?what=smap`);
      const map = (await response.json()) as { tmap: Record<string, unknown> };
      return Object.keys(map.tmap).length === 1;
    });
  }

  async destroy(): Promise<void> {
    await Promise.all(this.clients.map((client) => client.close()));
    await this.target.stop().catch(() => undefined);
    await this.gateway.stop('SIGKILL');
    if (process.env['CAIRN_KEEP_TEST_DIR'] === '1') console.log(`kept test cluster in ${this.dir}`);
    else await rm(this.dir, { recursive: true, force: true });
  }
}

/** In-process targets joined to a cluster of child processes, in a temp dir of their own. */
export class JoinedTargets {
  readonly targets: InProcessTarget[] = [];

  private constructor(readonly dir: string) {}

  /**
   * Starts one in-process target (one mountpath) per `disk`, with `clock` if given, joined to the
   * cluster whose primary is at `primaryUrl`; `waitForJoined` waits until the map lists them.
   */
  static async start(
    primaryUrl: string,
    name: string,
    disks: readonly Disk[],
    waitForJoined: () => Promise<void>,
    clock?: Clock,
  ): Promise<JoinedTargets> {
    const joined = new JoinedTargets(await mkdtemp(join(tmpdir(), `cairn-test-${name}-`)));
    try {
      for (const [index, disk] of disks.entries()) {
        const targetDir = join(joined.dir, `target-${index}`);
        const target = new InProcessTarget(targetDir, [join(targetDir, 'mp-0')], primaryUrl);
        joined.targets.push(target);
        await target.start(disk, clock);
      }
      await waitForJoined();
      return joined;
    } catch (error) {
      await joined.stop();
      throw error;
    }
  }

  /** Stops every target (whether running or not) and removes their directory. */
  async stop(): Promise<void> {
    for (const target of this.targets) await target.stop().catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }
}
