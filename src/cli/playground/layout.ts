// Playground layout: which nodes, their ports and directories. Proxy i listens on BASE+i (intra
// BASE+100+i), target j on BASE+P+j (intra BASE+100+P+j); the first proxy is the primary.
import { join, resolve } from 'node:path';
import { UsageError } from '../cli-errors.js';
import type { PlaygroundTls } from './certificates.js';

/** Public and intra ports of consecutive nodes are this far apart. */
export const intraPortOffset = 100;

export interface PlaygroundShape {
  proxies: number;
  targets: number;
  mountpaths: number;
  /** The playground directory (absolute once planned). */
  dir: string;
  basePort: number;
  /** Node.js options placed before the entry script of every node (`--cpu-prof`, `--inspect`). */
  nodeOptions?: readonly string[];
  /** Nodes serve HTTPS (`start --https`). */
  https?: boolean;
  /** An AuthN service runs beside the nodes and the cluster has auth on (`start --auth`). */
  auth?: boolean;
}

/** One node to run. */
export interface NodePlan {
  /** `proxy-<i>` or `target-<j>`: also its directory name. */
  name: string;
  role: 'proxy' | 'target';
  primary: boolean;
  port: number;
  intraPort: number;
  dir: string;
  /** Targets only. */
  mountpaths: string[];
  publicUrl: string;
}

/** Plans every node; throws UsageError when the shape does not fit the port scheme. */
export function planPlayground(shape: PlaygroundShape): { dir: string; nodes: NodePlan[] } {
  const { proxies, targets, mountpaths, basePort } = shape;
  if (proxies < 1 || targets < 1 || mountpaths < 1) {
    throw new UsageError('a playground needs at least 1 proxy, 1 target and 1 mountpath');
  }
  if (proxies + targets > intraPortOffset) {
    throw new UsageError(`at most ${intraPortOffset} nodes fit the port scheme`);
  }
  if (basePort + intraPortOffset + proxies + targets - 1 > 65535) {
    throw new UsageError(`base port ${basePort} is too high for ${proxies + targets} nodes`);
  }
  const dir = resolve(shape.dir);
  const node = (role: 'proxy' | 'target', index: number, offset: number): NodePlan => {
    const name = `${role}-${index}`;
    const nodeDir = join(dir, name);
    const port = basePort + offset;
    return {
      name,
      role,
      primary: role === 'proxy' && index === 0,
      port,
      intraPort: port + intraPortOffset,
      dir: nodeDir,
      mountpaths:
        role === 'target'
          ? Array.from({ length: mountpaths }, (_, k) => join(nodeDir, `mp-${k}`))
          : [],
      publicUrl: `${shape.https === true ? 'https' : 'http'}://127.0.0.1:${port}`,
    };
  };
  const nodes = [
    ...Array.from({ length: proxies }, (_, i) => node('proxy', i, i)),
    ...Array.from({ length: targets }, (_, j) => node('target', j, proxies + j)),
  ];
  return { dir, nodes };
}

/**
 * Node.js flags a node's process is started with, by role: every launcher this project ships (the
 * playground, the test harness, the deploy files) passes them before the entry script. They must be
 * process flags: V8 sizes its heap when the process starts, and NODE_OPTIONS refuses this one.
 *
 * Gateways and targets both take in object bodies as fresh 64 KiB buffers (Node's HTTP parser copies
 * every body chunk). After its first full collection V8 sets the old generation's limit just above
 * the live heap, and the buffers' external memory then starts a full mark-compact every few MiB
 * received, each marking the whole heap and freeing almost nothing. A larger initial old space keeps
 * the limit where short-lived garbage is left to scavenges. Gateway: CPU per MiB 0.4-0.6 of what it
 * was for S3 GET/PUT of 1 MiB and PUT of 64 MiB, at about 40 MiB more resident memory (docs/profiling.md,
 * "Fifth pass"). Target, S3 PUT of 64 MiB: CPU per MiB about half (V8's helper threads 0.2-0.5 of
 * what they were), 4 KiB PUTs unchanged; the streaming bound of test/cluster/memory.test.ts (a
 * target under 300 MiB while serving 32 GETs of 384 MiB) read a peak of 191 MiB either way.
 *
 * A young generation of up to 2 x 32 MiB (Node 20's default: 2 x 16): a listing's pages (10,000
 * entries each, built, merged and encoded within tens of ms) are, we infer, still alive at more of a 16 MiB
 * semi-space's scavenges, which copy and promote them. CPU per listed entry 2-21% lower on a target
 * and up to 20% on the gateway, in every round of two sittings, first listings of fresh nodes and
 * later ones alike (docs/profiling.md, "Listing, eighth pass"); GET and PUT of 4 KiB unchanged
 * within the noise (64 made them worse). It costs at most 32 MiB more per node, and only once load
 * has grown the young generation that far.
 */
export function nodeFlagsFor(role: string): string[] {
  return role === 'proxy' || role === 'target'
    ? ['--initial-old-space-size=256', '--max-semi-space-size=32']
    : [];
}

/**
 * The command line of a node: `[flags] <entry> node --role ... --dir ...` (the node contract). The
 * caller's `nodeOptions` (`start --node-options`) come after the role's flags: Node takes the last
 * of a repeated flag, so the caller's choice wins.
 */
export function nodeArguments(
  entryScript: string,
  plan: NodePlan,
  primaryUrl: string,
  tls?: PlaygroundTls,
  nodeOptions: readonly string[] = [],
): string[] {
  const args = [
    ...nodeFlagsFor(plan.role),
    ...nodeOptions,
    entryScript,
    'node',
    '--role',
    plan.role,
    '--dir',
    plan.dir,
    '--host',
    '127.0.0.1',
    '--port',
    String(plan.port),
    '--intra-port',
    String(plan.intraPort),
  ];
  for (const mountpath of plan.mountpaths) args.push('--mountpath', mountpath);
  if (!plan.primary) args.push('--primary-url', primaryUrl);
  if (tls !== undefined) {
    args.push('--https', '--tls-cert', tls.cert, '--tls-key', tls.key, '--tls-ca', tls.ca);
    args.push('--tls-client-auth');
  }
  return args;
}
