// `cairn playground status`: the recorded nodes, whether their processes still run and answer and
// how often they were restarted, whether the supervisor runs, and the cluster map version.
import { Client, type ClientOptions } from '../../sdk/index.js';
import { playgroundTrust } from './certificates.js';
import { errorLine } from '../cli-errors.js';
import type { CommandContext } from '../context.js';
import { formatTable } from '../table.js';
import { resolve } from 'node:path';
import { isNodeProcess, isSupervisorProcess } from './processes.js';
import { readState } from './state.js';

const probeTimeoutMs = 2_000;

/** One node's status line. */
export interface NodeStatusReport {
  name: string;
  role: string;
  pid: number | null;
  running: boolean;
  healthy: boolean;
  restarts: number;
  publicUrl: string;
}

/** Prints the playground's status; `json` prints a machine-readable object instead. */
export async function showPlaygroundStatus(
  context: CommandContext,
  dir: string,
  json: boolean,
): Promise<void> {
  const state = await readState(dir);
  if (state === undefined) {
    if (json) return context.printJson({ dir, recorded: false, nodes: [] });
    context.print(`no playground recorded in ${dir}`);
    return;
  }
  const trust = await playgroundTrust(state.tls);
  const nodes = await Promise.all(
    state.nodes.map(async (node): Promise<NodeStatusReport> => {
      const running = await isNodeProcess(node.pid, node.dir);
      return {
        name: node.name,
        role: node.primary ? 'primary' : node.role,
        pid: node.pid,
        running,
        healthy: running && (await answersHealth(node.publicUrl, trust)),
        restarts: node.restarts ?? 0,
        publicUrl: node.publicUrl,
      };
    }),
  );
  const cluster = await clusterMapVersion(state.endpoint, trust);
  const supervisorPid = state.supervisorPid ?? null;
  const supervisor = {
    pid: supervisorPid,
    running: await isSupervisorProcess(supervisorPid, resolve(dir)),
  };
  if (json) {
    const { endpoint } = state;
    return context.printJson({ dir, recorded: true, endpoint, ...cluster, supervisor, nodes });
  }
  const summary =
    cluster.clusterMapVersion === undefined
      ? `unreachable (${cluster.error})`
      : `cluster map v${cluster.clusterMapVersion}`;
  context.print(`Playground ${dir}, endpoint ${state.endpoint}: ${summary}`);
  context.print(
    supervisor.running
      ? `Supervisor: PID ${supervisorPid} (restarts nodes that crash)`
      : 'Supervisor: not running (nodes that crash stay down; stop and start the playground)',
  );
  const rows = nodes.map((node) => [
    node.name,
    node.role,
    String(node.pid ?? '-'),
    node.running ? (node.healthy ? 'running' : 'running, not answering') : 'stopped',
    String(node.restarts),
    node.publicUrl,
  ]);
  const headers = ['NODE', 'ROLE', 'PID', 'STATE', 'RESTARTS', 'PUBLIC URL'];
  const columns = headers.map((header) => ({ header }));
  context.printLines(formatTable(columns, rows));
}

async function answersHealth(url: string, trust: ClientOptions): Promise<boolean> {
  const client = new Client(url, { ...trust, timeoutMs: probeTimeoutMs, direct: false });
  try {
    await client.health({ live: true });
    return true;
  } catch {
    return false;
  } finally {
    await client.close();
  }
}

async function clusterMapVersion(
  endpoint: string,
  trust: ClientOptions,
): Promise<{ clusterMapVersion?: string; error?: string }> {
  const client = new Client(endpoint, { ...trust, timeoutMs: probeTimeoutMs, direct: false });
  try {
    return { clusterMapVersion: (await client.clusterMap({ refresh: true })).version };
  } catch (error) {
    return { error: errorLine(error) };
  } finally {
    await client.close();
  }
}
