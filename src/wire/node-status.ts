// Per-node status and stats (`GET /v1/daemon?what=node_status|node_stats|metrics`) in AIStore's
// shapes (`stats.NodeStatus`, `stats.Node`, `fs.Tcdf`, `apc.MemCPUInfo`), plus Cairn's own fields.
import type { NodeJson } from './cluster-map.js';

/** Cairn: one mountpath's file system, as `cairn show cluster` prints it. */
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

/** AIStore's tracker: metric name (`get.n`, `put.size`, ...) → `{"v": "<int64 as a string>"}`. */
export type StatsTrackerJson = Record<string, { v: string }>;

/** One mountpath in AIStore's capacity report (`fs.CDF`); sizes are decimal strings. */
export interface MountpathUsageJson {
  used: string;
  avail: string;
  pct_used: number;
  disks: string[];
  mountpath_label: string;
  /** `fs`: Cairn reports the file system's device ID there. */
  fs: { fs: string; fs_type: string; fs_id: [number, number] };
}

/** A target's capacity (`fs.Tcdf`); gateways report it empty. */
export interface TargetCapacityJson {
  mountpaths: Record<string, MountpathUsageJson>;
  cs_err: string;
  total_used: string;
  total_avail: string;
  pct_max: number;
  pct_avg: number;
  pct_min: number;
}

/**
 * One disk's activity over the target's last `periodic.stats_time_ms` (AIStore `cos.DiskStats`):
 * bytes read and written per second, average read and write sizes in bytes, utilization in %.
 */
export interface DiskStatsJson {
  RBps: number;
  Ravg: number;
  WBps: number;
  Wavg: number;
  Util: number;
}

/**
 * `what=disk` on a target (AIStore `fs.TcdfExt`, `apc.WhatDiskRWUtilCap`): the rates of the disks
 * under its mountpaths by disk name (none before its second reading), and its capacity.
 */
export interface TargetDiskStatsJson extends TargetCapacityJson {
  AllDiskStats: Record<string, DiskStatsJson>;
}

/** `what=node_stats` (AIStore `stats.Node`). */
export interface NodeStatsJson {
  snode: NodeJson;
  tracker: StatsTrackerJson;
  capacity: TargetCapacityJson;
}

/** Process memory and CPU (`apc.MemCPUInfo`). */
export interface MemoryCpuJson {
  mem_used: number;
  mem_avail: number;
  pct_mem_used: number;
  pct_cpu_used: number;
  load_avg: { one: number; five: number; fifteen: number };
}

/** `what=node_status` (AIStore `stats.NodeStatus`), with Cairn's fields after AIStore's. */
export interface NodeStatusJson extends NodeStatsJson {
  /** '' when in service, else `maintenance` or `decommission`. */
  status: string;
  deployment: string;
  ais_version: string;
  build_time: string;
  k8s_pod_name: string;
  cluster: { flags: number };
  sys_info: MemoryCpuJson;
  /** The cluster map version this node holds, as a string. */
  smap_version: string;
  uptime_ms: number;
  software_version: string;
  /** Targets only; empty for gateways. */
  mountpath_capacity: MountpathCapacityJson[];
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

/** `GET /v1/daemon?what=tls_certificate`, and each node's answer to `load-x509`. */
export interface TlsCertificateJson {
  /** The certificate file the node serves. */
  file: string;
  subject: string;
  issuer: string;
  /** e.g. `DNS:localhost, IP Address:127.0.0.1`. */
  subject_alt_name: string;
  /** As OpenSSL prints them, e.g. `Dec  2 15:00:00 2026 GMT`. */
  valid_from: string;
  valid_to: string;
  fingerprint256: string;
  serial_number: string;
}
