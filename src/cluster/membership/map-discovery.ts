// Finding the cluster's current map by asking peers: used when the primary stops answering (an
// election may have moved it) and by a restarting primary before it dares to lead again.
import type { IntraClient } from '../../transport/index.js';
import { apiPath, Query, Resource, What, type ClusterMapJson } from '../../wire/index.js';
import { ClusterMap, type ClusterNode } from '../metadata/cluster-map.js';

/** Peers asked at the same time. */
const maxConcurrentQueries = 16;

/**
 * Asks every node in `peers` for its cluster map (bounded by `timeoutMs` each) and returns the
 * newest one of cluster `uuid`, or undefined when no peer answered with one.
 */
export async function discoverNewestMap(
  client: IntraClient,
  peers: readonly ClusterNode[],
  uuid: string,
  timeoutMs: number,
): Promise<ClusterMap | undefined> {
  let newest: ClusterMap | undefined;
  const queue = [...peers];
  const worker = async (): Promise<void> => {
    for (let peer = queue.shift(); peer !== undefined; peer = queue.shift()) {
      const map = await fetchClusterMap(client, peer.intraUrl, timeoutMs);
      if (map !== undefined && map.uuid === uuid && map.version > (newest?.version ?? 0)) {
        newest = map;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(maxConcurrentQueries, queue.length) }, worker));
  return newest;
}

/** One node's cluster map, or undefined when it cannot be reached or has none. */
export async function fetchClusterMap(
  client: IntraClient,
  baseUrl: string,
  timeoutMs: number,
): Promise<ClusterMap | undefined> {
  try {
    const json = await client.requestJson(
      `${baseUrl}${apiPath(Resource.daemon)}?${Query.what}=${What.smap}`,
      { method: 'GET', timeoutMs },
    );
    return ClusterMap.fromJson(json as ClusterMapJson);
  } catch {
    return undefined;
  }
}
