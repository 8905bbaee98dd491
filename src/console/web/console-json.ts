// What the web console's JSON routes (`/console/api/...`) answer: the gateway builds these with the
// CLI's views (the same rows and cells as `cairn show ...`), the page only lays them out. Types only,
// shared by the gateway and the page.

/** A table's columns and cells, as the CLI prints them. */
export interface Cells {
  columns: { header: string; alignRight?: boolean }[];
  rows: string[][];
}

/** `api/cluster`: the cluster map, every node (`show cluster`), disks and capacity (`show disk`). */
export interface ClusterAnswer {
  uuid: string;
  version: string;
  primary: string;
  nodes: Cells;
  disks: Cells;
  /** One per mountpath, in the order of `disks`' rows: what its capacity bar shows. */
  diskBars: { target: string; mountpath: string; state: string; usedPercent: number }[];
  capacity: Cells;
  /** Node IDs, for the log view's choice. */
  nodeIds: string[];
  /** Whether the admin actions are offered (auth is on; the gateway checks each token). */
  adminActions: boolean;
}

/** `api/buckets`: every bucket with its object count and sizes (`ls --summary`). */
export interface BucketsAnswer {
  buckets: Cells;
}

/** `api/objects?bucket=&provider=&prefix=&token=&uuid=`: one page of a bucket's listing (`ls`). */
export interface ObjectsAnswer {
  bucket: string;
  objects: Cells;
  /** The continuation token of the next page; '' on the last one. */
  next: string;
  /** The listing session the next page belongs to. */
  uuid: string;
}

/** `api/jobs`: jobs with their progress over the targets (`show job`). */
export interface JobsAnswer {
  jobs: Cells;
  /** One per job, in the order of `jobs`' rows: what its progress bar shows. */
  progress: { id: string; state: string; targets: number; targetsDone: number }[];
  adminActions: boolean;
}

/**
 * `POST api/jobs/stop?id=`, `api/nodes/maintenance|activate|decommission?node=`: the CLI's admin
 * actions, only with auth on and a token (403 / 401 otherwise).
 */
export interface ActionAnswer {
  done: string;
}

/** Cluster-wide figures of one interval between two samples, for the charts. */
export interface PerformancePoint {
  /** End of the interval, milliseconds since the epoch. */
  atMs: number;
  getsPerSecond: number;
  putsPerSecond: number;
  getBytesPerSecond: number;
  putBytesPerSecond: number;
  /** Mean latency of the interval's requests; null when there were none. */
  getMs: number | null;
  putMs: number | null;
}

/** `api/performance`: throughput and latency per target (`show performance ...`) and their history. */
export interface PerformanceAnswer {
  /** Null until the gateway has two samples to take an interval from. */
  throughput: Cells | null;
  latency: Cells | null;
  history: PerformancePoint[];
}

/** `api/log?node=&severity=`: the last 500 lines of a node's log (`log get --tail 500`). */
export interface LogAnswer {
  node: string;
  lines: string[];
}

/** Any error: the native API's error body (at least these fields). */
export interface ErrorAnswer {
  message: string;
  status: number;
}
