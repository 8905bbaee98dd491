// A playground cluster for one benchmark, started with the `cairn` CLI in the scratch directory on
// ports away from 8080 (other people's clusters), and stopped (wiped) at teardown. Its targets do
// not fsync objects (the yardsticks, nginx and s3rver, do not either); bench/durability.ts
// measures what fsync costs.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { intraPortOffset } from '../../src/cli/playground/layout.js';
import { readState } from '../../src/cli/playground/state.js';
import { Client, PlacementMap, nodePublicUrl, type BucketJson } from '../../src/sdk/index.js';
import { cairnEntry, runCairn } from './processes.js';
import { cpuMs } from './s3-peers.js';
import type { Scratch } from './scratch.js';

export interface PlaygroundShape {
  proxies: number;
  targets: number;
  mountpaths: number;
}

/** The shape the suite measures: one gateway, one target per core, two mountpaths each. */
export const benchShape: PlaygroundShape = { proxies: 1, targets: 2, mountpaths: 2 };

/**
 * For an A/B run of a whole bench (once per build, back to back): BENCH_BASELINE_ENTRY names
 * another build's `dist/src/bin/cairn.js`, started instead of this one.
 */
export function baselineBuild(env: NodeJS.ProcessEnv = process.env): {
  build?: { entry: string; name: string };
} {
  const entry = env['BENCH_BASELINE_ENTRY'];
  return entry === undefined ? {} : { build: { entry, name: 'baseline' } };
}

/** Playgrounds started by this process with `BENCH_PORT_BASE` (each takes the next 20 ports). */
let playgroundsOnBase = 0;

/**
 * A base port for the next playground: random in 20000-25980, or, with `BENCH_PORT_BASE` (a range
 * of ports given to one person's benches, intra ports 100 above), the next 20 ports from it for
 * each playground or retry, up to 100 ports.
 */
function playgroundPort(env: NodeJS.ProcessEnv): number {
  const base = env['BENCH_PORT_BASE'];
  if (base === undefined) return 20_000 + Math.floor(Math.random() * 300) * 20;
  const port = Number(base) + 20 * playgroundsOnBase;
  playgroundsOnBase += 1;
  if (playgroundsOnBase * 20 > intraPortOffset)
    throw new Error(`BENCH_PORT_BASE ${base}: no ports left`);
  return port;
}

export class Playground {
  private constructor(
    readonly dir: string,
    readonly endpoint: string,
    /** The playground CA (`--https`), trusted by `client()`. */
    readonly caCert?: Buffer,
  ) {}

  /** Starts a playground (trying a few base ports) and registers its teardown. */
  static async start(
    scratch: Scratch,
    shape: PlaygroundShape = benchShape,
    env: NodeJS.ProcessEnv = process.env,
    options: {
      https?: boolean;
      /** Another build of Cairn (an A/B baseline) and its directory name. */
      build?: { entry: string; name: string };
    } = {},
  ): Promise<Playground> {
    const build = options.build ?? { entry: cairnEntry, name: 'playground' };
    const dir = join(scratch.dir, build.name);
    let lastError = '';
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const port = playgroundPort(env);
      const result = await runCairn(
        [
          'playground',
          'start',
          '--dir',
          dir,
          '--port',
          String(port),
          '--proxies',
          String(shape.proxies),
          '--targets',
          String(shape.targets),
          '--mountpaths',
          String(shape.mountpaths),
          ...(options.https === true ? ['--https'] : []),
          // e.g. "--cpu-prof --cpu-prof-dir=/tmp/profiles" (docs/profiling.md)
          ...(env['BENCH_NODE_OPTIONS'] === undefined
            ? []
            : ['--node-options', env['BENCH_NODE_OPTIONS']]),
        ],
        { env, entry: build.entry },
      );
      if (result.code === 0) {
        scratch.defer(async () => {
          await runCairn(['playground', 'stop', '--dir', dir], { entry: build.entry });
        });
        const playground =
          options.https === true
            ? new Playground(
                dir,
                `https://127.0.0.1:${port}`,
                await readFile(join(dir, 'tls', 'ca.crt')),
              )
            : new Playground(dir, `http://127.0.0.1:${port}`);
        const client = playground.client();
        try {
          await client.cluster.setConfig({ 'storage.fsync_objects': false });
        } finally {
          await client.close();
        }
        return playground;
      }
      lastError = result.stderr.trim();
      if (!lastError.includes('in use')) break;
    }
    throw new Error(`playground did not start: ${lastError}`);
  }

  /** An SDK client (direct to targets); close it when done. */
  client(): Client {
    return new Client(this.endpoint, this.caCert === undefined ? {} : { caCert: this.caCert });
  }

  /** The URL that reads `name` straight from its owning target (no redirect): for wrk. */
  async directObjectUrl(client: Client, bucket: BucketJson, name: string): Promise<string> {
    const owner = new PlacementMap(await client.clusterMap({ refresh: true })).owner(bucket, name);
    if (owner === undefined) throw new Error('the cluster has no target');
    return `${nodePublicUrl(owner)}/v1/objects/${bucket.name}/${encodeURIComponent(name)}?provider=${bucket.provider}`;
  }

  /**
   * Creates `bucket` and writes `body` under one name per target; answers the URLs that read each
   * straight from its owner (for wrk: one URL per target process).
   */
  async objectPerTarget(client: Client, bucket: BucketJson, body: Buffer): Promise<string[]> {
    await client.createBucket(bucket);
    const targets = await this.targetUrls(client);
    const byTarget = new Map<string, string>();
    for (let index = 0; byTarget.size < targets.length && index < 1000; index += 1) {
      const name = `object-${index}`;
      const url = await this.directObjectUrl(client, bucket, name);
      const origin = new URL(url).origin;
      if (!byTarget.has(origin)) {
        await client.putObject(bucket, name, body);
        byTarget.set(origin, url);
      }
    }
    return [...byTarget.values()];
  }

  /** The process IDs of the playground's running nodes, by role (cluster-map order). */
  async pids(): Promise<{ gateways: number[]; targets: number[] }> {
    const state = await readState(this.dir);
    if (state === undefined) throw new Error(`no playground record in ${this.dir}`);
    const pids = { gateways: [] as number[], targets: [] as number[] };
    for (const node of state.nodes) {
      if (node.pid === null) throw new Error(`${node.name} is not running`);
      (node.role === 'proxy' ? pids.gateways : pids.targets).push(node.pid);
    }
    return pids;
  }

  /**
   * User + system CPU seconds of the playground's node processes so far (their own, not their
   * children's), by role: what a phase cost is the difference over it.
   */
  async cpuSeconds(): Promise<{ proxy: number; target: number; total: number }> {
    const state = await readState(this.dir);
    if (state === undefined) throw new Error(`no playground record in ${this.dir}`);
    const ms = { proxy: 0, target: 0 };
    for (const node of state.nodes) {
      if (node.pid === null) throw new Error(`${node.name} is not running`);
      ms[node.role === 'proxy' ? 'proxy' : 'target'] += await cpuMs(node.pid);
    }
    return {
      proxy: ms.proxy / 1000,
      target: ms.target / 1000,
      total: (ms.proxy + ms.target) / 1000,
    };
  }

  /** Target public URLs, in cluster-map order. */
  async targetUrls(client: Client): Promise<string[]> {
    const map = await client.clusterMap({ refresh: true });
    return Object.values(map.tmap).map(nodePublicUrl);
  }
}

/** The process ID of a playground's one target (a bench's shape with `targets: 1`). */
export async function soleTargetPid(playground: Playground): Promise<number> {
  const { targets } = await playground.pids();
  const [pid] = targets;
  if (pid === undefined || targets.length !== 1)
    throw new Error(`the playground has ${targets.length} targets, not one`);
  return pid;
}
