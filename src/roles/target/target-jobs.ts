// A target's share of jobs: builds each job from its kind's definition and runs it in the registry.
import type { JobSelector, JobsPort } from '../../api/native/index.js';
import { badRequest, notImplemented } from '../../errors/index.js';
import {
  bucketKeyOf,
  JobRegistry,
  type Job,
  type JobInterruptions,
  plannedJobKinds,
  type JobDefinition,
  type TargetJobEnvironment,
} from '../../jobs/index.js';
import {
  apiPath,
  Resource,
  type JobSnapshotJson,
  type ShareEndJson,
  type StartJobRequestJson,
} from '../../wire/index.js';
import { lookupBucket } from '../common/bucket-lookup.js';
import { findDefinition } from '../common/job-catalog.js';
import type { NodeRuntime } from '../common/node-runtime.js';
import { destroyCreatedBucket } from './primary-requests.js';

/** Jobs whose start has not arrived kept with what was heard of them (the oldest dropped). */
const maxEarlyJobs = 256;

/**
 * What arrived for a job before its share started here: the gateway starts the shares in
 * parallel, and a share records itself on disk before it is registered, so a quick peer may end
 * its share, or deliver this share's objects (an ETL's direct put), first.
 */
interface EarlyNews {
  /** Share ends by node ID (the error, empty for success). */
  readonly ends: Map<string, string>;
  delivered: { objects: number; bytes: number };
}

export class TargetJobs implements JobsPort {
  readonly registry: JobRegistry;

  /** News of jobs not started here (yet), by job ID: at most `maxEarlyJobs`. */
  readonly #early = new Map<string, EarlyNews>();

  /** Kinds this target starts itself (e.g. resilver), by kind name. */
  readonly localKinds = new Map<string, (request: StartJobRequestJson) => void>();

  constructor(
    private readonly runtime: NodeRuntime,
    private readonly environment: TargetJobEnvironment,
    private readonly definitions: readonly JobDefinition[],
    private readonly interruptions: JobInterruptions,
  ) {
    this.registry = new JobRegistry(runtime.log, runtime.metrics.jobs);
    // A target that leaves the map takes its shares with it: the jobs they belonged to say so here.
    runtime.store.onChange((change) => {
      const map = change.clusterMap?.current;
      if (map === undefined) return;
      for (const job of this.registry.find({})) job.peersLeft((id) => map.node(id) !== undefined);
    });
  }

  async start(request: StartJobRequestJson): Promise<void> {
    const local = this.localKinds.get(request.kind);
    if (local !== undefined) {
      local(request);
      return;
    }
    const definition = findDefinition(this.definitions, request.kind);
    if (definition === undefined) {
      if (plannedJobKinds.has(request.kind)) throw notImplemented(`job kind "${request.kind}"`);
      throw badRequest(`unknown job kind "${request.kind}"`);
    }
    if (definition.kind.bucketScoped) {
      if (request.bucket === undefined)
        throw badRequest(`job kind "${request.kind}" needs a bucket`);
      lookupBucket(this.runtime, request.bucket);
    }
    if (this.registry.get(request.id) !== undefined) return;
    const job = definition.create(request, this.environment);
    const created = request.created_bucket;
    if (created !== undefined)
      job.onUnsuccessful = () => destroyCreatedBucket(this.runtime, job, created);
    if (definition.kind.survivesRestart === true) {
      this.#applyEarlyNews(job);
      this.registry.start(job, definition.kind.exclusive);
      return;
    }
    job.peers = peersOf(request.targets, this.runtime.id);
    // Recorded on disk while the share starts its work (the record's fsyncs were a fixed wait of
    // 5-250 ms before any work, docs/profiling.md "archive job"), and the start is answered only
    // once the record is on disk: a start a gateway heard answered is reported after a crash, and
    // one cut short before that fails the start. The share's end is recorded, and told to its
    // peers, only after the record itself (never a record left behind by a share that ended).
    const recording = this.interruptions.started(request, job.startTime).then(
      () => true,
      (error: unknown) => {
        this.runtime.log.warn('job share not recorded: a crash would not be reported', {
          job: job.id,
          error,
        });
        return false;
      },
    );
    try {
      this.#applyEarlyNews(job);
      this.registry.start(job, definition.kind.exclusive, () => {
        void recording.then((recorded) => {
          if (recorded) this.#settle(this.interruptions.ended(job.id), job);
          this.#tellPeers(job);
        });
      });
    } catch (error) {
      void recording.then((recorded) => {
        if (recorded) this.#settle(this.interruptions.reported(job.id), job);
      });
      throw error;
    }
    await recording;
  }

  /**
   * Runs, as failed shares, the shares a crash or shutdown of this target cut short (after it
   * joined the cluster: a copy's created bucket is destroyed through the primary).
   */
  async reportInterrupted(): Promise<void> {
    for (const { job, createdBucket } of await this.interruptions.interrupted()) {
      if (this.registry.get(job.id) !== undefined) continue;
      if (createdBucket !== undefined)
        job.onUnsuccessful = () => destroyCreatedBucket(this.runtime, job, createdBucket);
      this.registry.start(job, false, () => this.#settle(this.interruptions.reported(job.id), job));
    }
  }

  peerEnded(end: ShareEndJson): void {
    const job = this.registry.get(end.id);
    if (job !== undefined) {
      job.peerEnded(end.node, end.error);
      return;
    }
    this.#earlyNews(end.id).ends.set(end.node, end.error);
  }

  /** An object another target's transformer delivered here for `jobId` (an ETL's direct put). */
  countDelivered(jobId: string, bytes: number): void {
    const job = this.registry.get(jobId);
    if (job !== undefined) {
      job.counters.inObjects += 1;
      job.counters.inBytes += bytes;
      return;
    }
    const { delivered } = this.#earlyNews(jobId);
    delivered.objects += 1;
    delivered.bytes += bytes;
  }

  #earlyNews(id: string): EarlyNews {
    let news = this.#early.get(id);
    if (news === undefined) {
      news = { ends: new Map(), delivered: { objects: 0, bytes: 0 } };
      this.#early.set(id, news);
      const oldest = this.#early.keys().next().value;
      if (this.#early.size > maxEarlyJobs && oldest !== undefined) this.#early.delete(oldest);
    }
    return news;
  }

  #applyEarlyNews(job: Job): void {
    const news = this.#early.get(job.id);
    if (news === undefined) return;
    this.#early.delete(job.id);
    for (const [node, error] of news.ends) job.peerEnded(node, error);
    job.counters.inObjects += news.delivered.objects;
    job.counters.inBytes += news.delivered.bytes;
  }

  /** Tells the job's other targets (still in the map) how this share ended. */
  #tellPeers(job: Job): void {
    const map = this.runtime.store.clusterMap;
    const end: ShareEndJson = {
      id: job.id,
      node: this.runtime.id,
      error: job.state === 'finished' ? '' : job.error || job.state,
    };
    for (const peer of job.peers) {
      const node = map?.node(peer);
      if (node === undefined) continue;
      this.runtime.client
        .requestJson(`${node.intraUrl}${apiPath(Resource.jobs)}`, {
          method: 'PUT',
          body: end,
          timeoutMs: this.runtime.store.config.values.timeouts.control_ms,
        })
        .catch((error: unknown) =>
          this.runtime.log.warn("a peer was not told of this share's end", {
            job: job.id,
            peer,
            error,
          }),
        );
    }
  }

  /** The node is shutting down: the shares it aborts now are reported as cut short at its next start. */
  suspend(): void {
    this.interruptions.suspend();
  }

  #settle(update: Promise<void>, job: Job): void {
    update.catch((error: unknown) =>
      this.runtime.log.warn('job share record not updated', { job: job.id, error }),
    );
  }

  abort(selector: JobSelector): number {
    return this.registry.abort(toFilter(selector), 'aborted by request');
  }

  snapshots(selector: JobSelector): JobSnapshotJson[] {
    return this.registry.find(toFilter(selector)).map((job) => job.snapshot());
  }

  async untilEnded(id: string, waitMs: number, mapVersion?: number): Promise<void> {
    const job = this.registry.get(id);
    if (job !== undefined && job.endTime === undefined && waitMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        timer.unref();
        void job.ended.then(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    // The asker's map dropped a target this one may not know has left yet: its share's loss is
    // reported here (`peersLeft`, run as the map is applied) before this share's end is.
    const { store } = this.runtime;
    if (mapVersion !== undefined && mapVersion > (store.clusterMap?.version ?? 0)) {
      await store.waitForClusterMap(mapVersion, store.config.values.keepalive.interval_ms * 2);
    }
  }
}

/** The job's other targets, from its start request (anything but a list of IDs: none). */
function peersOf(targets: unknown, self: string): string[] {
  if (!Array.isArray(targets)) return [];
  return targets.filter((id): id is string => typeof id === 'string' && id !== self);
}

function toFilter(selector: JobSelector): Parameters<JobRegistry['find']>[0] {
  return {
    id: selector.id,
    kind: selector.kind,
    bucketKey: selector.bucket === undefined ? undefined : bucketKeyOf(selector.bucket),
    onlyRunning: selector.onlyRunning,
  };
}
