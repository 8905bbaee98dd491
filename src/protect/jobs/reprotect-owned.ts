// After a rebalance or a resilver: every object this target owns in a protected bucket gets its
// mirror copies and EC pieces made right for the current cluster map and mountpaths (objects that
// moved here, pieces whose holder changed or left, copies a resilver gathered on the home).
import type { MetadataStore } from '../../cluster/index.js';
import type { Logger } from '../../util/log.js';
import { objectUname } from '../../wire/index.js';
import { isProtected, type DataProtection } from '../data-protection.js';
import { forEachBounded, localNames } from './local-walk.js';

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
    const names = localNames(protection.store, bucket, 'ob');
    await forEachBounded(names, concurrency, signal, async ({ name }) => {
      if (metadata.clusterMap?.ownerOf(objectUname(bucket, name))?.id !== nodeId) return;
      checked += 1;
      try {
        await protection.reprotect(bucket, name, props);
      } catch (error) {
        // Scrub finds and repairs whatever is still wrong.
        log.warn('protection not restored after a placement change', { name, error });
      }
    });
  }
  return checked;
}
