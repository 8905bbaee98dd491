// Watches this target's mountpaths' capacity every `lru.capacity_upd_time_ms` and starts an `lru`
// job by itself when a file system is above `space.highwm` (AIStore runs LRU the same way), unless
// one is running already. The job is an ordinary one: job queries list it like a started one.
import type { LocalStore } from '../../../storage/index.js';
import { randomId } from '../../../util/ids.js';
import type { NodeRuntime } from '../../common/node-runtime.js';
import type { TargetJobs } from '../target-jobs.js';

export class SpaceWatcher {
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(
    private readonly runtime: NodeRuntime,
    private readonly store: LocalStore,
    private readonly jobs: TargetJobs,
  ) {}

  start(): void {
    this.#schedule();
    // A new interval applies at once (a target starts with the defaults, before the cluster's).
    this.runtime.store.onChange((change) => {
      const { config } = change;
      if (config === undefined || this.#stopped) return;
      const interval = (values: typeof config.current.values): number =>
        values.lru.capacity_upd_time_ms;
      if (interval(config.previous.values) === interval(config.current.values)) return;
      // While a look runs, the next is scheduled when it ends (with the new interval).
      if (this.#timer === undefined) return;
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
    const intervalMs = this.runtime.store.config.values.lru.capacity_upd_time_ms;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.check()
        .catch((error: unknown) => {
          this.runtime.log.warn('capacity check failed', { error });
        })
        .finally(() => {
          this.#schedule();
        });
    }, intervalMs);
    this.#timer.unref();
  }

  /** Starts `lru` when a mountpath's file system is above `space.highwm`; says whether it did. */
  async check(): Promise<boolean> {
    const { highwm } = this.runtime.store.config.values.space;
    const over = (await this.store.capacity()).filter(
      (capacity) =>
        capacity.totalBytes > 0 && capacity.usedBytes * 100 > capacity.totalBytes * highwm,
    );
    if (over.length === 0) return false;
    if (this.jobs.registry.find({ kind: 'lru', onlyRunning: true }).length > 0) return false;
    const id = randomId(10);
    this.runtime.log.info('capacity above highwm: starting lru', {
      job: id,
      highwm,
      mountpaths: over.map((capacity) => capacity.mountpath),
    });
    await this.jobs.start({ id, kind: 'lru', args: {} });
    return true;
  }
}
