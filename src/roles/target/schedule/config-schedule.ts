// A task a target runs again and again, the pause between runs taken from the cluster config: a
// changed interval re-arms a pending wait at once (a target starts with the defaults, before the
// cluster's config arrives), a running task schedules the next run when it ends, and a run that
// fails is logged and the schedule goes on.
import type { ClusterConfigValues } from '../../../config/index.js';
import type { NodeRuntime } from '../../common/node-runtime.js';

export class ConfigSchedule {
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(
    private readonly runtime: NodeRuntime,
    /** The pause between two runs, in milliseconds, from the current config. */
    private readonly intervalOf: (values: ClusterConfigValues) => number,
    private readonly task: () => Promise<unknown>,
    /** Logged with a failed run's error, e.g. `capacity check failed`. */
    private readonly failure: string,
  ) {}

  start(): void {
    this.#schedule();
    this.runtime.store.onChange((change) => {
      const { config } = change;
      if (config === undefined || this.#stopped || this.#timer === undefined) return;
      if (this.intervalOf(config.previous.values) === this.intervalOf(config.current.values))
        return;
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
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.task()
        .catch((error: unknown) => {
          this.runtime.log.warn(this.failure, { error });
        })
        .finally(() => {
          this.#schedule();
        });
    }, this.intervalOf(this.runtime.store.config.values));
    this.#timer.unref();
  }
}
