// Answers to `GET /v1/daemon?what=` / `GET /v1/cluster?what=` that every node gives the same way.
import { shownClusterConfig } from '../../config/index.js';
import { StoreError, badRequest, notImplemented } from '../../errors/index.js';
import {
  What,
  type DiskStatsJson,
  type MountpathCapacityJson,
  type MountpathListJson,
  type NodeAlertJson,
} from '../../wire/index.js';
import { answerLogQuery } from './node-log.js';
import { certificateInfo } from './tls/certificate-routes.js';
import type { NodeRuntime } from './node-runtime.js';
import {
  memoryCpu,
  metricNames,
  nodeStats,
  nodeStatus,
  softwareVersion,
  targetCapacity,
} from './node-stats.js';

export { softwareVersion } from './node-stats.js';

/** Role-specific answers a node may add (targets: capacity and mountpaths). */
export interface RoleQueryExtras {
  capacity?: () => Promise<MountpathCapacityJson[]>;
  mountpaths?: () => MountpathListJson;
  alerts?: () => NodeAlertJson[];
  /** The rates of the disks under these mountpaths, by disk name (`what=disk`). */
  diskStats?: (capacity: readonly MountpathCapacityJson[]) => Record<string, DiskStatsJson>;
}

/** AIStore `what=` values Cairn knows of but does not answer yet (501 rather than 400). */
const knownButNotImplemented = new Set<string>([
  What.targetIps,
  What.backends,
  What.remote,
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
  const capacity = async (): Promise<MountpathCapacityJson[]> =>
    extras.capacity === undefined ? [] : await extras.capacity();
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
      return { ...shownClusterConfig(store.config.values), version: String(store.config.version) };
    case What.snode:
      return runtime.selfJson();
    case What.rebalanceMetadata:
      return store.rebalance?.toJson() ?? null;
    case What.softwareVersion:
      return softwareVersion;
    case What.nodeStatus:
      return { ...nodeStatus(runtime, await capacity()), alerts: extras.alerts?.() ?? [] };
    case What.nodeStats:
      return nodeStats(runtime, await capacity());
    case What.metrics:
      return metricNames();
    case What.sysinfo:
      return memoryCpu(runtime);
    case What.tlsCertificate:
      return certificateInfo(runtime);
    case What.disk: {
      if (extras.diskStats === undefined) throw badRequest('what=disk: this node is not a target');
      const entries = await capacity();
      return { AllDiskStats: extras.diskStats(entries), ...targetCapacity(entries) };
    }
    case What.mountpaths:
      if (extras.mountpaths === undefined)
        throw badRequest('what=mountpaths: this node is not a target');
      return extras.mountpaths();
    default:
      if (knownButNotImplemented.has(what)) throw notImplemented(`query what=${what}`);
      throw badRequest(`invalid query what=${what}`);
  }
}
