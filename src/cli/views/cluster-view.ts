// `cairn show cluster`'s rows: a node per row with its role, state and, for targets, mountpaths and
// capacity from the node's own status (the web console's cluster map shows the same cells).
import {
  ApiError,
  isOutOfService,
  nodePublicUrl,
  NodeFlag,
  type Client,
  type ClusterMapJson,
  type NodeJson,
  type NodeStatusJson,
} from '../../sdk/index.js';
import { formatBytes } from '../../util/bytes.js';
import { errorLine } from '../cli-errors.js';
import { tableLines, type TableCells } from '../table.js';

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
 * Every node of the map with its status (a node that does not answer is reported unreachable; a
 * refused token is the caller's problem, not the node's: it is thrown).
 */
export async function clusterReports(client: Client, map: ClusterMapJson): Promise<NodeReport[]> {
  return Promise.all(
    clusterNodes(map).map(async (node): Promise<NodeReport> => {
      const report = nodeReport(map, node);
      try {
        return { ...report, status: await client.nodeStatus(report.publicUrl) };
      } catch (error) {
        if (error instanceof ApiError && (error.status === 401 || error.status === 403))
          throw error;
        return { ...report, state: 'unreachable', error: errorLine(error) };
      }
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
  return tableLines(clusterCells(nodes));
}

export function clusterCells(nodes: readonly NodeReport[]): TableCells {
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
  return { columns, rows };
}
