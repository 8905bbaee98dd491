// A download job as the gateway answers it: the targets' shares added up as AIStore's gateway does
// (`dload.Job.Aggregate`): counts summed, started at the earliest start, finished only when every
// share finished (then at the latest end), aborted when any share was, tasks and errors together.
import {
  zeroTime,
  type DownloadJobJson,
  type DownloadStatusJson,
  type DownloadTaskJson,
} from '../../../wire/index.js';

/** The job from its shares (at least one). */
export function aggregateJob<T extends DownloadJobJson>(shares: readonly T[]): DownloadJobJson {
  const [first, ...rest] = shares;
  if (first === undefined) throw new RangeError('aggregateJob: no shares');
  const job: DownloadJobJson = {
    id: first.id,
    xaction_id: first.xaction_id,
    description: first.description,
    started_time: first.started_time,
    finished_time: first.finished_time,
    finished_cnt: first.finished_cnt,
    scheduled_cnt: first.scheduled_cnt,
    skipped_cnt: first.skipped_cnt,
    error_cnt: first.error_cnt,
    total: first.total,
    all_dispatched: first.all_dispatched,
    aborted: first.aborted,
  };
  for (const share of rest) {
    job.finished_cnt += share.finished_cnt;
    job.scheduled_cnt += share.scheduled_cnt;
    job.skipped_cnt += share.skipped_cnt;
    job.error_cnt += share.error_cnt;
    // -1 is "not known yet" (a target still counting its links): the sum is not known either.
    job.total = job.total < 0 || share.total < 0 ? -1 : job.total + share.total;
    job.all_dispatched &&= share.all_dispatched;
    job.aborted ||= share.aborted;
    if (Date.parse(share.started_time) < Date.parse(job.started_time))
      job.started_time = share.started_time;
    job.finished_time = laterEnd(job.finished_time, share.finished_time);
  }
  return job;
}

/** Zero while either is still running, else the later of the two. */
function laterEnd(a: string, b: string): string {
  if (a === zeroTime || b === zeroTime) return zeroTime;
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

/** The job's status from each target's status of its share. */
export function aggregateStatus(shares: readonly DownloadStatusJson[]): DownloadStatusJson {
  const byName = (a: { name: string }, b: { name: string }): number => a.name.localeCompare(b.name);
  const tasks = (pick: (share: DownloadStatusJson) => DownloadTaskJson[] | undefined) =>
    shares.flatMap((share) => pick(share) ?? []).sort(byName);
  const status: DownloadStatusJson = { ...aggregateJob(shares) };
  const current = tasks((share) => share.current_tasks);
  const finished = tasks((share) => share.finished_tasks);
  const errors = shares.flatMap((share) => share.download_errors ?? []).sort(byName);
  // AIStore leaves empty lists out.
  if (current.length > 0) status.current_tasks = current;
  if (finished.length > 0) status.finished_tasks = finished;
  if (errors.length > 0) status.download_errors = errors;
  return status;
}

/** Every job of the targets' lists, each from its shares; running first (by start), then finished (by end). */
export function aggregateJobs(lists: readonly DownloadJobJson[][]): DownloadJobJson[] {
  const byId = new Map<string, DownloadJobJson[]>();
  for (const job of lists.flat()) byId.set(job.id, [...(byId.get(job.id) ?? []), job]);
  const running = (job: DownloadJobJson): boolean => job.finished_time === zeroTime;
  return [...byId.values()]
    .map((shares) => aggregateJob(shares))
    .sort((a, b) => {
      if (running(a) !== running(b)) return running(a) ? -1 : 1;
      const key = running(a) ? 'started_time' : 'finished_time';
      return Date.parse(a[key]) - Date.parse(b[key]);
    });
}
