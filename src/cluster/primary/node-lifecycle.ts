// Node lifecycle transitions the primary applies to the cluster map: maintenance on and off,
// decommission, removal. Pure functions of the map, so the rules are checked in one place.
import { StoreError } from '../../errors/index.js';
import { NodeFlag } from '../../wire/index.js';
import type { ClusterMap, ClusterNode } from '../metadata/cluster-map.js';

/** Options of `start-maintenance` and `decommission-node` (AIStore's ActValRmNode). */
export interface RemoveNodeOptions {
  /** Change the map without moving objects (AIStore `skip_rebalance`). */
  skipRebalance?: boolean;
}

function existingNode(map: ClusterMap, id: string, selfId: string): ClusterNode {
  const node = map.node(id);
  if (node === undefined)
    throw new StoreError('NodeNotFound', `node "${id}" is not in the cluster map`);
  if (id === selfId || id === map.primaryId) {
    throw new StoreError(
      'BadRequest',
      `node "${id}" is the primary gateway; make another gateway primary first`,
    );
  }
  return node;
}

/** Puts a node in maintenance: it stays in the map but owns no objects. */
export function withMaintenance(map: ClusterMap, id: string, selfId: string): ClusterMap {
  const node = existingNode(map, id, selfId);
  if ((node.flags & NodeFlag.decommission) !== 0)
    throw new StoreError('Conflict', `node "${id}" is being decommissioned`);
  if ((node.flags & NodeFlag.maintenance) !== 0) return map;
  return map.withNodeFlags(id, node.flags | NodeFlag.maintenance);
}

/** Takes a node out of maintenance (back into placement). */
export function withoutMaintenance(map: ClusterMap, id: string, selfId: string): ClusterMap {
  const node = existingNode(map, id, selfId);
  if ((node.flags & NodeFlag.decommission) !== 0)
    throw new StoreError('Conflict', `node "${id}" is being decommissioned`);
  if ((node.flags & NodeFlag.maintenance) === 0)
    throw new StoreError('BadRequest', `node "${id}" is not in maintenance`);
  return map.withNodeFlags(id, node.flags & ~NodeFlag.maintenance);
}

/** Marks a node for decommission: it owns no objects and leaves once they have moved away. */
export function withDecommission(map: ClusterMap, id: string, selfId: string): ClusterMap {
  const node = existingNode(map, id, selfId);
  if ((node.flags & NodeFlag.decommission) !== 0) return map;
  return map.withNodeFlags(id, node.flags | NodeFlag.decommission);
}

/** Removes a node from the map at once (AIStore `rm-unsafe`): its objects are not moved. */
export function withoutMember(map: ClusterMap, id: string, selfId: string): ClusterMap {
  existingNode(map, id, selfId);
  return map.withoutNode(id);
}

/** IDs of the nodes waiting to leave after a decommission. */
export function decommissionedNodes(map: ClusterMap): ClusterNode[] {
  return map.allNodes().filter((node) => (node.flags & NodeFlag.decommission) !== 0);
}
