// A target's download jobs by ID: each is created from its start request (kind `download`, run
// in the node's job registry so that aborts and job queries see it), answers its status and the
// list, and is forgotten when removed. The origin connection pool is shared by the jobs. Jobs
// still running are kept on disk (download-journal.ts) and resumed when the target starts again.
import { StoreError, badRequest } from '../../../errors/index.js';
import {
  downloadIdPrefix,
  type DownloadJobJson,
  type DownloadStatusJson,
  type StartJobRequestJson,
} from '../../../wire/index.js';
import type { JobDefinition } from '../../job-environment.js';
import { DownloadJob } from './download-job.js';
import { describeDownload, parseDownloadBody } from './download-request.js';
import { OriginClient } from './origin-fetch.js';
import type { DownloadJournal } from './download-journal.js';
import type { Logger } from '../../../util/log.js';

/** Jobs remembered (the oldest finished ones go first), as the job registry keeps 256. */
const maxJobs = 256;

/** A download job ID: the prefix, then letters, digits, `-` and `_` (it names a file). */
const validId = new RegExp(`^${downloadIdPrefix}[\\w-]+$`);

export class TargetDownloads {
  readonly #jobs = new Map<string, DownloadJob>();
  readonly #origin = new OriginClient();
  /** IDs of recorded jobs being started again after a restart. */
  readonly #resuming = new Set<string>();

  constructor(private readonly journal: DownloadJournal) {}

  /** The `download` kind: started on every target by the gateway's `POST /v1/download`. */
  readonly definition: JobDefinition = {
    kind: {
      name: 'download',
      startable: false,
      bucketScoped: true,
      exclusive: false,
      survivesRestart: true,
    },
    create: (request, environment) => {
      if (!validId.test(request.id)) throw badRequest(`invalid download job ID "${request.id}"`);
      const spec = parseDownloadBody(request.args);
      const description = describeDownload(spec, request.args);
      const journal = this.journal;
      const job = new DownloadJob(request.id, spec, description, environment, this.#origin, {
        resumed: this.#resuming.delete(request.id),
        record: () => journal.record(request),
        forget: () => journal.forget(request.id),
      });
      this.#jobs.set(request.id, job);
      this.#trim();
      return job;
    },
  };

  /** This target's share of job `id` (JobNotFound when it has none). */
  status(id: string, onlyActive: boolean): DownloadStatusJson {
    return this.#get(id).status(onlyActive);
  }

  list(): DownloadJobJson[] {
    return [...this.#jobs.values()].map((job) => job.info());
  }

  /** Forgets a job that ended here (400 while it runs). */
  remove(id: string): void {
    const job = this.#get(id);
    if (job.running) throw badRequest(`download job "${id}" is still running`);
    this.#jobs.delete(id);
  }

  /**
   * Starts the recorded jobs again (after a restart), through `start` as a gateway's start would:
   * objects already downloaded are skipped, the others fetched. A job that cannot start (its
   * bucket is gone) is logged and forgotten.
   */
  async resume(start: (request: StartJobRequestJson) => Promise<void>, log: Logger): Promise<void> {
    for (const request of await this.journal.pending()) {
      this.#resuming.add(request.id);
      try {
        await start(request);
        log.info('download job resumed', { job: request.id });
      } catch (error) {
        this.#resuming.delete(request.id);
        log.warn('download job not resumed', { job: request.id, error });
        await this.journal.forget(request.id);
      }
    }
  }

  /** The node is shutting down: the jobs it stops now resume at its next start. */
  suspend(): void {
    this.journal.suspend();
  }

  async close(): Promise<void> {
    await this.#origin.close();
  }

  #get(id: string): DownloadJob {
    const job = this.#jobs.get(id);
    if (job === undefined)
      throw new StoreError('JobNotFound', `download job "${id}" does not exist`);
    return job;
  }

  #trim(): void {
    const finished = [...this.#jobs.values()].filter((job) => !job.running);
    for (const job of finished.slice(0, Math.max(0, this.#jobs.size - maxJobs)))
      this.#jobs.delete(job.id);
  }
}
