// Linux network namespaces for multi-host tests: one namespace per "host", each joined to one or
// two private bridges (the public network, and an optional intra network) by veth pairs. The public
// bridge has the address .1 in the root namespace so the test process reaches the hosts; nothing
// routes further, so no traffic leaves. Every name carries the owning process ID, so a later run
// removes what a killed run left behind.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** Every `ip` call is bounded: a wedged netlink call fails the test rather than hanging it. */
const ipTimeoutMs = 15_000;
const namePrefix = 'cairn-';

export type NetworkName = 'public' | 'intra';

/** One simulated host: its namespace and its address on each network. */
export interface NetnsHost {
  readonly index: number;
  readonly namespace: string;
  readonly addresses: Readonly<Record<NetworkName, string | undefined>>;
}

export async function ip(...args: string[]): Promise<string> {
  const { stdout } = await run('ip', args, { timeout: ipTimeoutMs });
  return stdout;
}

/**
 * Why namespaces cannot be used here (not root, no `ip`, `ip netns add` refused), or undefined
 * when they can: tests skip with this reason.
 */
export async function netnsUnavailable(): Promise<string | undefined> {
  if (process.platform !== 'linux')
    return `network namespaces need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'network namespaces need root (ip netns add)';
  const probe = `${namePrefix}probe-${process.pid}`;
  try {
    await ip('netns', 'add', probe);
  } catch (error) {
    return `ip netns add failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
  }
  await ip('netns', 'del', probe).catch(() => undefined);
  return undefined;
}

let labs = 0;

/** The namespaces, bridges and veths of one test cluster. */
export class NetnsLab {
  readonly hosts: NetnsHost[] = [];
  readonly #subnets: Record<NetworkName, string | undefined>;

  private constructor(
    readonly tag: string,
    subnets: Record<NetworkName, string | undefined>,
  ) {
    this.#subnets = subnets;
  }

  /** Creates the bridges (public, and intra when `separateIntra`) on unused 10.77.X.0/24 subnets. */
  static async create(options: { separateIntra: boolean }): Promise<NetnsLab> {
    await removeLeftovers();
    labs += 1;
    // The owning PID (base 36, 5 characters) then a per-process counter: interface names stay
    // within Linux's 15 characters and a later run can tell whose they are.
    const tag = `${process.pid.toString(36).padStart(5, '0')}${(labs % 36).toString(36)}`;
    const [publicNet, intraNet] = await freeSubnets(options.separateIntra ? 2 : 1);
    const lab = new NetnsLab(tag, { public: publicNet, intra: intraNet });
    try {
      for (const network of lab.networks()) {
        const bridge = lab.bridge(network);
        await ip('link', 'add', bridge, 'type', 'bridge');
        if (network === 'public') await ip('addr', 'add', `${publicNet}.1/24`, 'dev', bridge);
        await ip('link', 'set', bridge, 'up');
      }
    } catch (error) {
      await lab.destroy();
      throw error;
    }
    return lab;
  }

  networks(): NetworkName[] {
    return this.#subnets.intra === undefined ? ['public'] : ['public', 'intra'];
  }

  bridge(network: NetworkName): string {
    return `cb${this.tag}${network === 'public' ? 'p' : 'i'}`;
  }

  /** The root-namespace end of a host's veth on `network` (the end a test takes down). */
  rootLink(host: NetnsHost, network: NetworkName): string {
    return `cv${this.tag}${host.index.toString(36)}${network === 'public' ? 'p' : 'i'}`;
  }

  /** A new host: a namespace with loopback up and one veth per network, addressed .10 + index. */
  async addHost(): Promise<NetnsHost> {
    const index = this.hosts.length;
    // One base-36 character names the host in its interfaces' names.
    if (index > 35) throw new Error('at most 36 hosts per lab');
    const namespace = `${namePrefix}${this.tag}-${index}`;
    await ip('netns', 'add', namespace);
    const addresses: Record<NetworkName, string | undefined> = {
      public: undefined,
      intra: undefined,
    };
    const host: NetnsHost = { index, namespace, addresses };
    this.hosts.push(host);
    await ip('-n', namespace, 'link', 'set', 'lo', 'up');
    for (const [n, network] of this.networks().entries()) {
      const outer = this.rootLink(host, network);
      const inner = `${outer}n`;
      const address = `${this.#subnets[network]}.${10 + index}`;
      await ip('link', 'add', outer, 'type', 'veth', 'peer', 'name', inner);
      await ip('link', 'set', inner, 'netns', namespace);
      await ip('-n', namespace, 'link', 'set', inner, 'name', `eth${n}`);
      await ip('-n', namespace, 'addr', 'add', `${address}/24`, 'dev', `eth${n}`);
      await ip('-n', namespace, 'link', 'set', `eth${n}`, 'up');
      await ip('link', 'set', outer, 'master', this.bridge(network));
      await ip('link', 'set', outer, 'up');
      addresses[network] = address;
    }
    return host;
  }

  /** Cuts (`up = false`) or restores a host's link on one network; its processes keep running. */
  async setLink(host: NetnsHost, network: NetworkName, up: boolean): Promise<void> {
    await ip('link', 'set', this.rootLink(host, network), up ? 'up' : 'down');
  }

  /** Bytes sent into the host (the root end's transmit counter) on one network. */
  async bytesToHost(host: NetnsHost, network: NetworkName): Promise<number> {
    const text = await ip('-s', '-j', 'link', 'show', this.rootLink(host, network));
    const [link] = JSON.parse(text) as { stats64: { tx: { bytes: number } } }[];
    return link?.stats64.tx.bytes ?? 0;
  }

  /** Removes the namespaces (and with them their veths) and the bridges; never throws. */
  async destroy(): Promise<void> {
    await removeOwned(this.tag);
  }
}

/** Names of this harness's namespaces and root-namespace links with `tag` (all when omitted). */
export async function labResources(tag = ''): Promise<string[]> {
  const namespaces = (await ip('netns', 'list').catch(() => ''))
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith(`${namePrefix}${tag}`) && !name.includes('probe'));
  const links = await linksOf((name) => name.slice(2, 8).startsWith(tag));
  return [...namespaces, ...links];
}

/** `count` distinct 10.77.X prefixes that no route of the root namespace uses. */
async function freeSubnets(count: number): Promise<string[]> {
  const routes = await ip('route', 'show', 'table', 'all');
  const chosen: string[] = [];
  for (let attempt = 0; attempt < 200 && chosen.length < count; attempt += 1) {
    const prefix = `10.77.${Math.floor(Math.random() * 254) + 1}`;
    if (!routes.includes(`${prefix}.`) && !chosen.includes(prefix)) chosen.push(prefix);
  }
  if (chosen.length < count) throw new Error('no free 10.77.X.0/24 subnet');
  return chosen;
}

/** Kills what runs in a namespace, then deletes it. */
async function removeNamespace(namespace: string): Promise<void> {
  const pids = await ip('netns', 'pids', namespace).catch(() => '');
  for (const pid of pids.split('\n').filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await ip('netns', 'del', namespace).catch(() => undefined);
}

async function removeOwned(tag: string): Promise<void> {
  const namespaces = (await ip('netns', 'list').catch(() => ''))
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith(`${namePrefix}${tag}-`));
  for (const namespace of namespaces) await removeNamespace(namespace);
  for (const link of await linksOf((name) => name.slice(2, 8) === tag)) {
    await ip('link', 'del', link).catch(() => undefined);
  }
}

/** Namespaces and links of runs whose process is gone (killed before it could clean up). */
export async function removeLeftovers(): Promise<void> {
  const tags = new Set<string>();
  for (const line of (await ip('netns', 'list').catch(() => '')).split('\n')) {
    const match = /^cairn-([0-9a-z]{6})-\d+/.exec(line);
    if (match?.[1] !== undefined) tags.add(match[1]);
  }
  for (const link of await linksOf(() => true)) tags.add(link.slice(2, 8));
  for (const tag of tags) if (!ownerAlive(tag)) await removeOwned(tag);
}

function ownerAlive(tag: string): boolean {
  const pid = parseInt(tag.slice(0, 5), 36);
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Root-namespace links named by this harness (`cb…` bridges, `cv…` veth ends). */
async function linksOf(match: (name: string) => boolean): Promise<string[]> {
  const text = await ip('-j', 'link', 'show').catch(() => '[]');
  return (JSON.parse(text) as { ifname: string }[])
    .map((link) => link.ifname)
    .filter((name) => /^c[bv][0-9a-z]{6}/.test(name) && match(name));
}
