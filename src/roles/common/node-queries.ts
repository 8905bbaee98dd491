// Answers to `GET /v1/daemon?what=` / `GET /v1/cluster?what=` that every node gives the same way.
import { StoreError, badRequest, notImplemented } from '../../errors/index.js';
import {
  What,
  type MountpathCapacityJson,
  type MountpathListJson,
  type NodeStatusJson,
} from '../../wire/index.js';
import { answerLogQuery } from './node-log.js';
import type { NodeRuntime } from './node-runtime.js';

export const softwareVersion = '0.1.0';

/** Role-specific answers a node may add (targets: capacity and mountpaths). */
export interface RoleQueryExtras {
  capacity?: () => Promise<MountpathCapacityJson[]>;
  mountpaths?: () => MountpathListJson;
}

/** AIStore `what=` values Cairn knows of but does not answer yet (501 rather than 400). */
const knownButNotImplemented = new Set<string>([
  What.nodeStats,
  What.disk,
  What.sysinfo,
  What.targetIps,
  What.backends,
  What.remote,
  'metrics',
  'smapvote',
  'status',
  'status_all',
  'getxstats',
  'qryxstats',
  'running_all',
]);

export async function answerNodeQuery(
  runtime: NodeRuntime,
  what: string,
  extras: RoleQueryExtras,
  query: URLSearchParams,
): Promise<unknown> {
  const { store } = runtime;
  switch (what) {
    case What.log:
      return answerLogQuery(runtime.logFiles, query);
    case What.smap: {
      const map = store.clusterMap;
      if (map === undefined)
        throw new StoreError('ClusterNotReady', 'this node has no cluster map yet');
      return map.toJson();
    }
    case What.bmd: {
      const bmd = store.bucketMetadata;
      if (bmd === undefined)
        throw new StoreError('ClusterNotReady', 'this node has no bucket metadata yet');
      return bmd.toJson();
    }
    case What.config:
    case What.clusterConfig:
      return { ...store.config.values, version: String(store.config.version) };
    case What.snode:
      return runtime.selfJson();
    case What.rebalanceMetadata:
      return store.rebalance?.toJson() ?? null;
    case What.softwareVersion:
      return softwareVersion;
    case What.nodeStatus:
      return {
        node: runtime.selfJson(),
        smap_version: String(store.clusterMap?.version ?? 0),
        uptime_ms: Date.now() - runtime.startedAtMs,
        capacity: extras.capacity === undefined ? [] : await extras.capacity(),
        software_version: softwareVersion,
        memory: memoryUsage(),
      } satisfies NodeStatusJson;
    case What.mountpaths:
      if (extras.mountpaths === undefined)
        throw badRequest('what=mountpaths: this node is not a target');
      return extras.mountpaths();
    default:
      if (knownButNotImplemented.has(what)) throw notImplemented(`query what=${what}`);
      throw badRequest(`invalid query what=${what}`);
  }
}

function memoryUsage(): NodeStatusJson['memory'] {
  const usage = process.memoryUsage();
  return {
    rss_bytes: usage.rss,
    heap_used_bytes: usage.heapUsed,
    external_bytes: usage.external,
    array_buffers_bytes: usage.arrayBuffers,
  };
}
