// A primary cut off from the network keeps its own map while the others elect a new primary and
// drop it; when the network heals nobody pushes anything to it, and two primaries would go on.
// So a primary remembers the nodes it dropped for silence and keeps asking them for their map: one
// of the same cluster naming another primary at a higher version means this one was replaced.
import type { IntraClient } from '../../transport/index.js';
import type { ClusterMap, ClusterNode } from '../metadata/cluster-map.js';
import { discoverNewestMap } from '../membership/map-discovery.js';

/** How long a dropped node is asked: past this, a replacement would long have been noticed. */
const rememberMs = 10 * 60_000;

export class DepartedPeers {
  readonly #nodes = new Map<string, { node: ClusterNode; droppedAtMs: number }>();

  remember(node: ClusterNode, nowMs: number): void {
    this.#nodes.set(node.id, { node, droppedAtMs: nowMs });
  }

  /** The node is back (it registered again). */
  forget(id: string): void {
    this.#nodes.delete(id);
  }

  /** The newer map of another primary that a dropped node holds, if any (bounded by timeoutMs). */
  async rivalMap(
    client: IntraClient,
    current: ClusterMap,
    selfId: string,
    nowMs: number,
    timeoutMs: number,
  ): Promise<ClusterMap | undefined> {
    for (const [id, entry] of this.#nodes)
      if (nowMs - entry.droppedAtMs > rememberMs) this.#nodes.delete(id);
    if (this.#nodes.size === 0) return undefined;
    const peers = [...this.#nodes.values()].map((entry) => entry.node);
    const newest = await discoverNewestMap(client, peers, current.uuid, timeoutMs);
    if (newest === undefined || newest.primaryId === selfId) return undefined;
    return newest.version > current.version ? newest : undefined;
  }
}
