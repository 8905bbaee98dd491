// Disk health on a target (AIStore's FSHC): a disk fault the store meets makes the target check that
// mountpath (read, write, fsync); when the check fails too, the mountpath is disabled at once (not
// drained: its disk cannot be read), an alert is logged and kept for node status, and a resilver
// moves surviving copies home and restores mirror copies on the other mountpaths.
import type { LocalStore } from '../../storage/index.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/log.js';
import type { NodeAlertJson } from '../../wire/index.js';
import { isReadable } from '../../storage/index.js';

/** After a mountpath passed its check, faults on it do not trigger another for this long. */
const recheckAfterMs = 10_000;
/** Alerts kept for node status (the oldest go first). */
const alertsKept = 100;

export class DiskHealth {
  readonly #checking = new Map<string, Promise<void>>();
  readonly #passedAtMs = new Map<string, number>();
  readonly #alerts: NodeAlertJson[] = [];
  /** Failed checks by mountpath since start (AIStore's `err.fshc.n`). */
  readonly failedChecks = new Map<string, number>();

  constructor(
    private readonly store: LocalStore,
    private readonly log: Logger,
    private readonly clock: Clock,
    /** Starts the resilver after a mountpath was disabled. */
    private readonly resilver: () => void,
  ) {
    store.onDiskFault((mountpath, error) => {
      // A fault that names no mountpath (a descriptor's attribute, say): check them all.
      const suspects =
        mountpath === undefined
          ? store
              .mountpaths()
              .filter(isReadable)
              .map((item) => item.path)
          : [mountpath];
      for (const path of suspects) void this.check(path, error);
    });
  }

  /** Alerts raised since start, oldest first. */
  alerts(): NodeAlertJson[] {
    return [...this.#alerts];
  }

  /**
   * Checks mountpath `path` after `cause` (a disk fault met on it); disables it when the check
   * fails. One check at a time per mountpath; none again soon after one passed.
   */
  check(path: string, cause: unknown): Promise<void> {
    const running = this.#checking.get(path);
    if (running !== undefined) return running;
    const passedAtMs = this.#passedAtMs.get(path);
    if (passedAtMs !== undefined && this.clock.nowMs() - passedAtMs < recheckAfterMs) {
      return Promise.resolve();
    }
    const check = this.#check(path, cause)
      .catch((error: unknown) =>
        this.log.error('mountpath check failed', { mountpath: path, error }),
      )
      .finally(() => this.#checking.delete(path));
    this.#checking.set(path, check);
    return check;
  }

  async #check(path: string, cause: unknown): Promise<void> {
    const mountpath = this.store.mountpaths().find((item) => item.path === path);
    if (mountpath === undefined || !isReadable(mountpath)) return;
    const fault = await this.store.checkMountpath(path);
    if (fault === undefined) {
      this.#passedAtMs.set(path, this.clock.nowMs());
      this.log.warn('disk fault on a mountpath that passed its check', {
        mountpath: path,
        error: cause,
      });
      return;
    }
    this.failedChecks.set(path, (this.failedChecks.get(path) ?? 0) + 1);
    const disabled = await this.store.failMountpath(path);
    const code = (fault as { code?: unknown }).code;
    const message = disabled
      ? `mountpath disabled: its disk fails (${String(code)}); its objects are restored from copies and EC pieces`
      : `mountpath's disk fails (${String(code)}), but it is the last enabled one: it stays in use`;
    this.#alerts.push({
      kind: 'disk-fault',
      mountpath: path,
      message,
      time: new Date(this.clock.nowMs()).toISOString(),
    });
    if (this.#alerts.length > alertsKept) this.#alerts.shift();
    this.log.error(message, { mountpath: path, error: fault, cause });
    if (disabled) this.resilver();
  }
}
