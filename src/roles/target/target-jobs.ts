// A target's share of jobs: builds each job from its kind's definition and runs it in the registry.
import type { JobSelector, JobsPort } from '../../api/native/index.js';
import { badRequest, notImplemented } from '../../errors/index.js';
import {
  bucketKeyOf,
  JobRegistry,
  plannedJobKinds,
  type JobDefinition,
  type TargetJobEnvironment,
} from '../../jobs/index.js';
import type { JobSnapshotJson, StartJobRequestJson } from '../../wire/index.js';
import { lookupBucket } from '../common/bucket-lookup.js';
import { findDefinition } from '../common/job-catalog.js';
import type { NodeRuntime } from '../common/node-runtime.js';
import { destroyCreatedBucket } from './primary-requests.js';

export class TargetJobs implements JobsPort {
  readonly registry: JobRegistry;

  /** Kinds this target starts itself (e.g. resilver), by kind name. */
  readonly localKinds = new Map<string, (request: StartJobRequestJson) => void>();

  constructor(
    private readonly runtime: NodeRuntime,
    private readonly environment: TargetJobEnvironment,
    private readonly definitions: readonly JobDefinition[],
  ) {
    this.registry = new JobRegistry(runtime.log, runtime.metrics.jobs);
  }

  start(request: StartJobRequestJson): Promise<void> {
    const local = this.localKinds.get(request.kind);
    if (local !== undefined) {
      local(request);
      return Promise.resolve();
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
    const job = definition.create(request, this.environment);
    const created = request.created_bucket;
    if (created !== undefined)
      job.onUnsuccessful = () => destroyCreatedBucket(this.runtime, job.id, created);
    this.registry.start(job, definition.kind.exclusive);
    return Promise.resolve();
  }

  abort(selector: JobSelector): number {
    return this.registry.abort(toFilter(selector), 'aborted by request');
  }

  snapshots(selector: JobSelector): JobSnapshotJson[] {
    return this.registry.find(toFilter(selector)).map((job) => job.snapshot());
  }
}

function toFilter(selector: JobSelector): Parameters<JobRegistry['find']>[0] {
  return {
    id: selector.id,
    kind: selector.kind,
    bucketKey: selector.bucket === undefined ? undefined : bucketKeyOf(selector.bucket),
    onlyRunning: selector.onlyRunning,
  };
}
