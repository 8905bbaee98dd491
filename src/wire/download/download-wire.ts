// The downloader's wire shapes (AIStore's `ext/dload/api.go`): the start body (`type` beside the
// fields of its kind), the admin body of status, list, abort and remove, and the job and status
// JSON a gateway answers with (aggregated over targets).
import type { BucketJson } from '../bucket.js';

/** Download job IDs start with this (AIStore's `dload.PrefixJobID`). */
export const downloadIdPrefix = 'dnl-';

/** `/v1/download/<what>` of the two DELETE calls. */
export const DownloadPath = { abort: 'abort', remove: 'remove' } as const;

export type DownloadType = 'single' | 'range' | 'multi' | 'backend';

/** Fields every start body may carry (AIStore's `dload.Base`). */
export interface DownloadBaseJson {
  bucket: BucketJson;
  description?: string;
  /** Go duration: the longest one object's download may take (config default otherwise). */
  timeout?: string;
  /** Go duration; accepted (progress is read by polling status). */
  progress_interval?: string;
  /** Per job, across the cluster: concurrent downloads per target, bytes per hour. */
  limits?: { connections?: number; bytes_per_hour?: number };
  /** Request headers sent to the origin with every GET. */
  headers?: Record<string, string[]>;
  etl_name?: string;
  etl_args?: string;
}

/** `POST /v1/download` body: `type` and the fields of that type, flat. */
export type DownloadBodyJson = DownloadBaseJson & { type: DownloadType } & (
    | { type: 'single'; link: string; object_name?: string; from_remote?: boolean }
    | { type: 'range'; template: string; subdir?: string }
    | { type: 'multi'; objects: string[] | Record<string, string> }
    | { type: 'backend'; prefix?: string; suffix?: string; synchronize?: boolean }
  );

/** The answer to a start. */
export interface DownloadStartJson {
  id: string;
}

/** Body of GET (status or list) and of DELETE abort/remove (`id` and `regex` exclude each other). */
export interface DownloadAdminJson {
  id?: string;
  regex?: string;
  only_active_tasks?: boolean;
}

/** One job as the list shows it (AIStore's `dload.Job`); times are RFC 3339, zero while unset. */
export interface DownloadJobJson {
  id: string;
  xaction_id: string;
  description: string;
  started_time: string;
  /** `0001-01-01T00:00:00Z` until every target finished (or stopped after an abort). */
  finished_time: string;
  finished_cnt: number;
  scheduled_cnt: number;
  skipped_cnt: number;
  error_cnt: number;
  /** Objects to download; negative when unknown (a backend download lists as it goes). */
  total: number;
  all_dispatched: boolean;
  aborted: boolean;
}

/** One object's download: bytes so far (decimal strings), and its times. */
export interface DownloadTaskJson {
  name: string;
  downloaded: string;
  /** The origin's length; absent when it did not say. */
  total?: string;
  start_time: string;
  end_time: string;
}

export interface DownloadTaskErrorJson {
  name: string;
  error: string;
}

/** `GET /v1/download` with an `id` (AIStore's `dload.StatusResp`). */
export interface DownloadStatusJson extends DownloadJobJson {
  current_tasks?: DownloadTaskJson[];
  finished_tasks?: DownloadTaskJson[];
  download_errors?: DownloadTaskErrorJson[];
}
