// Where the store reports disk faults (EIO and the like) it meets, attributed to a mountpath, for
// the target to check that mountpath and disable it when its disk is failing (AIStore's FSHC).
import { isDiskFault } from '../io/storage-errors.js';
import type { Mountpath } from './mountpath.js';

/** Told of each disk fault; `mountpath` is undefined when the fault names no path of one. */
export type DiskFaultListener = (mountpath: string | undefined, error: unknown) => void;

export class DiskFaults {
  readonly #listeners: DiskFaultListener[] = [];

  constructor(private readonly mountpaths: () => readonly Mountpath[]) {}

  listen(listener: DiskFaultListener): void {
    this.#listeners.push(listener);
  }

  /**
   * Passes `error` on when it is a disk fault (anything else is ignored), with the mountpath it
   * happened on: `mountpath` when the caller knows it, else the one the error's path lies on.
   */
  report(error: unknown, mountpath?: string): void {
    if (!isDiskFault(error) || this.#listeners.length === 0) return;
    const where = mountpath ?? this.#mountpathOf(error);
    for (const listener of this.#listeners) listener(where, error);
  }

  #mountpathOf(error: unknown): string | undefined {
    const path = (error as { path?: unknown }).path;
    if (typeof path !== 'string') return undefined;
    return this.mountpaths().find((mountpath) => path.startsWith(`${mountpath.path}/`))?.path;
  }
}
