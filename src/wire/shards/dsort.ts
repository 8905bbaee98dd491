// dSort (`/v1/sort`) on the wire: the JobInfo and Metrics JSON AIStore answers (`ext/dsort/
// api_metrics.go`: counters as decimal strings, times as RFC 3339, durations as nanoseconds), and
// the messages Cairn's nodes exchange on the intra-cluster port (`/v1/dsort/<id>/...`).
import type { BucketJson } from '../bucket.js';

/** The job ID prefix (`xact/api_const.go`). */
export const dsortIdPrefix = 'srt-';

/** State shared by the three phases. */
export interface DsortPhaseJson {
  started_time: string;
  end_time: string;
  /** Nanoseconds from start to now (running) or to the end. */
  elapsed: number;
  running: boolean;
  finished: boolean;
}

export interface DsortExtractionJson extends DsortPhaseJson {
  total_count: string;
  extracted_count: string;
  extracted_size: string;
  extracted_record_count: string;
  extracted_to_disk_count: string;
  extracted_to_disk_size: string;
}

export type DsortSortingJson = DsortPhaseJson;

export interface DsortCreationJson extends DsortPhaseJson {
  to_create: string;
  created_count: string;
  moved_shard_count: string;
}

export interface DsortMetricsJson {
  local_extraction: DsortExtractionJson;
  meta_sorting: DsortSortingJson;
  shard_creation: DsortCreationJson;
  description?: string;
  warnings?: string[];
  errors?: string[];
  aborted?: boolean;
  archived?: boolean;
}

/** One target's view of a job (`GET /v1/sort?uuid=` answers `{targetID: JobInfo}`). */
export interface DsortJobInfoJson {
  id: string;
  'src-bck': BucketJson;
  'dst-bck': BucketJson;
  started_time?: string;
  finish_time?: string;
  /** Nanoseconds each phase took (AIStore's names are those of the phase that follows). */
  started_meta_sorting?: number;
  started_shard_creation?: number;
  finished_shard_creation?: number;
  'loc-objs': string;
  'loc-bytes': string;
  Metrics: DsortMetricsJson;
  aborted: boolean;
  archived: boolean;
}

/** Intra-cluster: the gateway starts a target's share (`POST /v1/dsort/<id>`). */
export interface DsortInitJson {
  /** The RequestSpec as the client sent it (each target parses it again). */
  spec: unknown;
}

/** Intra-cluster: one extracted record, as its owner describes it to the sorting node. */
export interface DsortRecordJson {
  /** The record's key: the files' common path without extension. */
  key: string;
  /** The node holding the record's bytes, and the record's number there. */
  node: string;
  index: number;
  /** The input shard, and the record's place in it (for `none`). */
  shard: string;
  position: number;
  /** The record's files: names (key + extension) and sizes. */
  files: Array<[string, number]>;
  /** `content` algorithm: the value read from the record's key file. */
  content?: string | number;
}

/** Intra-cluster: an output shard a target must build, its records in order. */
export interface DsortShardPlanJson {
  name: string;
  records: Array<Pick<DsortRecordJson, 'node' | 'index' | 'files'>>;
}
