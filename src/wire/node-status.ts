// Per-node status (`GET /v1/daemon?what=node_status`): identity, state and, for targets, capacity.
import type { NodeJson } from './cluster-map.js';

export interface MountpathCapacityJson {
  mountpath: string;
  /** The file system's device ID; mountpaths that share a file system report the same sizes. */
  filesystem: string;
  enabled: boolean;
  total_bytes: number;
  used_bytes: number;
  available_bytes: number;
}

/** Something an operator must look at (targets: a mountpath disabled because its disk failed). */
export interface NodeAlertJson {
  kind: 'disk-fault';
  /** The mountpath concerned. */
  mountpath: string;
  message: string;
  /** When it was raised, RFC 3339. */
  time: string;
}

export interface NodeStatusJson {
  node: NodeJson;
  /** The cluster map version this node holds, as a string. */
  smap_version: string;
  uptime_ms: number;
  /** Targets only; empty for proxies. */
  capacity: MountpathCapacityJson[];
  software_version: string;
  /** Process memory (Node's `process.memoryUsage()`), in bytes. */
  memory: {
    rss_bytes: number;
    heap_used_bytes: number;
    external_bytes: number;
    array_buffers_bytes: number;
  };
  /** Alerts raised since the node started, oldest first (absent from older nodes). */
  alerts?: NodeAlertJson[];
}

/** `GET /v1/daemon?what=mountpaths` (AIStore's `apc.MountpathList`). */
export interface MountpathListJson {
  available: string[];
  waiting_dd: string[];
  disabled: string[];
}
