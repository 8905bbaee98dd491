// The content cache's background confirmations (content-cache.ts), many to a thread-pool job: a
// check is the one-job read of the file (fs-batch.ts' `readSmallFile`) with neither attribute nor
// content asked for (open not following a link, fstat, close), and the stat-only reads asked for
// in one turn of the event loop go to the pool together (up to 256 a job). A GetBatch's window starts
// the checks of all the hits it opens in a turn (a few hundred, about every second batch), which
// were one `fs.promises.stat` each: a hand-off to the pool, a wake-up and a promise apiece, the
// largest piece of a cached item's cost on a target's main thread (docs/profiling.md, GetBatch).
import type { Disk } from '../io/disk.js';
import type { SmallFileRead } from '../io/fs-batch.js';
import type { ContentCheck } from './content-cache.js';
import { sameState } from './metadata-cache.js';

/** What a check needs of the store's disk. */
export type CheckingDisk = Pick<Disk, 'readSmallFile'>;

/** Whoever learns a check's result (the metadata cache's `contentChecked`). */
export interface CheckResults {
  contentChecked(check: ContentCheck, unchanged: boolean): void;
}

/** The stat alone: no attribute, no content. */
const statOnly: SmallFileRead = Object.freeze({ attribute: '' });

/** The checks in flight, by the entry they confirm (`ContentCheck.entry`): a reader may wait for one. */
const inFlight = new WeakMap<object, Promise<void>>();

/**
 * Starts `check` in the background: the file at its path still has the identity its entry was
 * read with (`unchanged`), or not: changed, gone, a link, or unreadable (the entry is dropped and
 * the next GET reads the file and meets the problem there). Each check's result is its own: one
 * path's failure (ENOENT, EIO...) in a job does not touch the others'. Settles (never rejects)
 * once `results` has the result.
 */
export function startContentCheck(
  disk: CheckingDisk,
  results: CheckResults,
  check: ContentCheck,
): Promise<void> {
  const { entry } = check;
  // One promise a check (a GetBatch starts a few hundred in a turn): the result is given and the
  // check counted off in the same step, where a `finally` made a second promise and step.
  const settled: Promise<void> = disk.readSmallFile(check.path, statOnly).then(
    (file) => settle(sameState(file.stats, check.identity)),
    () => settle(false),
  );
  const settle = (unchanged: boolean): void => {
    if (inFlight.get(entry) === settled) inFlight.delete(entry);
    results.contentChecked(check, unchanged);
  };
  inFlight.set(entry, settled);
  return settled;
}

/** The check of `entry` in flight (started by `startContentCheck`), if any. */
export function contentCheckOf(entry: object): Promise<void> | undefined {
  return inFlight.get(entry);
}
