// A real multi-process cluster on 127.0.0.1 for tests: N gateways, M targets with K mountpaths each,
// in a temp dir that is removed at the end (processes are killed even when a test fails).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '../../src/sdk/index.js';
import { NodeProcess } from './node-process.js';
import { mountTmpfs, unmountTmpfs } from './tmpfs.js';
import { waitFor } from './wait.js';

export interface TestClusterOptions {
  proxies: number;
  targets: number;
  mountpaths: number;
  /** Cluster config set right after start (`section.key`: value), e.g. faster keepalives. */
  config?: Record<string, string | number | boolean>;
  /** More `cairn node` flags for every node (e.g. `--promote-root <dir>`). */
  nodeArgs?: readonly string[];
  /** Where each node runs (default: a plain process on 127.0.0.1); destroyed with the cluster. */
  placement?: NodePlacement;
  /** Each target mountpath is a tmpfs of this many bytes (capacity tests; needs root). */
  mountpathBytes?: number;
}

/** Puts a node somewhere else than 127.0.0.1 of this host (e.g. its own network namespace). */
export interface NodePlacement {
  /** The command the node runs under and its address flags (`--host` ...). */
  place(role: 'proxy' | 'target', index: number): Promise<{ launcher: string[]; args: string[] }>;
  destroy(): Promise<void>;
}

/** The shape of the fault tests: 3 gateways, 4 targets with 2 mountpaths, fast keepalives. */
export const faultClusterOptions: TestClusterOptions = {
  proxies: 3,
  targets: 4,
  mountpaths: 2,
  config: { 'keepalive.interval_ms': 500 },
};

export class TestCluster {
  readonly proxies: NodeProcess[] = [];
  readonly targets: NodeProcess[] = [];
  readonly #clients: Client[] = [];

  #mountpaths = 1;
  #nodeArgs: readonly string[] = [];
  #placement: NodePlacement | undefined;
  readonly #tmpfsMounts: string[] = [];

  private constructor(readonly dir: string) {}

  static async start(options: TestClusterOptions): Promise<TestCluster> {
    const dir = await mkdtemp(join(tmpdir(), 'cairn-test-'));
    const cluster = new TestCluster(dir);
    cluster.#mountpaths = options.mountpaths;
    cluster.#nodeArgs = options.nodeArgs ?? [];
    cluster.#placement = options.placement;
    try {
      const primary = await cluster.#addNode('proxy', 0, undefined, 0);
      await primary.start();
      const nodes: NodeProcess[] = [];
      for (let i = 1; i < options.proxies; i += 1)
        nodes.push(await cluster.#addNode('proxy', i, primary.publicUrl, 0));
      for (let j = 0; j < options.targets; j += 1) {
        nodes.push(await cluster.#addNode('target', j, primary.publicUrl, options.mountpaths));
      }
      if (options.mountpathBytes !== undefined) {
        for (const target of cluster.targets)
          for (const path of target.spec.mountpaths) {
            await mountTmpfs(path, options.mountpathBytes);
            cluster.#tmpfsMounts.push(path);
          }
      }
      await Promise.all(nodes.map((node) => node.start()));
      await cluster.waitForMembers();
      if (options.config !== undefined) await cluster.client(0).cluster.setConfig(options.config);
      return cluster;
    } catch (error) {
      await cluster.destroy();
      throw error;
    }
  }

  /** A started cluster with `bucket` created, and a client of the primary gateway. */
  static async withBucket(
    options: TestClusterOptions,
    bucket: { name: string; provider: string },
  ): Promise<{ cluster: TestCluster; client: Client }> {
    const cluster = await TestCluster.start(options);
    const client = cluster.client(0);
    await client.createBucket(bucket);
    return { cluster, client };
  }

  get primary(): NodeProcess {
    const primary = this.proxies[0];
    if (primary === undefined) throw new Error('no primary');
    return primary;
  }

  get nodes(): NodeProcess[] {
    return [...this.proxies, ...this.targets];
  }

  /** An SDK client for gateway `index` (default: the primary). */
  client(index = 0, options: { direct?: boolean } = {}): Client {
    const proxy = this.proxies[index];
    if (proxy === undefined) throw new Error(`no gateway ${index}`);
    const client = new Client(proxy.publicUrl, options);
    this.#clients.push(client);
    return client;
  }

  /**
   * Starts one more target (a fresh node with empty mountpaths; `mountpaths` of them, by default as
   * many as the others) joining through the current primary, and waits until it is ready.
   */
  async addTarget(
    mountpaths = this.#mountpaths,
    extraArgs: readonly string[] = [],
  ): Promise<NodeProcess> {
    const primaryUrl = await this.primaryUrl();
    const node = await this.#addNode(
      'target',
      this.targets.length,
      primaryUrl,
      mountpaths,
      extraArgs,
    );
    await node.start();
    return node;
  }

  /** Starts one more gateway. */
  async addProxy(): Promise<NodeProcess> {
    const node = await this.#addNode('proxy', this.proxies.length, await this.primaryUrl(), 0);
    await node.start();
    return node;
  }

  /** The primary's public URL, as the first gateway that answers reports it. */
  async primaryUrl(): Promise<string> {
    for (const proxy of this.proxies) {
      try {
        const response = await fetch(`${proxy.publicUrl}/v1/daemon?what=smap`, {
          signal: AbortSignal.timeout(2000),
        });
        if (!response.ok) continue;
        const map = (await response.json()) as {
          proxy_si: { public_net: { direct_url: string } } | null;
        };
        if (map.proxy_si !== null) return map.proxy_si.public_net.direct_url;
      } catch {
        // down: ask the next one
      }
    }
    throw new Error('no gateway answers with a primary');
  }

  /**
   * Waits until every running node's cluster map lists `expected` nodes (default: every node this
   * cluster started), bounded.
   */
  async waitForMembers(timeoutMs = 30_000, expected = this.nodes.length): Promise<void> {
    await waitFor(`all ${expected} nodes in every cluster map`, timeoutMs, async () => {
      for (const node of this.nodes.filter((item) => item.running)) {
        const response = await fetch(`${node.publicUrl}/v1/daemon?what=smap`);
        if (!response.ok) return false;
        const map = (await response.json()) as { pmap: object; tmap: object };
        if (Object.keys(map.pmap).length + Object.keys(map.tmap).length !== expected) return false;
      }
      return true;
    });
  }

  /** Waits until the primary's cluster map lists exactly `count` targets (bounded). */
  async waitForTargetCount(count: number, timeoutMs = 30_000): Promise<void> {
    await waitFor(`${count} targets in the cluster map`, timeoutMs, async () => {
      const response = await fetch(`${this.primary.publicUrl}/v1/daemon?what=smap`);
      const map = (await response.json()) as { tmap: object };
      return Object.keys(map.tmap).length === count;
    });
  }

  /** Sets cluster configuration through the primary (`section.key` → value). */
  async setConfig(values: Record<string, string | number | boolean>): Promise<void> {
    const query = new URLSearchParams(
      Object.entries(values).map(([key, value]): [string, string] => [key, String(value)]),
    );
    const response = await fetch(
      `${this.primary.publicUrl}/v1/cluster/set-config?${query.toString()}`,
      { method: 'PUT' },
    );
    if (!response.ok) throw new Error(`set-config: ${response.status} ${await response.text()}`);
  }

  /** Stops every node and removes the temp dir. */
  async destroy(): Promise<void> {
    await Promise.all(this.#clients.map((client) => client.close()));
    await Promise.all(this.nodes.map((node) => node.stop('SIGKILL')));
    await this.#placement?.destroy();
    for (const path of this.#tmpfsMounts.splice(0)) await unmountTmpfs(path);
    // CAIRN_KEEP_TEST_DIR=1 keeps node logs and data for a post-mortem.
    if (process.env['CAIRN_KEEP_TEST_DIR'] === '1') console.log(`kept test cluster in ${this.dir}`);
    else await rm(this.dir, { recursive: true, force: true });
  }

  async #addNode(
    role: 'proxy' | 'target',
    index: number,
    primaryUrl: string | undefined,
    mountpaths: number,
    extraArgs: readonly string[] = [],
  ): Promise<NodeProcess> {
    const name = `${role}-${index}`;
    const dir = join(this.dir, name);
    const placed = await this.#placement?.place(role, index);
    const node = new NodeProcess({
      role,
      name,
      dir,
      mountpaths: Array.from({ length: mountpaths }, (_, k) => join(dir, `mp-${k}`)),
      primaryUrl,
      extraArgs: [...(placed?.args ?? []), ...this.#nodeArgs, ...extraArgs],
      ...(placed === undefined ? {} : { launcher: placed.launcher }),
    });
    (role === 'proxy' ? this.proxies : this.targets).push(node);
    return node;
  }
}
