// Runs the `lifecycle` job on this target every `s3.lifecycle_interval_ms` while a bucket has
// lifecycle rules (S3 applies rules without an external scheduler), unless one is running already.
// The job is an ordinary one: job queries list it like a started one.
import { activeLifecycleRules } from '../../../cluster/index.js';
import { lifecycleJobKind } from '../../../jobs/index.js';
import { randomId } from '../../../util/ids.js';
import type { NodeRuntime } from '../../common/node-runtime.js';
import type { TargetJobs } from '../target-jobs.js';

export class LifecycleSchedule {
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(
    private readonly runtime: NodeRuntime,
    private readonly jobs: TargetJobs,
  ) {}

  start(): void {
    this.#schedule();
    // A new interval applies at once (a target starts with the defaults, before the cluster's).
    this.runtime.store.onChange((change) => {
      const { config } = change;
      if (config === undefined || this.#stopped || this.#timer === undefined) return;
      const interval = (values: typeof config.current.values): number =>
        values.s3.lifecycle_interval_ms;
      if (interval(config.previous.values) === interval(config.current.values)) return;
      clearTimeout(this.#timer);
      this.#schedule();
    });
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #schedule(): void {
    if (this.#stopped) return;
    const intervalMs = this.runtime.store.config.values.s3.lifecycle_interval_ms;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.run()
        .catch((error: unknown) => {
          this.runtime.log.warn('scheduled lifecycle run not started', { error });
        })
        .finally(() => {
          this.#schedule();
        });
    }, intervalMs);
    this.#timer.unref();
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
