// Rebalance metadata (RMD) on the wire: the cluster-wide rebalance generation. Every new version
// is one global rebalance, whose job ID is `g<version>` on every target (AIStore's `core/meta/rmd.go`).

export interface RebalanceMetadataJson {
  /** The rebalance generation; AIStore sends it as a bare integer. */
  version: number;
  cluster_uuid: string;
  /** The targets that take part: every target in the cluster map it was made for. */
  target_ids: string[];
  /** The cluster map version this rebalance moves objects to (string, like Smap versions). */
  cluster_map_version: string;
}

/** The job ID of the rebalance of generation `version`. */
export function rebalanceJobId(version: number): string {
  return `g${version}`;
}

/** The generation of a rebalance job ID (`g12` → 12), or undefined for other IDs. */
export function rebalanceVersionOf(jobId: string): number | undefined {
  return /^g\d+$/.test(jobId) ? Number(jobId.slice(1)) : undefined;
}
