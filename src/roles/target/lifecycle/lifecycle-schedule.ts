// Runs the `lifecycle` job on this target every `s3.lifecycle_interval_ms` while a bucket has
// lifecycle rules (S3 applies rules without an external scheduler), unless one is running already.
// The job is an ordinary one: job queries list it like a started one.
import { activeLifecycleRules } from '../../../cluster/index.js';
import { lifecycleJobKind } from '../../../jobs/index.js';
import { randomId } from '../../../util/ids.js';
import type { NodeRuntime } from '../../common/node-runtime.js';
import type { TargetJobs } from '../target-jobs.js';
import { ConfigSchedule } from '../schedule/config-schedule.js';

export class LifecycleSchedule {
  readonly #schedule: ConfigSchedule;

  constructor(
    private readonly runtime: NodeRuntime,
    private readonly jobs: TargetJobs,
  ) {
    this.#schedule = new ConfigSchedule(
      runtime,
      (values) => values.s3.lifecycle_interval_ms,
      () => this.run(),
      'scheduled lifecycle run not started',
    );
  }

  start(): void {
    this.#schedule.start();
  }

  stop(): void {
    this.#schedule.stop();
  }

  /** Starts a run when a bucket has enabled rules and none runs; says whether it did. */
  async run(): Promise<boolean> {
    const buckets = this.runtime.store.bucketMetadata?.list('ais') ?? [];
    if (!buckets.some((entry) => activeLifecycleRules(entry.props).length > 0)) return false;
    const kind = lifecycleJobKind.name;
    if (this.jobs.registry.find({ kind, onlyRunning: true }).length > 0) return false;
    await this.jobs.start({ id: randomId(10), kind, args: [] });
    return true;
  }
}
