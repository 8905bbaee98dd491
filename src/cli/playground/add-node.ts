// `cairn playground add-target|add-proxy`: one more node in a running playground. It takes the
// next free ports after the recorded nodes, joins through the current primary, and is run and
// recorded in `playground.json` by the playground's supervisor (so it is restarted after a crash,
// and `stop` and `status` include it). A new target starts a rebalance when the
// cluster holds buckets: its job ID is printed, and `--wait` waits until it finished.
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Client, nodePublicUrl } from '../../sdk/index.js';
import { sleep } from '../../util/time.js';
import { CommandError } from '../cli-errors.js';
import type { CommandContext } from '../context.js';
import { waitForJob } from '../admin/job-commands.js';
import { intraPortOffset, type NodePlan } from './layout.js';
import { logTail } from './processes.js';
import { StartupFailure, waitHealthy } from './readiness.js';
import { portBusy, startupTimeoutMs } from './start.js';
import { playgroundTrust } from './certificates.js';
import { readState, type PlaygroundState } from './state.js';
import { SupervisorClient } from './supervisor-client.js';

export interface AddNodeOptions {
  dir: string;
  /** Targets only; default: as many as the existing targets have. */
  mountpaths?: number;
  wait: boolean;
  timeoutSeconds: number;
  json: boolean;
}

/** Starts one more node of `role` in the playground at `options.dir`. */
export async function addPlaygroundNode(
  context: CommandContext,
  role: 'proxy' | 'target',
  options: AddNodeOptions,
): Promise<void> {
  const dir = resolve(options.dir);
  const state = await readState(dir);
  if (state === undefined) throw new CommandError(`no playground recorded in ${dir}`);
  const supervisor = await SupervisorClient.connect(dir).catch(() => {
    throw new CommandError(
      `the playground in ${dir} has no supervisor running (it was killed, or the playground was started by an older cairn); restart the playground: cairn playground stop --dir ${options.dir}, then start`,
    );
  });
  const trust = await playgroundTrust(state.tls);
  const client = new Client(state.endpoint, { ...trust, direct: false, timeoutMs: 10_000 });
  try {
    const map = await client.clusterMap({ refresh: true }).catch(() => {
      throw new CommandError(`the playground in ${dir} does not answer at ${state.endpoint}`);
    });
    const primaryUrl = map.proxy_si === null ? state.endpoint : nodePublicUrl(map.proxy_si);
    const plan = await planNode(state, dir, role, options.mountpaths);
    const before = (await client.cluster.rebalanceMetadata())?.version ?? 0;
    for (const path of [plan.dir, ...plan.mountpaths]) await mkdir(path, { recursive: true });
    const exited = supervisor.exitOf(plan.name);
    await supervisor.startNode({ ...plan, primaryUrl });
    const deadlineMs = Date.now() + startupTimeoutMs;
    let id: string;
    try {
      await waitHealthy(plan, exited, deadlineMs, 'ready', trust);
      id = await waitInMap(client, plan.publicUrl, deadlineMs);
    } catch (error) {
      if (error instanceof StartupFailure) {
        context.note(`Last lines of ${plan.dir}/node.log:`);
        for (const line of await logTail(plan.dir)) context.note(`  ${line}`);
        throw new CommandError(`${plan.name} did not start: ${error.message}`);
      }
      throw error;
    }
    const after = (await client.cluster.rebalanceMetadata())?.version ?? 0;
    const rebalance = role === 'target' && after > before ? `g${after}` : '';
    if (options.json) {
      context.printJson({ name: plan.name, id, role, publicUrl: plan.publicUrl, rebalance });
    } else {
      context.print(`added ${role} ${plan.name} ${id} ${plan.publicUrl}`);
      if (role === 'target')
        context.print(rebalance === '' ? 'rebalance: none' : `rebalance ${rebalance}`);
    }
    if (options.wait && rebalance !== '')
      await waitForJob(context, rebalance, options.timeoutSeconds);
  } finally {
    supervisor.close();
    await client.close();
  }
}

/** The next node of `role`: next index, next free public and intra ports after the recorded ones. */
async function planNode(
  state: PlaygroundState,
  dir: string,
  role: 'proxy' | 'target',
  mountpaths: number | undefined,
): Promise<NodePlan> {
  const sameRole = state.nodes.filter((node) => node.role === role);
  const index = Math.max(-1, ...sameRole.map((node) => Number(node.name.split('-')[1] ?? -1))) + 1;
  const name = `${role}-${index}`;
  if (state.nodes.some((node) => node.name === name && node.pid !== null))
    throw new CommandError(`${name} is already recorded in ${dir}`);
  let port = Math.max(...state.nodes.map((node) => node.port)) + 1;
  while ((await portBusy(port)) || (await portBusy(port + intraPortOffset))) {
    port += 1;
    if (port + intraPortOffset > 65535) throw new CommandError('no free port left for a new node');
  }
  const nodeDir = join(dir, name);
  const count =
    role === 'proxy'
      ? 0
      : (mountpaths ?? state.nodes.find((node) => node.role === 'target')?.mountpaths.length ?? 2);
  return {
    name,
    role,
    primary: false,
    port,
    intraPort: port + intraPortOffset,
    dir: nodeDir,
    mountpaths: Array.from({ length: count }, (_, k) => join(nodeDir, `mp-${k}`)),
    publicUrl: `${state.tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`,
  };
}

/** Polls the cluster map until a node with `url` is in it; returns its ID. */
async function waitInMap(client: Client, url: string, deadlineMs: number): Promise<string> {
  for (;;) {
    const map = await client.clusterMap({ refresh: true }).catch(() => undefined);
    const node = [...Object.values(map?.pmap ?? {}), ...Object.values(map?.tmap ?? {})].find(
      (candidate) => nodePublicUrl(candidate) === url,
    );
    if (node !== undefined) return node.daemon_id;
    if (Date.now() > deadlineMs) throw new CommandError(`${url} did not join the cluster in time`);
    await sleep(250);
  }
}
