// Cluster map (Smap) and node (Snode) JSON, as AIStore sends them (`core/meta/smap.go`).

export const NodeRole = { proxy: 'proxy', target: 'target' } as const;
export type NodeRoleName = (typeof NodeRole)[keyof typeof NodeRole];

/** Bits of `Snode.flags`. */
export const NodeFlag = {
  nonElectable: 1 << 0,
  informationCenter: 1 << 1,
  maintenance: 1 << 2,
  decommission: 1 << 3,
  maintenancePostRebalance: 1 << 4,
} as const;

export interface NetInfoJson {
  node_ip_addr: string;
  daemon_port: string;
  direct_url: string;
}

export interface NodeJson {
  daemon_id: string;
  daemon_type: NodeRoleName;
  public_net: NetInfoJson;
  intra_control_net: NetInfoJson;
  intra_data_net: NetInfoJson;
  flags: number;
  /** XXH64(daemon_id, seed): a bare uint64, may exceed 2^53 (serialised exactly, see json-bigint). */
  id_digest: bigint;
}

export interface ClusterMapJson {
  tmap: Record<string, NodeJson>;
  pmap: Record<string, NodeJson>;
  proxy_si: NodeJson | null;
  uuid: string;
  creation_time: string;
  /** Integer as a string, monotonically increasing. */
  version: string;
}

/** One attached remote AIS cluster in `GET /v1/cluster?what=remote` (AIStore's `RemAis`). */
export interface RemoteClusterJson {
  url: string;
  alias: string;
  uuid: string;
  /** Its current map; absent when it did not answer. */
  smap?: ClusterMapJson;
}

/** `GET /v1/cluster?what=remote` (AIStore's `RemAisVec`); `ver`: the cluster config's version. */
export interface RemoteClustersJson {
  a: RemoteClusterJson[];
  ver: number;
}
