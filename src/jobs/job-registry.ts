// A node's jobs: starts them, refuses a second running job of the same kind and bucket, aborts them,
// answers queries, and keeps a bounded history of finished ones.
import { StoreError } from '../errors/index.js';
import type { Logger } from '../util/log.js';
import { bucketKeyOf } from './job-kinds.js';
import type { Job, JobState } from './job.js';

/** Finished jobs remembered for status queries. */
const maxFinishedJobs = 256;

export interface JobFilter {
  id?: string | undefined;
  kind?: string | undefined;
  bucketKey?: string | undefined;
  onlyRunning?: boolean | undefined;
}

/** Told of every job started and ended here (the node's job counters in `/metrics`). */
export interface JobObserver {
  started(kind: string): void;
  ended(kind: string, state: JobState): void;
}

export class JobRegistry {
  readonly #jobs = new Map<string, Job>();

  constructor(
    private readonly log: Logger,
    private readonly observer?: JobObserver,
  ) {}

  /**
   * Starts `job` in the background; a job with the same ID already here is left as it is. An
   * exclusive kind refuses to start while another job of its kind runs on the same bucket.
   * `whenEnded` is called once the job has ended (after its end is recorded).
   */
  start(job: Job, exclusive: boolean, whenEnded?: () => void): Job {
    const existing = this.#jobs.get(job.id);
    if (existing !== undefined) return existing;
    const conflict = exclusive
      ? this.find({ kind: job.kind, bucketKey: bucketKeyOf(job.bucket), onlyRunning: true })[0]
      : undefined;
    if (conflict !== undefined) {
      throw new StoreError('Conflict', `${job.kind} is already running as job ${conflict.id}`);
    }
    this.#jobs.set(job.id, job);
    this.log.info('job started', { job: job.id, kind: job.kind });
    this.observer?.started(job.kind);
    void job.run(this.log).then(() => {
      this.observer?.ended(job.kind, job.state);
      this.log.info('job ended', {
        job: job.id,
        kind: job.kind,
        state: job.state,
        counters: job.counters,
      });
      this.#trim();
      whenEnded?.();
    });
    return job;
  }

  get(id: string): Job | undefined {
    return this.#jobs.get(id);
  }

  find(filter: JobFilter): Job[] {
    return [...this.#jobs.values()].filter(
      (job) =>
        (filter.id === undefined || filter.id === '' || job.id === filter.id) &&
        (filter.kind === undefined || filter.kind === '' || job.kind === filter.kind) &&
        (filter.bucketKey === undefined || bucketKeyOf(job.bucket) === filter.bucketKey) &&
        (filter.onlyRunning !== true || job.running),
    );
  }

  /** Aborts matching running jobs; returns how many. */
  abort(filter: JobFilter, reason: string): number {
    const jobs = this.find({ ...filter, onlyRunning: true });
    for (const job of jobs) job.abort(reason);
    return jobs.length;
  }

  abortAll(reason: string): void {
    this.abort({}, reason);
  }

  #trim(): void {
    const finished = [...this.#jobs.values()].filter((job) => !job.running);
    for (const job of finished.slice(0, Math.max(0, finished.length - maxFinishedJobs)))
      this.#jobs.delete(job.id);
  }
}
