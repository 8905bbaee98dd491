// The target's set of mountpaths and how it changes at run time: attach, enable, detach, disable.
// Detach and disable first drain a mountpath (it takes no new objects but is still read) until a
// resilver has moved its objects to their new homes; `completeLeaving` then finishes the change.
// Every change is persisted in the volume record (when the store has one) before it is answered.
import { StoreError } from '../errors/index.js';
import type { Disk } from './io/index.js';
import { SerialQueue } from '../util/serial-queue.js';
import {
  cleanMountpaths,
  describeMountpath,
  isReadable,
  prepareMountpath,
  prepareVolume,
  readVolumeRecord,
  resolveVolume,
  writeVolumeRecord,
  volumeRecordFormatVersion,
  type Mountpath,
  type MountpathState,
} from './mountpath/index.js';

export type MountpathChange = 'attach' | 'enable' | 'detach' | 'disable';

export class Volume {
  #mountpaths: readonly Mountpath[];
  #detached: string[];
  #resilverPending: boolean;
  readonly #queue = new SerialQueue();

  private constructor(
    private readonly disk: Disk,
    private readonly nodeId: string,
    private readonly recordPath: string | undefined,
    mountpaths: Mountpath[],
    detached: string[],
    resilverPending: boolean,
  ) {
    this.#mountpaths = Object.freeze(mountpaths);
    this.#detached = detached;
    this.#resilverPending = resilverPending;
  }

  /** Prepares the configured mountpaths, as changed by the volume record at `recordPath`. */
  static async open(
    disk: Disk,
    nodeId: string,
    configured: readonly string[],
    recordPath: string | undefined,
  ): Promise<Volume> {
    const record = recordPath === undefined ? undefined : await readVolumeRecord(disk, recordPath);
    const entries = resolveVolume(cleanMountpaths(configured), record);
    const mountpaths = await prepareVolume(disk, entries, nodeId);
    if (!mountpaths.some((mountpath) => mountpath.enabled))
      throw new StoreError('Internal', 'the target has no enabled mountpath');
    return new Volume(
      disk,
      nodeId,
      recordPath,
      mountpaths,
      record?.detached ?? [],
      record?.resilver_pending ?? false,
    );
  }

  /** Every mountpath in order (enabled, draining, disabled). */
  get mountpaths(): readonly Mountpath[] {
    return this.#mountpaths;
  }

  /** A resilver was started and has not finished (resume it after a restart). */
  get resilverPending(): boolean {
    return this.#resilverPending;
  }

  /**
   * Applies a change; resolves true when objects may have to move (a resilver is then owed and
   * recorded as pending). Refuses to leave the target without an enabled mountpath.
   */
  change(path: string, change: MountpathChange): Promise<boolean> {
    return this.#queue.run(async () => {
      const [cleaned = path] = cleanMountpaths([path]);
      const existing = this.#mountpaths.find((mountpath) => mountpath.path === cleaned);
      let next: Mountpath[];
      if (change === 'attach') {
        if (existing !== undefined) throw conflict(cleaned, 'is already attached');
        cleanMountpaths([...this.#mountpaths.map((mountpath) => mountpath.path), cleaned]);
        await prepareMountpath(this.disk, cleaned, this.nodeId);
        next = [...this.#mountpaths, describeMountpath(cleaned)];
        this.#detached = this.#detached.filter((item) => item !== cleaned);
      } else {
        if (existing === undefined)
          throw new StoreError('NodeNotFound', `mountpath "${cleaned}" is not attached`);
        // A disabled mountpath was not prepared at open (its disk may have been bad).
        if (change === 'enable' && !existing.enabled && existing.leaving === undefined)
          await prepareMountpath(this.disk, cleaned, this.nodeId);
        const replacement = changed(existing, change);
        if (replacement === existing) return false;
        next = this.#mountpaths.flatMap((mountpath) => {
          if (mountpath !== existing) return [mountpath];
          return replacement === undefined ? [] : [replacement];
        });
        if (replacement === undefined) this.#detached.push(cleaned);
      }
      if (!next.some((mountpath) => mountpath.enabled))
        throw conflict(cleaned, 'is the last enabled mountpath');
      this.#mountpaths = Object.freeze(next);
      this.#resilverPending = true;
      await this.#persist();
      return true;
    });
  }

  /**
   * Disables a mountpath whose disk is failing, at once: unlike `disable` it is not drained (its
   * objects cannot be read; copies and EC pieces elsewhere restore them). Resolves false when it
   * is not enabled, or is the last enabled mountpath (then it stays: the target has no other).
   */
  fail(path: string): Promise<boolean> {
    return this.#queue.run(async () => {
      const existing = this.#mountpaths.find((mountpath) => mountpath.path === path);
      if (existing === undefined || !isReadable(existing)) return false;
      const next = this.#mountpaths.map((mountpath) =>
        mountpath === existing ? describeMountpath(path, false) : mountpath,
      );
      if (!next.some((mountpath) => mountpath.enabled)) return false;
      this.#mountpaths = Object.freeze(next);
      this.#resilverPending = true;
      await this.#persist();
      return true;
    });
  }

  /** After a resilver: drained mountpaths leave (detach) or become disabled; returns their paths. */
  completeLeaving(): Promise<string[]> {
    return this.#queue.run(async () => {
      const finished: string[] = [];
      const next = this.#mountpaths.flatMap((mountpath) => {
        if (mountpath.leaving === undefined) return [mountpath];
        finished.push(mountpath.path);
        if (mountpath.leaving === 'detach') {
          this.#detached.push(mountpath.path);
          return [];
        }
        return [describeMountpath(mountpath.path, false)];
      });
      this.#mountpaths = Object.freeze(next);
      this.#resilverPending = false;
      await this.#persist();
      return finished;
    });
  }

  async #persist(): Promise<void> {
    if (this.recordPath === undefined) return;
    await writeVolumeRecord(this.disk, this.recordPath, {
      format_version: volumeRecordFormatVersion,
      mountpaths: this.#mountpaths.map((mountpath) => ({
        path: mountpath.path,
        state: stateOf(mountpath),
      })),
      detached: [...new Set(this.#detached)],
      resilver_pending: this.#resilverPending,
    });
  }
}

function stateOf(mountpath: Mountpath): MountpathState {
  if (mountpath.leaving === 'detach') return 'detaching';
  if (mountpath.leaving === 'disable') return 'disabling';
  return mountpath.enabled ? 'enabled' : 'disabled';
}

/**
 * The mountpath after `change`: the same object when nothing changes, undefined when it leaves
 * at once (detaching a disabled mountpath: it holds nothing readable).
 */
function changed(mountpath: Mountpath, change: MountpathChange): Mountpath | undefined {
  const { path } = mountpath;
  switch (change) {
    case 'enable':
      return mountpath.enabled ? mountpath : describeMountpath(path, true);
    case 'disable':
      if (!mountpath.enabled) return mountpath;
      return describeMountpath(path, false, 'disable');
    case 'detach':
      if (!mountpath.enabled && mountpath.leaving === undefined) return undefined;
      return mountpath.leaving === 'detach' ? mountpath : describeMountpath(path, false, 'detach');
    default:
      return mountpath;
  }
}

function conflict(path: string, reason: string): StoreError {
  return new StoreError('Conflict', `mountpath "${path}" ${reason}`);
}
