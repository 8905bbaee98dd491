// Watches this target's mountpaths' capacity every `lru.capacity_upd_time_ms` and starts an `lru`
// job by itself when a file system is above `space.highwm` (AIStore runs LRU the same way), unless
// one is running already. The job is an ordinary one: job queries list it like a started one.
import type { LocalStore } from '../../../storage/index.js';
import { randomId } from '../../../util/ids.js';
import type { NodeRuntime } from '../../common/node-runtime.js';
import type { TargetJobs } from '../target-jobs.js';
import { ConfigSchedule } from '../schedule/config-schedule.js';

export class SpaceWatcher {
  readonly #schedule: ConfigSchedule;

  constructor(
    private readonly runtime: NodeRuntime,
    private readonly store: LocalStore,
    private readonly jobs: TargetJobs,
  ) {
    this.#schedule = new ConfigSchedule(
      runtime,
      (values) => values.lru.capacity_upd_time_ms,
      () => this.check(),
      'capacity check failed',
    );
  }

  start(): void {
    this.#schedule.start();
  }

  stop(): void {
    this.#schedule.stop();
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
