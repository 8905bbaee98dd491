// Out of space (AIStore's OOS): when a mountpath's file system is at `space.out_of_space` percent
// used, this target refuses what would store new data — PUTs (native and S3), appends, parts,
// copies into it, cold GETs and prefetches — with 507 until usage is back below `space.highwm`
// (the gap keeps it from flapping at the mark). The refusal comes before anything is read or
// written, so nothing stored is touched; reads, HEADs and deletes go on. Entering the state asks
// for an `lru` run at once rather than at the next capacity look.
import { StoreError } from '../../../errors/index.js';
import type { LocalStore, MountpathCapacity } from '../../../storage/index.js';
import type { NodeRuntime } from '../../common/node-runtime.js';

/**
 * Usage is read at most this often: a statfs per mountpath per write would cost more than the
 * write's own metadata. A config change reads it again at the next write.
 */
const refreshMs = 1000;

export class SpaceGuard {
  #outOfSpace = false;
  /** The mountpath found fullest at the last read, and its percent used. */
  #fullest: { mountpath: string; percent: number } = { mountpath: '', percent: 0 };
  #readAt = Number.NEGATIVE_INFINITY;
  #reading: Promise<void> | undefined;

  constructor(
    private readonly runtime: NodeRuntime,
    private readonly store: LocalStore,
    private readonly onOutOfSpace: () => void,
  ) {
    runtime.store.onChange((change) => {
      if (change.config !== undefined) this.#readAt = Number.NEGATIVE_INFINITY;
    });
  }

  /** Throws InsufficientStorage (507) while the target is out of space; `what` names the write. */
  async require(what: string): Promise<void> {
    if (this.runtime.clock.nowMs() - this.#readAt >= refreshMs) {
      this.#reading ??= this.#read().finally(() => {
        this.#reading = undefined;
      });
      await this.#reading;
    }
    if (!this.#outOfSpace) return;
    const { highwm, out_of_space: outOfSpace } = this.runtime.store.config.values.space;
    const { mountpath, percent } = this.#fullest;
    throw new StoreError(
      'InsufficientStorage',
      `${what} refused: target ${this.runtime.id} is out of space (mountpath ${mountpath} is ` +
        `${percent.toFixed(1)}% used; space.out_of_space ${outOfSpace}%, writes resume below ` +
        `space.highwm ${highwm}%)`,
    );
  }

  async #read(): Promise<void> {
    const { highwm, out_of_space: outOfSpace } = this.runtime.store.config.values.space;
    const fullest = fullestOf(await this.store.capacity());
    const was = this.#outOfSpace;
    this.#fullest = fullest;
    this.#outOfSpace = was ? fullest.percent >= highwm : fullest.percent >= outOfSpace;
    this.#readAt = this.runtime.clock.nowMs();
    if (was === this.#outOfSpace) return;
    if (this.#outOfSpace) {
      this.runtime.log.warn('out of space: refusing writes', { ...fullest, outOfSpace });
      this.onOutOfSpace();
    } else this.runtime.log.info('below highwm again: accepting writes', { ...fullest, highwm });
  }
}

function fullestOf(capacities: readonly MountpathCapacity[]): {
  mountpath: string;
  percent: number;
} {
  let fullest = { mountpath: '', percent: 0 };
  for (const { mountpath, totalBytes, usedBytes } of capacities) {
    // A failing disk reports zeros: it is not full, it is the disk checks' to handle.
    if (totalBytes <= 0) continue;
    const percent = (usedBytes * 100) / totalBytes;
    if (percent > fullest.percent) fullest = { mountpath, percent };
  }
  return fullest;
}
