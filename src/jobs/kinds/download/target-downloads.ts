// A target's download jobs by ID: each is created from its start request (kind `download`, run
// in the node's job registry so that aborts and job queries see it), answers its status and the
// list, and is forgotten when removed. The origin connection pool is shared by the jobs.
import { StoreError, badRequest } from '../../../errors/index.js';
import {
  downloadIdPrefix,
  type DownloadJobJson,
  type DownloadStatusJson,
} from '../../../wire/index.js';
import type { JobDefinition } from '../../job-environment.js';
import { DownloadJob } from './download-job.js';
import { describeDownload, parseDownloadBody } from './download-request.js';
import { OriginClient } from './origin-fetch.js';

/** Jobs remembered (the oldest finished ones go first), as the job registry keeps 256. */
const maxJobs = 256;

export class TargetDownloads {
  readonly #jobs = new Map<string, DownloadJob>();
  readonly #origin = new OriginClient();

  /** The `download` kind: started on every target by the gateway's `POST /v1/download`. */
  readonly definition: JobDefinition = {
    kind: { name: 'download', startable: false, bucketScoped: true, exclusive: false },
    create: (request, environment) => {
      if (!request.id.startsWith(downloadIdPrefix))
        throw badRequest(`invalid download job ID "${request.id}"`);
      const spec = parseDownloadBody(request.args);
      const description = describeDownload(spec, request.args);
      const job = new DownloadJob(request.id, spec, description, environment, this.#origin);
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
