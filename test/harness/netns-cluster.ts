// A test cluster spread over network namespaces: every node on its own simulated host with its own
// address (10.77.X.10+), joined by a private bridge; with `separateIntra`, a second bridge and
// subnet carry the intra-control and intra-data networks while clients see only the public one.
import type { NodeProcess } from './node-process.js';
import { NetnsLab, netnsUnavailable, type NetnsHost } from './netns.js';
import { TestCluster, type NodePlacement, type TestClusterOptions } from './test-cluster.js';

export { netnsUnavailable };

class NetnsPlacement implements NodePlacement {
  readonly byNode = new Map<string, NetnsHost>();

  constructor(
    readonly lab: NetnsLab,
    readonly separateIntra: boolean,
  ) {}

  async place(
    role: 'proxy' | 'target',
    index: number,
  ): Promise<{ launcher: string[]; args: string[] }> {
    const host = await this.lab.addHost();
    this.byNode.set(`${role}-${index}`, host);
    const args = ['--host', host.addresses.public ?? ''];
    const intra = host.addresses.intra;
    if (this.separateIntra && intra !== undefined)
      args.push(
        '--intra-control-host',
        intra,
        '--intra-data-host',
        intra,
        '--intra-data-port',
        '0',
      );
    return { launcher: ['ip', 'netns', 'exec', host.namespace], args };
  }

  destroy(): Promise<void> {
    return this.lab.destroy();
  }
}

export class NetnsCluster {
  private constructor(
    readonly cluster: TestCluster,
    readonly lab: NetnsLab,
    readonly placement: NetnsPlacement,
  ) {}

  /** Starts the cluster; everything (processes, namespaces, bridges) is removed if it fails. */
  static async start(
    options: TestClusterOptions & { separateIntra?: boolean },
  ): Promise<NetnsCluster> {
    const separateIntra = options.separateIntra ?? false;
    const lab = await NetnsLab.create({ separateIntra });
    const placement = new NetnsPlacement(lab, separateIntra);
    // TestCluster.start destroys the placement (the lab) itself when it fails.
    const cluster = await TestCluster.start({ ...options, placement });
    return new NetnsCluster(cluster, lab, placement);
  }

  /** The simulated host a node runs on. */
  hostOf(node: NodeProcess): NetnsHost {
    const host = this.placement.byNode.get(node.spec.name);
    if (host === undefined) throw new Error(`${node.spec.name} has no host`);
    return host;
  }

  destroy(): Promise<void> {
    return this.cluster.destroy();
  }
}
