// `/v1/reverse/daemon[/...]` on a gateway: the request goes to the node named by `Ais-Node-Id` as
// `/v1/daemon[/...]` and its answer streams back unchanged (AIStore's SDK reads a node's log and
// status this way). Queries (GET) go to the node's intra-cluster port; anything else to its public
// port, so that the node's own public rules apply (a node action is refused there as it would be
// if sent directly).
import type { InternalRoute } from '../../api/native/index.js';
import { StoreError, badRequest, isStoreError } from '../../errors/index.js';
import { Header, NodeFlag, Query, What } from '../../wire/index.js';
import { passedHead } from '../../transport/index.js';
import type { NodeRuntime } from './node-runtime.js';

const forwardedMethods: ReadonlySet<string> = new Set(['GET', 'POST', 'PUT', 'DELETE']);

/** Request headers passed on (the rest is hop-by-hop or the gateway's own business). */
const passedRequestHeaders = [Header.contentType, Header.contentLength, Header.accept];

/** Answer headers not passed back (the gateway's own connection handling decides these). */
const hopByHopHeaders: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'date',
]);

export function reverseRoute(runtime: NodeRuntime): InternalRoute {
  return async (context, segments) => {
    if (!(segments[0] ?? '').startsWith('daemon'))
      throw badRequest(`invalid request URI "${context.path}": expecting /v1/reverse/daemon`);
    if (!forwardedMethods.has(context.method)) {
      throw new StoreError(
        'MethodNotAllowed',
        `method ${context.method} is not allowed on /v1/reverse (GET, POST, PUT, DELETE)`,
      );
    }
    const nodeId = String(context.req.headers[Header.nodeId] ?? '');
    if (nodeId === '') throw badRequest(`missing node ID (header ${Header.nodeId})`);
    const map = runtime.store.clusterMap;
    const node = map?.node(nodeId);
    if (map === undefined || node === undefined) {
      throw new StoreError(
        'NodeNotFound',
        `cannot forward request to node "${nodeId}": node ${nodeId} not present in ` +
          `the cluster map (v${map?.version ?? 0})`,
      );
    }
    const origin = context.method === 'GET' ? node.intraUrl : node.publicUrl;
    const path = `${context.path.replace(/^\/v1\/reverse\//, '/v1/')}${context.search}`;
    const headers: string[] = [];
    for (const name of passedRequestHeaders) {
      const value = context.req.headers[name];
      if (typeof value === 'string') headers.push(name, value);
    }
    const hasBody =
      context.req.headers['transfer-encoding'] !== undefined ||
      (context.req.headers['content-length'] ?? '0') !== '0';
    try {
      await runtime.client.proxy(
        {
          origin,
          path,
          method: context.method,
          headers,
          body: hasBody ? context.req : undefined,
          timeoutMs: runtime.store.config.values.timeouts.control_ms * 6,
        },
        context.res,
        (statusCode, answer) => {
          context.res.writeHead(statusCode, passedHead(answer, hopByHopHeaders).headers);
        },
      );
    } catch (error) {
      // AIStore answers for a node out of service itself when the node cannot.
      const outOfService = (node.flags & (NodeFlag.maintenance | NodeFlag.decommission)) !== 0;
      const unreachable = isStoreError(error) && error.code === 'PeerUnreachable';
      if (
        !unreachable ||
        !outOfService ||
        context.res.headersSent ||
        context.query.get(Query.what) !== What.nodeStatus
      )
        throw error;
      const status = (node.flags & NodeFlag.decommission) !== 0 ? 'decommission' : 'maintenance';
      const body = JSON.stringify({ snode: { daemon_id: node.id }, status });
      context.res.writeHead(200, {
        [Header.contentType]: 'application/json',
        [Header.contentLength]: Buffer.byteLength(body),
      });
      context.res.end(body);
    }
  };
}
