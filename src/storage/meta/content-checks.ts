// The content cache's background confirmations (content-cache.ts), many to a thread-pool job: a
// check `lstat`s the file's path (a link's own identity), and the checks asked for in one turn of
// the event loop go to the pool together (up to 256 a job: the disk's `checkFileStates`,
// fs-batch.ts, one promise and a few typed arrays a job; a disk without it, a stat-only
// `readSmallFile` each: open not following a link, fstat, close). A GetBatch's window starts
// the checks of all the hits it opens in a turn (a few hundred, about every second batch), which
// were one `fs.promises.stat` each: a hand-off to the pool, a wake-up and a promise apiece, the
// largest piece of a cached item's cost on a target's main thread (docs/profiling.md, GetBatch).
import type { Disk } from '../io/disk.js';
import type { SmallFileRead } from '../io/fs-batch.js';
import type { ContentCheck } from './content-cache.js';
import { sameState } from './metadata-cache.js';

/** What a check needs of the store's disk: `checkFileStates` when it has it (the store's does). */
export type CheckingDisk = Pick<Disk, 'readSmallFile' | 'checkFileStates'>;

/** Whoever learns a check's result (the metadata cache's `contentChecked`). */
export interface CheckResults {
  contentChecked(check: ContentCheck, unchanged: boolean): void;
}

/** The stat alone: no attribute, no content (a disk without `checkFileStates`). */
const statOnly: SmallFileRead = Object.freeze({ attribute: '' });

/** The checks in flight, by the entry they confirm (`ContentCheck.entry`): a reader may wait for one. */
const inFlight = new WeakMap<object, Promise<void>>();

/**
 * Checks a job makes: an lstat takes a pool thread ~1-2 us for a cached inode, so a peer's ~333
 * checks of one turn of a GetBatch are two jobs. Not on any request's path: a longer job delays
 * no reader.
 */
const checksPerJob = 256;

/** Checks of one disk and one cache asked for in this turn, sent as one job at its end. */
interface CheckJob {
  readonly disk: CheckingDisk;
  readonly results: CheckResults;
  readonly checks: ContentCheck[];
  /** Settles once every check of the job has its result (never rejects). */
  readonly settled: Promise<void>;
  readonly resolve: () => void;
}

/** The jobs to send at the end of this turn (usually one). */
let queued: CheckJob[] = [];

/**
 * Starts `check` in the background: the file at its path still has the identity its entry was
 * read with (`unchanged`), or not: changed, gone, a link, or unreadable (the entry is dropped and
 * the next GET reads the file and meets the problem there). Each check's result is its own: one
 * path's failure (ENOENT, EIO...) in a job does not touch the others'. Settles (never rejects)
 * once `results` has the result. The checks started in one turn go to the disk's
 * `checkFileStates` together at its end (up to `checksPerJob` a job), with one promise a job.
 */
export function startContentCheck(
  disk: CheckingDisk,
  results: CheckResults,
  check: ContentCheck,
): Promise<void> {
  if (disk.checkFileStates === undefined) return startOneCheck(disk, results, check);
  let job = queued[queued.length - 1];
  if (job === undefined || job.disk !== disk || job.results !== results) {
    job = queued.find((other) => other.disk === disk && other.results === results);
  }
  if (job === undefined || job.checks.length >= checksPerJob) {
    if (queued.length === 0) setImmediate(sendQueued);
    let resolve: () => void = () => undefined;
    const settled = new Promise<void>((done) => (resolve = done));
    job = { disk, results, checks: [], settled, resolve };
    queued.push(job);
  }
  job.checks.push(check);
  inFlight.set(check.entry, job.settled);
  return job.settled;
}

function sendQueued(): void {
  const jobs = queued;
  queued = [];
  for (const job of jobs) sendJob(job);
}

function sendJob(job: CheckJob): void {
  const { checks } = job;
  const finish = (unchanged: Uint8Array | undefined): void => {
    for (let index = 0; index < checks.length; index += 1) {
      const check = checks[index] as ContentCheck;
      if (inFlight.get(check.entry) === job.settled) inFlight.delete(check.entry);
      job.results.contentChecked(check, unchanged !== undefined && unchanged[index] === 1);
    }
    job.resolve();
  };
  try {
    const paths = checks.map((check) => check.path);
    const states = checks.map((check) => check.identity);
    (job.disk.checkFileStates as NonNullable<CheckingDisk['checkFileStates']>)(paths, states).then(
      finish,
      () => finish(undefined),
    );
  } catch {
    // Could not even be queued (out of memory): nothing is confirmed.
    finish(undefined);
  }
}

/** One check through a stat-only `readSmallFile` (a disk without `checkFileStates`). */
function startOneCheck(
  disk: CheckingDisk,
  results: CheckResults,
  check: ContentCheck,
): Promise<void> {
  const { entry } = check;
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
