// A node's stats and status in AIStore's shapes: `node_stats` (identity, request counters,
// capacity), `node_status` (that plus state, versions, memory and CPU) and `metrics` (the metric
// names with their kinds). The counters come from the node's RequestStats.
import { freemem, loadavg, totalmem } from 'node:os';
import { metricKinds } from '../../api/common/index.js';
import {
  NodeFlag,
  type MemoryCpuJson,
  type MountpathCapacityJson,
  type NodeStatsJson,
  type NodeStatusJson,
  type TargetCapacityJson,
} from '../../wire/index.js';
import type { NodeRuntime } from './node-runtime.js';

export const softwareVersion = '0.1.0';

/** `what=node_stats`. */
export function nodeStats(
  runtime: NodeRuntime,
  capacity: readonly MountpathCapacityJson[],
): NodeStatsJson {
  return {
    snode: runtime.selfJson(),
    tracker: runtime.stats.tracker(),
    capacity: targetCapacity(capacity),
  };
}

/** `what=node_status`. */
export function nodeStatus(
  runtime: NodeRuntime,
  capacity: readonly MountpathCapacityJson[],
): NodeStatusJson {
  const flags = runtime.store.clusterMap?.node(runtime.id)?.flags ?? 0;
  const usage = process.memoryUsage();
  return {
    ...nodeStats(runtime, capacity),
    status:
      (flags & NodeFlag.decommission) !== 0
        ? 'decommission'
        : (flags & NodeFlag.maintenance) !== 0
          ? 'maintenance'
          : '',
    deployment: 'cairn',
    ais_version: softwareVersion,
    build_time: '',
    k8s_pod_name: '',
    cluster: { flags: 0 },
    sys_info: memoryCpu(runtime),
    smap_version: String(runtime.store.clusterMap?.version ?? 0),
    uptime_ms: Date.now() - runtime.startedAtMs,
    software_version: softwareVersion,
    mountpath_capacity: [...capacity],
    memory: {
      rss_bytes: usage.rss,
      heap_used_bytes: usage.heapUsed,
      external_bytes: usage.external,
      array_buffers_bytes: usage.arrayBuffers,
    },
  };
}

/** `what=metrics`: every metric name with its kind (AIStore `GetMetricNames`). */
export function metricNames(): Record<string, string> {
  return { ...metricKinds };
}

/**
 * AIStore's capacity report: per mountpath, and totals over file systems (mountpaths sharing one
 * count it once).
 */
export function targetCapacity(capacity: readonly MountpathCapacityJson[]): TargetCapacityJson {
  const percent = (used: number, total: number): number =>
    total === 0 ? 0 : Math.round((used * 100) / total);
  const mountpaths: TargetCapacityJson['mountpaths'] = {};
  for (const entry of capacity) {
    mountpaths[entry.mountpath] = {
      used: String(entry.used_bytes),
      avail: String(entry.available_bytes),
      pct_used: percent(entry.used_bytes, entry.total_bytes),
      disks: [],
      mountpath_label: '',
      fs: { fs: entry.filesystem, fs_type: '', fs_id: [0, 0] },
    };
  }
  const filesystems = [...new Map(capacity.map((entry) => [entry.filesystem, entry])).values()];
  const used = filesystems.reduce((sum, entry) => sum + entry.used_bytes, 0);
  const available = filesystems.reduce((sum, entry) => sum + entry.available_bytes, 0);
  const percents = capacity.map((entry) => percent(entry.used_bytes, entry.total_bytes));
  return {
    mountpaths,
    cs_err: '',
    total_used: String(used),
    total_avail: String(available),
    pct_max: percents.length === 0 ? 0 : Math.max(...percents),
    pct_avg:
      percents.length === 0
        ? 0
        : Math.round(percents.reduce((sum, item) => sum + item, 0) / percents.length),
    pct_min: percents.length === 0 ? 0 : Math.min(...percents),
  };
}

/**
 * Process memory against the machine's, CPU time over the node's life, and the load average
 * (AIStore's MemCPUInfo: `sys_info` of node_status, and a node's answer to `what=sysinfo`).
 */
export function memoryCpu(runtime: NodeRuntime): MemoryCpuJson {
  const rss = process.memoryUsage().rss;
  const cpu = process.cpuUsage();
  const elapsedUs = Math.max(1, (Date.now() - runtime.startedAtMs) * 1000);
  const [one = 0, five = 0, fifteen = 0] = loadavg();
  return {
    mem_used: rss,
    mem_avail: freemem(),
    pct_mem_used: (rss * 100) / totalmem(),
    pct_cpu_used: ((cpu.user + cpu.system) * 100) / elapsedUs,
    load_avg: { one, five, fifteen },
  };
}
