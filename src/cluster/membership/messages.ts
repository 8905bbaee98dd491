// Bodies of the membership requests between nodes and the primary.
import type { NodeJson } from '../../wire/index.js';

/** `POST /v1/cluster/autoreg`: a node announces itself. The answer is the full metadata bundle. */
export interface RegisterRequestJson {
  node: NodeJson;
}

/** `POST /v1/cluster/keepalive`: a node reports it is alive and which versions it holds. */
export interface KeepaliveRequestJson {
  id: string;
  smap_version: string;
  bmd_version: string;
  config_version: string;
  /** Absent from nodes that predate rebalance metadata. */
  rmd_version?: string;
  /** Absent from nodes that predate ETL metadata. */
  etl_version?: string;
}
