// After a rebalance or a resilver: every object (and, in buckets that keep history, every kept
// version and delete marker) this target owns in a protected bucket gets its mirror copies and EC
// pieces made right for the current cluster map and mountpaths (objects that
// moved here, pieces whose holder changed or left, copies a resilver gathered on the home).
import type { MetadataStore } from '../../cluster/index.js';
import type { Logger } from '../../util/log.js';
import { objectUname } from '../../wire/index.js';
import { isProtected, type DataProtection } from '../data-protection.js';
import { filesOf } from './copies-and-encode-jobs.js';
import { forEachBounded } from './local-walk.js';

/** Objects made right at once on a target. */
const concurrency = 4;

/** Walks the protected buckets; returns how many objects were checked. */
export async function reprotectOwned(
  protection: DataProtection,
  metadata: MetadataStore,
  nodeId: string,
  signal: AbortSignal,
  log: Logger,
): Promise<number> {
  let checked = 0;
  for (const { bucket, props } of metadata.bucketMetadata?.list() ?? []) {
    if (!isProtected(props)) continue;
    const files = filesOf(protection.store, bucket, props);
    await forEachBounded(files, concurrency, signal, async ({ name, kept }) => {
      if (metadata.clusterMap?.ownerOf(objectUname(bucket, name))?.id !== nodeId) return;
      checked += 1;
      try {
        if (kept === undefined) await protection.reprotect(bucket, name, props);
        else await protection.reprotectKept(bucket, name, kept, props);
      } catch (error) {
        // Scrub finds and repairs whatever is still wrong.
        log.warn('protection not restored after a placement change', { name, error });
      }
    });
  }
  return checked;
}
