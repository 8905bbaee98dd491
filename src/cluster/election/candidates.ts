// Who may lead after the primary fails: electable gateways ordered by their raw ID digest, highest
// first (AIStore's `HrwProxy`: no mixing, the failed primary, non-electable and maintenance nodes
// skipped). Every gateway computes the same order from the same map.
import { NodeFlag } from '../../wire/index.js';
import { isInMaintenance, type ClusterMap, type ClusterNode } from '../metadata/cluster-map.js';

/** Electable gateways of `map` except `excludedId`, best candidate first. */
export function electionCandidates(map: ClusterMap, excludedId: string): ClusterNode[] {
  return [...map.proxies.values()]
    .filter(
      (node) =>
        node.id !== excludedId &&
        (node.flags & NodeFlag.nonElectable) === 0 &&
        !isInMaintenance(node),
    )
    .sort((left, right) =>
      left.digest === right.digest ? 0 : left.digest > right.digest ? -1 : 1,
    );
}

/** Votes needed to win: a strict majority of the gateways in the map (the failed primary counts). */
export function votesNeeded(map: ClusterMap): number {
  return Math.floor(map.proxies.size / 2) + 1;
}
