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
}

/** `GET /v1/daemon?what=mountpaths` (AIStore's `apc.MountpathList`). */
export interface MountpathListJson {
  available: string[];
  waiting_dd: string[];
  disabled: string[];
}
