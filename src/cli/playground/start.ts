// `cairn playground start`: records a local cluster under one directory, launches its supervisor
// (which runs the nodes and restarts those that crash), has it start the nodes, waits until the
// cluster is complete, and prints it; on failure stops what it started and shows the log.
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { ClusterMapJson } from '../../sdk/index.js';
import { CommandError } from '../cli-errors.js';
import type { CommandContext } from '../context.js';
import { formatTable } from '../table.js';
import {
  enableClusterAuth,
  planAuthn,
  playgroundClusterAlias,
  startAuthn,
  type PlaygroundAuthn,
} from './authn.js';
import { makePlaygroundCertificates, playgroundTrust } from './certificates.js';
import { controlSocketPath } from './control-protocol.js';
import { planPlayground, type NodePlan, type PlaygroundShape } from './layout.js';
import { isAuthnProcess, isNodeProcess, isSupervisorProcess, logTail } from './processes.js';
import { StartupFailure, waitClusterMap, waitHealthy } from './readiness.js';
import { readState, writeState, type PlaygroundState } from './state.js';
import { stopPlaygroundProcesses } from './stop.js';
import { launchSupervisor, type SupervisorClient } from './supervisor-client.js';

/** Whole startup, from the first spawn to a complete cluster map. */
export const startupTimeoutMs = 60_000;

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
  controlSocketPath(dir); // refuses a directory path too long for the supervisor's socket
  await refuseIfRunning(dir);
  const authn =
    shape.auth === true ? planAuthn(dir, shape.basePort, shape.https === true) : undefined;
  await refuseBusyPorts([
    ...plans.flatMap((plan) => [plan.port, plan.intraPort]),
    ...(authn === undefined ? [] : [authn.port]),
  ]);
  const primary = plans[0];
  if (primary === undefined) throw new CommandError('nothing to start');
  for (const plan of plans) {
    for (const path of [plan.dir, ...plan.mountpaths]) await mkdir(path, { recursive: true });
  }

  const tls = shape.https === true ? await makePlaygroundCertificates(dir) : undefined;
  const trust = await playgroundTrust(tls);
  const deadlineMs = Date.now() + startupTimeoutMs;
  // Before the supervisor: its record (which it alone writes from then on) keeps the PID.
  const admin =
    authn === undefined ? undefined : await startAuthn(entryScript, authn, tls, trust, deadlineMs);
  const state: PlaygroundState = {
    version: 1,
    entryScript,
    endpoint: primary.publicUrl,
    startedAt: new Date().toISOString(),
    nodeOptions: [...(shape.nodeOptions ?? [])],
    supervisorPid: null,
    nodes: plans.map((plan) => ({ ...plan, pid: null })),
    ...(tls === undefined ? {} : { tls }),
    ...(authn === undefined ? {} : { authn }),
  };
  await writeState(dir, state);
  const supervisor = await launchSupervisor(dir, entryScript, deadlineMs);
  const exits = new Map<string, Promise<string>>();
  const launch = async (plan: NodePlan): Promise<void> => {
    exits.set(plan.name, supervisor.exitOf(plan.name));
    const pid = await supervisor.startNode({ ...plan, primaryUrl: primary.publicUrl });
    const record = state.nodes.find((candidate) => candidate.name === plan.name);
    if (record !== undefined) record.pid = pid;
  };
  const healthy = async (plan: NodePlan, check?: 'ready' | 'live'): Promise<void> => {
    await waitHealthy(
      plan,
      exits.get(plan.name) ?? Promise.resolve('process was not started'),
      deadlineMs,
      check,
      trust,
    );
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
    map = await waitClusterMap(primary, shape.proxies, shape.targets, deadlineMs, trust);
    if (authn !== undefined && admin !== undefined)
      await enableClusterAuth(state.endpoint, authn, trust, admin);
  } catch (error) {
    await abandonStartup(context, supervisor, dir, error);
    throw error instanceof StartupFailure
      ? new CommandError(`playground did not start: ${error.message}`)
      : error;
  } finally {
    supervisor.close();
  }
  printStarted(context, state, map, shape);
  context.print(`S3 endpoint: ${state.endpoint} (path style, or <bucket>.localhost)`);
  context.print(`S3 access key: ${s3Credentials.accessKey}`);
  context.print(`S3 secret key: ${s3Credentials.secretKey}`);
  context.print(`Web console: ${state.endpoint}/console/`);
  if (tls !== undefined) {
    context.print(`CA certificate: ${tls.ca} (export CAIRN_CA_CERT=${tls.ca})`);
  }
  if (authn !== undefined && admin !== undefined) printAuth(context, authn, admin.adminPassword);
}

/** How to get a token: auth is on, so every native request needs one. */
function printAuth(context: CommandContext, authn: PlaygroundAuthn, adminPassword: string): void {
  context.print(`Auth: on (native requests need a token; the S3 key above is the admin's)`);
  context.print(`AuthN service: ${authn.url} (cluster registered as "${playgroundClusterAlias}")`);
  context.print(`Admin user: admin, password: ${adminPassword}`);
  context.print(`Log in: export CAIRN_AUTHN_URL=${authn.url}`);
  context.print(`        cairn auth login admin --password ${adminPassword}`);
}

/** Stops the supervisor and the started nodes, and shows the failing node's log. */
async function abandonStartup(
  context: CommandContext,
  supervisor: SupervisorClient,
  dir: string,
  error: unknown,
): Promise<void> {
  supervisor.close();
  const recorded = await readState(dir);
  if (recorded !== undefined) await stopPlaygroundProcesses(dir, recorded);
  if (error instanceof StartupFailure) {
    context.note(`Last lines of ${error.node.dir}/node.log:`);
    for (const line of await logTail(error.node.dir)) context.note(`  ${line}`);
  }
}

async function refuseIfRunning(dir: string): Promise<void> {
  const previous = await readState(dir);
  const running: number[] = [];
  const authnPid = previous?.authn?.pid ?? null;
  if (previous?.authn !== undefined && (await isAuthnProcess(authnPid, previous.authn.dir)))
    running.push(authnPid as number);
  const supervisorPid = previous?.supervisorPid ?? null;
  if (supervisorPid !== null && (await isSupervisorProcess(supervisorPid, dir)))
    running.push(supervisorPid);
  for (const node of previous?.nodes ?? []) {
    if (node.pid !== null && (await isNodeProcess(node.pid, node.dir))) running.push(node.pid);
  }
  if (running.length > 0) {
    throw new CommandError(
      `a playground is already running in ${dir} (PIDs ${running.join(', ')}); stop it first: cairn playground stop --dir ${dir}`,
    );
  }
}

/** Fails early with a clear message rather than with a node that cannot bind its port. */
async function refuseBusyPorts(ports: readonly number[]): Promise<void> {
  for (const port of ports) {
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
