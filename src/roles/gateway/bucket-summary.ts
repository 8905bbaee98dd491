// Bucket summaries on a gateway: a `summary-bck` job on every target (each counts what it stores,
// see jobs/kinds/summary-job.ts), then, when asked by job ID, the finished targets' counters added
// up into AIStore's BsummResult. Every ais bucket is present in the cluster and none of its objects
// lives elsewhere, so the remote counts are zero and `cached` changes nothing.
import type { BucketSummaryAnswer, BucketSummaryPort } from '../../api/native/index.js';
import { StoreError } from '../../errors/index.js';
import { SummaryCounter } from '../../jobs/index.js';
import {
  zeroTime,
  type BucketJson,
  type BucketSummaryJson,
  type BucketSummaryRequestJson,
  type JobSnapshotJson,
} from '../../wire/index.js';
import { lookupBucket } from '../common/bucket-lookup.js';
import type { NodeRuntime } from '../common/node-runtime.js';
import type { JobCoordinator } from './job-coordinator.js';

const summaryKind = 'summary-bck';

export class BucketSummaries implements BucketSummaryPort {
  constructor(
    private readonly runtime: NodeRuntime,
    private readonly jobs: JobCoordinator,
  ) {}

  async summarize(
    bucket: BucketJson,
    request: BucketSummaryRequestJson,
  ): Promise<BucketSummaryAnswer> {
    lookupBucket(this.runtime, bucket);
    const uuid = request.uuid ?? '';
    if (uuid === '') {
      const jobId = await this.jobs.start(summaryKind, bucket, { prefix: request.prefix ?? '' });
      return { jobId, state: 'running', results: [] };
    }
    // 404 (`"x-summary-bck[<id>]" not found`) when no target knows a summary by that ID.
    const byNode = await this.jobs.snapshots({ id: uuid, kind: summaryKind });
    const snapshots = Object.values(byNode).flat();
    const failed = snapshots.find((snapshot) => snapshot.err !== '' || snapshot.aborted);
    if (failed !== undefined) {
      const reason = failed.err !== '' ? failed.err : `aborted: ${failed['abort-err']}`;
      throw new StoreError('Internal', `${summaryKind}[${uuid}] failed: ${reason}`);
    }
    const finished = snapshots.filter((snapshot) => snapshot['end-time'] !== zeroTime);
    const state =
      finished.length === 0 ? 'running' : finished.length < snapshots.length ? 'partial' : 'done';
    return {
      jobId: uuid,
      state,
      results: finished.length === 0 ? [] : [summaryOf(bucket, finished)],
    };
  }
}

/** Adds the targets' counters up (sizes and counts over all, min and max over targets with objects). */
export function summaryOf(
  bucket: BucketJson,
  snapshots: readonly JobSnapshotJson[],
): BucketSummaryJson {
  const number = (snapshot: JobSnapshotJson, key: string): number =>
    Number(snapshot.stats[key] ?? 0);
  let count = 0;
  let bytes = 0;
  let diskBytes = 0;
  let filesystemBytes = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  for (const snapshot of snapshots) {
    const objects = number(snapshot, 'loc-objs');
    count += objects;
    bytes += number(snapshot, 'loc-bytes');
    diskBytes += number(snapshot, SummaryCounter.diskBytes);
    filesystemBytes += number(snapshot, SummaryCounter.filesystemBytes);
    if (objects > 0) {
      min = Math.min(min, number(snapshot, SummaryCounter.minSize));
      max = Math.max(max, number(snapshot, SummaryCounter.maxSize));
    }
  }
  return {
    name: bucket.name,
    provider: bucket.provider,
    namespace: { uuid: bucket.namespace?.uuid ?? '', name: bucket.namespace?.name ?? '' },
    ObjCount: { obj_count_present: String(count), obj_count_remote: '0' },
    ObjSize: {
      obj_min_size: count === 0 ? 0 : min,
      obj_avg_size: count === 0 ? 0 : Math.round(bytes / count),
      obj_max_size: max,
    },
    TotalSize: {
      size_on_disk: String(diskBytes),
      size_all_present_objs: String(bytes),
      size_all_remote_objs: '0',
      total_disks_size: String(filesystemBytes),
    },
    used_pct: filesystemBytes === 0 ? 0 : Math.floor((diskBytes * 100) / filesystemBytes),
    is_present: true,
  };
}
