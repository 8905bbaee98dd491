// Whether a starting gateway leads or joins. A gateway whose persisted map names it primary first
// asks the other nodes: if the cluster elected another primary meanwhile, it joins that one as a
// member instead of publishing its stale map (a restarted old primary never takes over again).
import { discoverNewestMap } from '../../cluster/index.js';
import type { NodeRuntime } from '../common/node-runtime.js';

export type StartupRole = 'primary' | 'member';

export async function decideStartupRole(runtime: NodeRuntime): Promise<StartupRole> {
  const { primaryUrl } = runtime.config;
  const map = runtime.store.clusterMap;
  const configuredSelf = primaryUrl !== undefined && primaryUrl === runtime.self.publicUrl;
  if (map === undefined) return primaryUrl === undefined || configuredSelf ? 'primary' : 'member';
  const peers = map.allNodes().filter((node) => node.id !== runtime.id);
  const timeoutMs = Math.min(2000, runtime.store.config.values.timeouts.control_ms);
  const newest = await discoverNewestMap(runtime.client, peers, map.uuid, timeoutMs);
  if (newest !== undefined && newest.version > map.version && newest.primaryId !== runtime.id) {
    runtime.log.info('the cluster has another primary now: joining it', {
      primary: newest.primaryId,
      version: newest.version,
    });
    await runtime.store.accept({ clusterMap: newest });
    return 'member';
  }
  if (map.primaryId === runtime.id || map.primary === undefined) return 'primary';
  // A --primary-url naming this gateway makes it primary only when no peer knows better.
  return configuredSelf && newest === undefined ? 'primary' : 'member';
}
