// `cairn show cluster`: the cluster map (version, UUID, primary) and a row per node with its state
// and, for targets, mountpaths and capacity from the node's own status. (`show log` and `show
// performance` are in node-commands.ts.) `cairn show remote-cluster`: the attached AIS clusters.
import type { Command } from 'commander';
import {
  isOutOfService,
  nodePublicUrl,
  NodeFlag,
  type ClusterMapJson,
  type NodeJson,
  type NodeStatusJson,
} from '../sdk/index.js';
import { formatBytes } from '../util/bytes.js';
import type { CliIo } from './cli-io.js';
import { commandAction } from './context.js';
import { errorLine } from './cli-errors.js';
import { registerNodeCommands } from './node-commands.js';
import { formatTable } from './table.js';
import { registerViewCommands } from './views/view-commands.js';

/** A node as `show cluster` reports it. */
export interface NodeReport {
  id: string;
  role: 'proxy' | 'target';
  primary: boolean;
  publicUrl: string;
  state: string;
  status?: NodeStatusJson;
  error?: string;
}

/**
 * Registers `show cluster`, `show remote-cluster`, `show log`, and the views (`show performance`,
 * `show disk`, `show job`, `log get`).
 */
export function registerShowCommand(program: Command, io: CliIo): void {
  const show = program.command('show').description('show cluster information');
  registerNodeCommands(show, io);
  registerViewCommands(program, show, io);
  show
    .command('cluster')
    .description('nodes, their state and capacity, and the cluster map version')
    .option('--json', 'print JSON')
    .action(
      commandAction(io, async (context, options: { json?: boolean }) => {
        const map = await context.client.clusterMap({ refresh: true });
        const nodes = await Promise.all(
          clusterNodes(map).map(async (node): Promise<NodeReport> => {
            const report = nodeReport(map, node);
            try {
              return { ...report, status: await context.client.nodeStatus(report.publicUrl) };
            } catch (error) {
              return { ...report, state: 'unreachable', error: errorLine(error) };
            }
          }),
        );
        if (options.json === true) return context.printJson({ clusterMap: map, nodes });
        const primary = map.proxy_si?.daemon_id ?? '-';
        context.print(`Cluster ${map.uuid}, map version ${map.version}, primary ${primary}`);
        context.printLines(clusterTable(nodes));
      }),
    );
  show
    .command('config')
    .description('the cluster configuration, one `section.key value` a line (secrets redacted)')
    .option('--json', 'print JSON')
    .action(
      commandAction(io, async (context, options: { json?: boolean }) => {
        const config = await context.client.cluster.config();
        if (options.json === true) return context.printJson(config);
        context.printLines(configLines(config));
      }),
    );
  show
    .command('remote-cluster')
    .description('attached remote AIS clusters: alias, UUID, URL, and their size when they answer')
    .option('--json', 'print JSON')
    .action(
      commandAction(io, async (context, options: { json?: boolean }) => {
        const remotes = await context.client.cluster.remoteClusters();
        if (options.json === true) return context.printJson(remotes);
        const rows = remotes.a.map((remote) => [
          remote.alias,
          remote.uuid,
          remote.url,
          remote.smap === undefined
            ? 'unreachable'
            : `${Object.keys(remote.smap.pmap).length} gateways, ${Object.keys(remote.smap.tmap).length} targets`,
        ]);
        const columns = ['ALIAS', 'UUID', 'URL', 'NODES'].map((header) => ({ header }));
        context.printLines(formatTable(columns, rows));
      }),
    );
}

/** Proxies first, then targets, each sorted by ID. */
export function clusterNodes(map: ClusterMapJson): NodeJson[] {
  const byId = (a: NodeJson, b: NodeJson): number => a.daemon_id.localeCompare(b.daemon_id);
  return [...Object.values(map.pmap).sort(byId), ...Object.values(map.tmap).sort(byId)];
}

function nodeReport(map: ClusterMapJson, node: NodeJson): NodeReport {
  return {
    id: node.daemon_id,
    role: node.daemon_type,
    primary: map.proxy_si?.daemon_id === node.daemon_id,
    publicUrl: nodePublicUrl(node),
    state: nodeState(node),
  };
}

function nodeState(node: NodeJson): string {
  if ((node.flags & NodeFlag.decommission) !== 0) return 'decommissioning';
  if (isOutOfService(node)) return 'maintenance';
  return 'online';
}

/** The human table of `show cluster`. */
export function clusterTable(nodes: readonly NodeReport[]): string[] {
  const rows = nodes.map((node) => {
    const capacity = node.status?.mountpath_capacity ?? [];
    const isTarget = node.role === 'target';
    // Mountpaths on one file system report its sizes each: count every file system once.
    const filesystems = [...new Map(capacity.map((entry) => [entry.filesystem, entry])).values()];
    const usedBytes = filesystems.reduce((sum, entry) => sum + entry.used_bytes, 0);
    const totalBytes = filesystems.reduce((sum, entry) => sum + entry.total_bytes, 0);
    const usage =
      isTarget && totalBytes > 0
        ? `${formatBytes(usedBytes)}/${formatBytes(totalBytes)} (${Math.round((usedBytes / totalBytes) * 100)}%)`
        : '-';
    return [
      node.id,
      node.primary ? `${node.role} (primary)` : node.role,
      node.publicUrl,
      node.state,
      isTarget && node.status !== undefined ? String(capacity.length) : '-',
      usage,
    ];
  });
  const columns = ['ID', 'ROLE', 'PUBLIC URL', 'STATE', 'MOUNTPATHS', 'USED/TOTAL'].map(
    (header) => ({
      header,
      alignRight: header === 'MOUNTPATHS' || header === 'USED/TOTAL',
    }),
  );
  return formatTable(columns, rows);
}

/** `section.key value` lines, sorted; maps and lists as JSON. */
export function configLines(value: Record<string, unknown>, prefix = ''): string[] {
  const lines: string[] = [];
  for (const [key, item] of Object.entries(value)) {
    const path = `${prefix}${key}`;
    const nested =
      typeof item === 'object' &&
      item !== null &&
      !Array.isArray(item) &&
      Object.keys(item).length > 0;
    if (nested && !mapValued.has(path))
      lines.push(...configLines(item as Record<string, unknown>, `${path}.`));
    else lines.push(`${path} ${typeof item === 'string' ? item : JSON.stringify(item)}`);
  }
  return prefix === '' ? lines.sort() : lines;
}

/** Keys set as one JSON value (`set-config`), shown the same way. */
const mapValued = new Set(['backend.aws_profiles', 'backend.conf', 'backend.remote_ais_uuids']);
