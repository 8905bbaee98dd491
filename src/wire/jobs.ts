// Jobs (AIStore "xactions") on the wire: start/stop arguments, queries, per-target snapshots,
// aggregated status. Field names are AIStore's exactly (ArgsMsg has no JSON tags: Go field names).
import type { BucketJson } from './bucket.js';

/** `PUT /v1/cluster {"action":"start"|"stop","value": ArgsMsg}` and `what=status|qryxstats` bodies. */
export interface JobArgsJson {
  ID?: string;
  Kind?: string;
  DaemonID?: string;
  Bck?: BucketJson;
  Buckets?: BucketJson[];
  /** Nanoseconds. */
  Timeout?: number;
  Force?: boolean;
  OnlyRunning?: boolean;
}

/** `what=status_all` / `what=running_all` body (AIStore's QueryMsg). */
export interface JobQueryJson {
  id?: string;
  kind?: string;
  node?: string;
  bck?: BucketJson;
  buckets?: BucketJson[];
  show_active?: boolean;
}

/**
 * Counters of one target's share of a job; decimal strings as AIStore sends them. Kinds may add
 * their own counters (e.g. scrub's `scrub-corrupt`); AIStore clients ignore keys they do not know.
 */
export interface JobStatsJson {
  'loc-objs': string;
  'loc-bytes': string;
  'out-objs': string;
  'out-bytes': string;
  'in-objs': string;
  'in-bytes': string;
  [extra: string]: string;
}

/** One target's view of a job (AIStore's `core.Snap`). */
export interface JobSnapshotJson {
  id: string;
  kind: string;
  bck: BucketJson | null;
  'start-time': string;
  /** RFC 3339; the zero time `0001-01-01T00:00:00Z` while running. */
  'end-time': string;
  'abort-err': string;
  err: string;
  /** What the job was asked to do, or what it found (e.g. `lru`: nothing to evict). */
  ctlmsg?: string;
  stats: JobStatsJson;
  aborted: boolean;
  is_idle: boolean;
}

/** Aggregated job status (AIStore's `nl.Status`). */
export interface JobStatusJson {
  kind: string;
  uuid: string;
  err: string;
  /** Unix nanoseconds; 0 while running. */
  end_time: number;
  aborted: boolean;
  is_idle: boolean;
}

/** `what=qryxstats`: snapshots by target ID. */
export type JobSnapshotsByNodeJson = Record<string, JobSnapshotJson[]>;

export const zeroTime = '0001-01-01T00:00:00Z';

/** Intra-cluster: a gateway asks a target to run its share of a job (`POST /v1/jobs`). */
export interface StartJobRequestJson {
  id: string;
  kind: string;
  bucket?: BucketJson;
  /** Kind-specific arguments (e.g. a ListRange for multi-object jobs). */
  args?: unknown;
  /**
   * A bucket the gateway created for this job (a copy's destination): each target whose share
   * fails or is aborted has the primary destroy it before that share reports its end, so that a
   * client that saw the job end never has a retry's bucket destroyed under it.
   */
  created_bucket?: BucketJson;
  /**
   * The targets the job was started on: each share tells the others when it ends
   * (`ShareEndJson`), and one that leaves the cluster map before its share ended fails the job on
   * the others (its share is lost with it).
   */
  targets?: string[];
}

/** Intra-cluster: a target tells the job's other targets that its share ended (`PUT /v1/jobs`). */
export interface ShareEndJson {
  id: string;
  node: string;
  /** '' when the share finished, else its error (or why it was aborted). */
  error: string;
}

/** Multi-object selection: names, a brace template `shard-{000..999}.tar`, or a prefix. */
export interface ListRangeJson {
  objnames?: string[];
  template?: string;
}

/** Multi-object flags (AIStore's EvdMsg beside the ListRange). */
export interface MultiObjectFlagsJson {
  /** 0 auto, -1 serial, N exactly N workers per target. */
  'num-workers'?: number;
  /** Continue on error: count a failed object and go on. */
  coer?: boolean;
  /** A prefix selects only the objects directly under it. */
  'non-recurs'?: boolean;
}

/** `copy-bck` value (AIStore's TCBMsg); the destination goes in `?bck_to=`. */
export interface CopyBucketMsgJson extends MultiObjectFlagsJson {
  prefix?: string;
  prepend?: string;
  /** Extension remap: `{"jpg": "png"}`. */
  ext?: Record<string, string>;
  dry_run?: boolean;
  force?: boolean;
  'latest-ver'?: boolean;
  synchronize?: boolean;
}

/** `copy-listrange` value (AIStore's TCOMsg): a ListRange and the TCBMsg keys, to `tobck`. */
export interface CopyObjectsMsgJson extends CopyBucketMsgJson, ListRangeJson {
  tobck: BucketJson;
}

/** The transform keys of `etl-bck` and `etl-listrange` values (AIStore's apc.Transform). */
export interface TransformJson {
  /** The ETL's name. */
  id: string;
  /** Further ETLs applied in order. */
  pipeline?: string[] | null;
  /** Per-object timeout, a Go duration (`"5m"`); the ETL's `obj_timeout` when absent. */
  request_timeout?: string;
}

/** `etl-bck` value: a TCBMsg with the transform keys. */
export type TransformBucketMsgJson = CopyBucketMsgJson & TransformJson;

/** `etl-listrange` value: a TCOMsg with the transform keys. */
export type TransformObjectsMsgJson = CopyObjectsMsgJson & TransformJson;

/** `summary-bck` action value, also how HEAD bucket with `bsumm_remote` asks (AIStore BsummCtrlMsg). */
export interface BucketSummaryRequestJson {
  /** Empty: start a summary; else the summary job to report on. */
  uuid?: string;
  prefix?: string;
  /** Only objects present in the cluster (every object of an ais bucket is). */
  cached?: boolean;
  /** The bucket must already be present in the cluster's bucket metadata. */
  present?: boolean;
  dont_add_remote?: boolean;
}

/**
 * A bucket's summary (AIStore `cmn.BsummResult`: the bucket's fields, then the groups whose keys
 * are Go field names). Counts and totals are decimal strings, sizes per object plain numbers.
 */
export interface BucketSummaryJson {
  name: string;
  provider: string;
  namespace: { uuid: string; name: string };
  ObjCount: { obj_count_present: string; obj_count_remote: string };
  ObjSize: { obj_min_size: number; obj_avg_size: number; obj_max_size: number };
  TotalSize: {
    /** Bytes the bucket takes on the targets' disks (replicas, mirror copies, EC pieces). */
    size_on_disk: string;
    size_all_present_objs: string;
    size_all_remote_objs: string;
    /** Total size of the file systems the bucket's targets store on. */
    total_disks_size: string;
  };
  /** `size_on_disk` as a whole percentage of `total_disks_size`. */
  used_pct: number;
  is_present: boolean;
}

/** `prefetch-listrange` value (AIStore's PrefetchMsg). */
export interface PrefetchMsgJson extends MultiObjectFlagsJson, ListRangeJson {
  /** Compare cached objects with the remote and fetch the changed ones again. */
  'latest-ver'?: boolean;
  /** Objects of at least this many bytes are fetched by blob download (0: none is). */
  'blob-threshold'?: number;
  /** Their chunk size (bytes; 0: the default). */
  'blob-chunk-size'?: number;
  /** Their parallel range reads (0: the default; -1: one at a time). */
  'blob-num-workers'?: number;
}

/**
 * `blob-download` value (AIStore's BlobMsg): one large remote object fetched by one target in
 * parallel ranged reads. Sizes in bytes, the timeout in nanoseconds (a Go duration).
 */
export interface BlobMsgJson {
  'chunk-size'?: number;
  /** The size the caller expects; another size at the remote fails the download. */
  'full-size'?: number;
  /** The longest one chunk's read may take (0: only the backend's own timeout). */
  'chunk-read-timeout'?: number;
  /** 0: the default; -1: one read at a time; 1..128. */
  'num-workers'?: number;
  /** A cached copy is compared with the remote and fetched again only when it changed. */
  'latest-ver'?: boolean;
}
