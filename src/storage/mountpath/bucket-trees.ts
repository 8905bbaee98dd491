// A bucket's trees changed whole on every mountpath: destroyed (renamed into the trash), renamed
// (move-bck), or a destroyed incarnation's content trashed when the bucket settles. The disk seam
// hears of the directories only, so each of these also drops the metadata cache's records (and
// the content cache's bytes, whose hits open no file) of every file below them.
import { isDiskFault, moveTree, removeTreeThroughTrash, type Disk } from '../io/index.js';
import { bucketDirectory, trashEntryPath } from '../layout/index.js';
import type { BucketJson } from '../../wire/index.js';
import type { Clock } from '../../util/clock.js';
import {
  settleBucketIncarnation,
  type BucketIncarnation,
  type SettleOutcome,
} from './bucket-incarnation.js';
import { isReadable, type Mountpath } from './mountpath.js';

interface TreesContext {
  readonly disk: Disk;
  readonly mountpaths: readonly Mountpath[];
  readonly clock: Clock;
  readonly metadataCache: { invalidateTree(directory: string): void };
}

/** Every cached record below the bucket's directories is forgotten (even if the change failed). */
function forgetBucketFiles(context: TreesContext, bucket: BucketJson): void {
  for (const mountpath of context.mountpaths)
    context.metadataCache.invalidateTree(bucketDirectory(mountpath.path, bucket));
}

/**
 * Removes the bucket's tree on every mountpath: each is renamed into the trash at once (the
 * bucket's objects vanish atomically per mountpath), then deleted.
 */
export async function removeBucketTrees(context: TreesContext, bucket: BucketJson): Promise<void> {
  try {
    await Promise.all(
      context.mountpaths.map((mountpath) =>
        removeTreeThroughTrash(
          context.disk,
          bucketDirectory(mountpath.path, bucket),
          trashEntryPath(mountpath.path, context.clock.nowMs()),
        ).catch((error: unknown) => {
          // A disabled mountpath whose disk fails keeps what it holds (it is not read).
          if (isReadable(mountpath) || !isDiskFault(error)) throw error;
        }),
      ),
    );
  } finally {
    forgetBucketFiles(context, bucket);
  }
}

/** Removes a destroyed incarnation's content of the bucket, and marks its directories. */
export async function settleBucketTrees(
  context: TreesContext,
  bucket: BucketJson,
  incarnation: BucketIncarnation,
): Promise<SettleOutcome> {
  let outcome: SettleOutcome | undefined;
  try {
    outcome = await settleBucketIncarnation(context, bucket, incarnation);
    return outcome;
  } finally {
    // A destroyed incarnation's trees went to the trash (or may have: it failed).
    if (outcome === undefined || outcome.removed > 0) forgetBucketFiles(context, bucket);
  }
}

/**
 * The bucket's tree on every mountpath becomes `to`'s (one directory rename each; merged into
 * what `to` already holds there). Resolves with the number of mountpaths that held the bucket.
 */
export async function moveBucketTrees(
  context: TreesContext,
  from: BucketJson,
  to: BucketJson,
): Promise<number> {
  try {
    const moved = await Promise.all(
      context.mountpaths.map((mountpath) =>
        moveTree(
          context.disk,
          bucketDirectory(mountpath.path, from),
          bucketDirectory(mountpath.path, to),
        ),
      ),
    );
    return moved.filter(Boolean).length;
  } finally {
    forgetBucketFiles(context, from);
  }
}
