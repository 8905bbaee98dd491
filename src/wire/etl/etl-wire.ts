// ETL on the wire (AIStore's `ext/etl/api.go`, `api/etl.go`): the init message, the answers of the
// control API (`/v1/etl`), the ETL metadata entry, and the transformer-facing names (headers, env).

/** Stages an ETL goes through (`GET /v1/etl` reports one per ETL). */
export const EtlStage = {
  initializing: 'Initializing',
  running: 'Running',
  aborted: 'Aborted',
  unknown: 'Unknown',
} as const;
export type EtlStageName = (typeof EtlStage)[keyof typeof EtlStage];

/** `{name, value}`: an environment entry of the init message (Kubernetes' EnvVar shape). */
export interface EtlEnvJson {
  name: string;
  value: string;
}

/**
 * ETLSpecMsg as Cairn stores it (`init_msg` of the details answer): durations stay Go duration
 * strings, `communication` carries its `://` suffix.
 */
export interface EtlInitMsgJson {
  name: string;
  communication: string;
  init_timeout: string;
  obj_timeout: string;
  support_direct_put: boolean;
  env?: EtlEnvJson[];
  runtime: { image?: string; command?: string[]; env?: EtlEnvJson[] };
}

/** One ETL in the ETL metadata (cluster-wide, versioned, synced by the primary). */
export interface EtlEntryJson {
  init_msg: EtlInitMsgJson;
  stage: EtlStageName;
  /** The `etl-<id>` returned by init (and by each start). */
  xaction_id: string;
  /** The per-ETL bearer token in `AIS_TARGET_URL`'s path. */
  secret: string;
  /** Why the ETL was aborted (init failure, crash loop, stop), if it was. */
  reason?: string;
}

/** ETL metadata on the wire (metasync tag `EtlMD`). */
export interface EtlMetadataJson {
  version: string;
  cluster_uuid: string;
  etls: Record<string, EtlEntryJson>;
}

/** `GET /v1/etl`: one per ETL. */
export interface EtlListEntryJson {
  id: string;
  stage: EtlStageName;
  xaction_id: string;
  obj_count: number;
  in_bytes: number;
  out_bytes: number;
}

export interface EtlObjErrorJson {
  obj_name: string;
  msg: string;
  ecode: number;
}

/** `GET /v1/etl/<name>`. */
export interface EtlDetailsJson {
  init_msg: EtlInitMsgJson;
  obj_errors: EtlObjErrorJson[];
}

export interface EtlLogsJson {
  target_id: string;
  /** Base64 of the transformer's captured stdout and stderr. */
  logs: string;
}

export interface EtlHealthJson {
  target_id: string;
  health_status: string;
}

export interface EtlMetricsJson {
  target_id: string;
  /** CPU seconds used by the transformer's processes. */
  cpu: number;
  /** Resident memory of the transformer's processes, bytes. */
  mem: number;
}

/** A target's own view of one ETL (intra-cluster: gateways aggregate these). */
export interface EtlNodeStatusJson {
  name: string;
  /** `Running`, `Starting`, or `Failed: <why>`. */
  health: string;
  obj_count: number;
  in_bytes: number;
  out_bytes: number;
  obj_errors: EtlObjErrorJson[];
}

/** Path segments under `/v1/etl/`. */
export const EtlPath = {
  logs: 'logs',
  health: 'health',
  metrics: 'metrics',
  stop: 'stop',
  start: 'start',
  /** The object endpoint transformers read from and write to (`AIS_TARGET_URL`). */
  object: '_object',
  /** Intra-cluster: a target's status of its transformers (gateways gather it). */
  node: '_node',
} as const;

/** Headers between a target and its transformers. */
export const EtlHeader = {
  /** Pipeline and direct-put destinations, comma-separated. */
  nodeUrl: 'ais-node-url',
  retryReason: 'ais-etl-retry-reason',
  directPutLength: 'ais-direct-put-length',
} as const;

/** The `Ais-Etl-Retry-Reason` value asking for a replay. */
export const etlRetryDirectPutTransient = 'direct-put-transient';

/** ETL names: 6-32 of `[a-z0-9-]`, alphanumeric first and last (AIStore and its Python SDK). */
export const etlNamePattern = /^[a-z0-9][a-z0-9-]{4,30}[a-z0-9]$/;
