// Query parameter names of the native API (AIStore's `api/apc/query.go` spellings).

export const Query = {
  provider: 'provider',
  namespace: 'namespace',
  what: 'what',
  props: 'props',
  uuid: 'uuid',
  presence: 'presence',
  silent: 'sln',
  setNewCustom: 'set-new-custom',
  validateChecksum: 'validate-checksum',
  /** Set by a gateway when it redirects: the gateway's node ID. */
  redirectProxyId: 'pid',
  /** Set by a gateway when it redirects: redirect time, Unix nanoseconds in base 36. */
  redirectTime: 'utm',
  /** Set by the redirecting node: the version of the cluster map it chose the target with. */
  redirectMapVersion: 'vpams',
  /**
   * Cairn: set by a gateway that found an object's owner unreachable and sent the read to the next
   * target instead: the unreachable owner's ID. That target serves the read (see substitute reads).
   */
  substituteFor: 'x-cairn-substitute-for',
  readiness: 'prr',
  /** Cairn: `GET /v1/health?live=true` answers 200 whenever the process serves (liveness). */
  live: 'live',
  force: 'frc',
} as const;

/** Values of `what=` for cluster and node queries. */
export const What = {
  smap: 'smap',
  bmd: 'bmd',
  config: 'config',
  clusterConfig: 'cluster_config',
  nodeStats: 'node_stats',
  nodeStatus: 'node_status',
  softwareVersion: 'software_version',
  mountpaths: 'mountpaths',
  disk: 'disk',
  snode: 'snode',
  targetIps: 'target_ips',
  sysinfo: 'sysinfo',
  backends: 'backends',
  remote: 'remote',
  /** Rebalance metadata (Cairn): the latest rebalance generation and its job ID `g<N>`. */
  rebalanceMetadata: 'rmd',
} as const;
