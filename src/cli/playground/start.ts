// `cairn playground start`: runs a local cluster of detached node processes under one directory,
// waits until it is complete, and records it; on failure stops what it started and shows the log.
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { ClusterMapJson } from '../../sdk/index.js';
import { CommandError } from '../cli-errors.js';
import type { CommandContext } from '../context.js';
import { formatTable } from '../table.js';
import { planPlayground, nodeArguments, type NodePlan, type PlaygroundShape } from './layout.js';
import { isNodeProcess, logTail, spawnNode, terminate, type SpawnedNode } from './processes.js';
import { StartupFailure, waitClusterMap, waitHealthy } from './readiness.js';
import { readState, writeState, type NodeRecord, type PlaygroundState } from './state.js';

/** Whole startup, from the first spawn to a complete cluster map. */
export const startupTimeoutMs = 60_000;
/** How long stopped nodes get to exit before SIGKILL. */
export const stopGraceMs = 10_000;

/** Starts the playground described by `shape` with nodes running `entryScript`. */
export async function startPlayground(
  context: CommandContext,
  shape: PlaygroundShape,
  entryScript: string,
  s3Credentials: { accessKey: string; secretKey: string } = {
    accessKey: 'cairnadmin',
    secretKey: 'cairnadmin',
  },
): Promise<void> {
  const { dir, nodes: plans } = planPlayground(shape);
  await refuseIfRunning(dir);
  await refuseBusyPorts(plans);
  const primary = plans[0];
  if (primary === undefined) throw new CommandError('nothing to start');
  for (const plan of plans) {
    for (const path of [plan.dir, ...plan.mountpaths]) await mkdir(path, { recursive: true });
  }

  const state: PlaygroundState = {
    version: 1,
    entryScript,
    endpoint: primary.publicUrl,
    startedAt: new Date().toISOString(),
    nodes: plans.map((plan) => ({ ...plan, pid: null })),
  };
  const spawned = new Map<string, SpawnedNode>();
  const deadlineMs = Date.now() + startupTimeoutMs;
  const launch = async (plan: NodePlan): Promise<void> => {
    const args = nodeArguments(entryScript, plan, primary.publicUrl);
    const node = await spawnNode(plan.dir, [...(shape.nodeOptions ?? []), ...args]);
    spawned.set(plan.name, node);
    const record = state.nodes.find((candidate) => candidate.name === plan.name);
    if (record !== undefined) record.pid = node.pid;
    await writeState(dir, state);
  };
  const healthy = async (plan: NodePlan, check?: 'ready' | 'live'): Promise<void> => {
    const exited = spawned.get(plan.name)?.exited ?? Promise.resolve('was not started');
    await waitHealthy(plan, exited, deadlineMs, check);
  };

  let map: ClusterMapJson;
  try {
    // The primary first: every other node registers with it.
    await launch(primary);
    // Not ready until a target joins: only alive.
    await healthy(primary, 'live');
    const others = plans.slice(1);
    for (const plan of others) await launch(plan);
    await Promise.all(others.map((plan) => healthy(plan)));
    map = await waitClusterMap(primary, shape.proxies, shape.targets, deadlineMs);
  } catch (error) {
    await abandonStartup(context, state, dir, error);
    throw error instanceof StartupFailure
      ? new CommandError(`playground did not start: ${error.message}`)
      : error;
  }
  printStarted(context, state, map, shape);
  context.print(`S3 endpoint: ${state.endpoint} (path style, or <bucket>.localhost)`);
  context.print(`S3 access key: ${s3Credentials.accessKey}`);
  context.print(`S3 secret key: ${s3Credentials.secretKey}`);
}

/** Stops the started nodes, clears their PIDs, and shows the failing node's log. */
async function abandonStartup(
  context: CommandContext,
  state: PlaygroundState,
  dir: string,
  error: unknown,
): Promise<void> {
  const pids = state.nodes.flatMap((node) => (node.pid === null ? [] : [node.pid]));
  await terminate(pids, stopGraceMs);
  for (const node of state.nodes) node.pid = null;
  await writeState(dir, state);
  if (error instanceof StartupFailure) {
    context.note(`Last lines of ${error.node.dir}/node.log:`);
    for (const line of await logTail(error.node.dir)) context.note(`  ${line}`);
  }
}

async function refuseIfRunning(dir: string): Promise<void> {
  const previous = await readState(dir);
  const running: NodeRecord[] = [];
  for (const node of previous?.nodes ?? []) {
    if (await isNodeProcess(node.pid, node.dir)) running.push(node);
  }
  if (running.length > 0) {
    const pids = running.map((node) => node.pid).join(', ');
    throw new CommandError(
      `a playground is already running in ${dir} (PIDs ${pids}); stop it first: cairn playground stop --dir ${dir}`,
    );
  }
}

/** Fails early with a clear message rather than with a node that cannot bind its port. */
async function refuseBusyPorts(plans: readonly NodePlan[]): Promise<void> {
  for (const port of plans.flatMap((plan) => [plan.port, plan.intraPort])) {
    if (await portBusy(port)) {
      throw new CommandError(
        `port ${port} on 127.0.0.1 is in use (choose another base with --port)`,
      );
    }
  }
}

/** True when something listens on `port` on 127.0.0.1. */
export function portBusy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(true));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}

function printStarted(
  context: CommandContext,
  state: PlaygroundState,
  map: ClusterMapJson,
  shape: PlaygroundShape,
): void {
  const idsByUrl = new Map(
    [...Object.values(map.pmap), ...Object.values(map.tmap)].map((node) => [
      node.public_net.direct_url.replace(/\/+$/, ''),
      node.daemon_id,
    ]),
  );
  context.print(
    `Playground running: ${count(shape.proxies, 'proxy', 'proxies')}, ${count(shape.targets, 'target')}, ${count(shape.mountpaths, 'mountpath')} each (cluster map v${map.version})`,
  );
  context.print(`Endpoint: ${state.endpoint}`);
  const rows = state.nodes.map((node) => [
    node.name,
    idsByUrl.get(node.publicUrl) ?? '-',
    node.primary ? 'primary' : node.role,
    String(node.pid ?? '-'),
    node.publicUrl,
  ]);
  const columns = ['NODE', 'ID', 'ROLE', 'PID', 'PUBLIC URL'].map((header) => ({ header }));
  context.printLines(formatTable(columns, rows));
  context.print(`Stop it with: cairn playground stop --dir ${shape.dir}`);
}

function count(value: number, singular: string, plural = `${singular}s`): string {
  return `${value} ${value === 1 ? singular : plural}`;
}
