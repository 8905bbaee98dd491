// The bucket marker `<bucket directory>/.cairn.bucket.json`: which incarnation of a bucket (its
// bucket ID in the bucket metadata) a mountpath's directory of that bucket holds. A bucket
// destroyed and created again while this target was away (down, or restarted with its old
// metadata) has a new ID; the old content left here must not come back (served, listed or moved
// by a rebalance) as the new bucket's. See docs/formats/bucket-marker.md.
import { asRecord, parseJson } from '../../util/json.js';
import { writeFileAtomically } from '../../util/atomic-file.js';
import { isMissing, makeDirectories, moveIntoTrash, type Disk } from '../io/index.js';
import { bucketDirectory, bucketMarkerPath, trashEntryPath } from '../layout/index.js';
import type { BucketJson } from '../../wire/index.js';
import type { Clock } from '../../util/clock.js';
import { isReadable, type Mountpath } from './mountpath.js';

/** Marker format written today; a marker of another version is not read (see `readMarker`). */
export const bucketMarkerFormatVersion = 1;

/** The bucket's current ID, and the IDs its content may still carry from renames (`renamed_from`). */
export interface BucketIncarnation {
  readonly bid: string;
  readonly formerBids: readonly string[];
  /**
   * IDs other buckets claim (theirs, and their `renamed_from`): a directory marked with one holds
   * their content (a rename this target has not carried out yet) and is never removed here.
   */
  readonly claimedBids: ReadonlySet<string>;
}

/** What a settle did: directories of a destroyed bucket removed, directories other buckets claim kept. */
export interface SettleOutcome {
  removed: number;
  claimed: number;
}

interface SettleContext {
  readonly disk: Disk;
  readonly mountpaths: readonly Mountpath[];
  readonly clock: Clock;
}

/**
 * Makes every readable mountpath's directory of `bucket` belong to `incarnation`: a marker of the
 * current ID stays; one of a former name's ID (a rename moved the directory here) and a missing
 * one (a directory written before markers existed, or a new bucket) become the current ID; one
 * another bucket claims is left as it is (counted); any other ID is a destroyed bucket's content:
 * the directory goes to the trash first (emptied in the background: a big tree must not hold up
 * the requests that wait for this).
 */
export async function settleBucketIncarnation(
  context: SettleContext,
  bucket: BucketJson,
  incarnation: BucketIncarnation,
): Promise<SettleOutcome> {
  const { disk, clock } = context;
  const outcomes = await Promise.all(
    context.mountpaths.filter(isReadable).map(async (mountpath) => {
      const path = bucketMarkerPath(mountpath.path, bucket);
      const found = await readMarker(disk, path);
      if (found === incarnation.bid) return 'kept';
      if (found !== undefined && incarnation.claimedBids.has(found)) return 'claimed';
      const stale = found !== undefined && !incarnation.formerBids.includes(found);
      if (stale) {
        const trash = trashEntryPath(mountpath.path, clock.nowMs());
        if (await moveIntoTrash(disk, bucketDirectory(mountpath.path, bucket), trash))
          void disk.rm(trash, { recursive: true, force: true }).catch(() => undefined);
      }
      // Durable at once: a later PUT finds the directory there and makes only its own part durable.
      for (const directory of await makeDirectories(disk, bucketDirectory(mountpath.path, bucket)))
        await disk.syncDirectory(directory);
      const marker = { formatVersion: bucketMarkerFormatVersion, bid: incarnation.bid };
      await writeFileAtomically(path, `${JSON.stringify(marker)}\n`, disk);
      return stale ? 'removed' : 'kept';
    }),
  );
  return {
    removed: outcomes.filter((outcome) => outcome === 'removed').length,
    claimed: outcomes.filter((outcome) => outcome === 'claimed').length,
  };
}

/**
 * The bucket ID a marker names; undefined when there is none, or none this code can read (a marker
 * of a later format): such a directory is kept and marked anew, losing no data for a doubt.
 */
async function readMarker(disk: Disk, path: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await disk.readFile(path, 'utf8');
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
  try {
    const record = asRecord(parseJson(text));
    const bid = record?.['bid'];
    if (record?.['formatVersion'] === bucketMarkerFormatVersion && typeof bid === 'string')
      return bid;
  } catch {
    // Not JSON (written by hand): as no marker.
  }
  return undefined;
}
