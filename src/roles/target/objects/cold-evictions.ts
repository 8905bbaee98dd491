// LRU's eviction of cold cached objects of a remote bucket, a batch at a time as its listing saw
// them. Kept apart from the object service: it is the one caller that evicts hundreds of objects at
// once, and most of them take the store's batch path rather than the service's one-by-one evict.
import { isStoreError } from '../../../errors/index.js';
import { requireRemoteBucket } from '../../../backends/index.js';
import type { ObjectAddress } from '../../../api/native/index.js';
import type { ColdEviction } from '../../../jobs/index.js';
import { mapBounded } from '../../../storage/io/index.js';
import type { ColdOutcome, ColdReplica, LocalStore } from '../../../storage/index.js';
import type { RebalancePolicy } from './object-policies.js';
import type { ObjectTarget, ResolvedBucket } from './object-types.js';

/** Objects evicted one by one at once (each waits on the disk more than it computes). */
const evictionsInFlight = 16;

/** What a batch eviction needs of the object service. */
export interface EvictionService {
  readonly store: LocalStore;
  readonly rebalance: RebalancePolicy;
  /** Evicts one object everywhere it is kept (copies, pieces, a rebalance's old owner). */
  evict(target: ObjectTarget): Promise<void>;
  /** Tells the service's listeners of an evicted object; undefined when nobody listens. */
  readonly changed: ((address: ObjectAddress) => Promise<void>) | undefined;
}

/**
 * Evicts each of `replicas` only if not read after `readBeforeMs`. In a bucket without EC and with
 * no rebalance running, eviction touches only this target's files: the store removes the batch in
 * a few jobs. The others (and any object not where the listing saw it) go one by one.
 */
export async function evictColdBatch(
  service: EvictionService,
  bucket: ResolvedBucket,
  replicas: readonly ColdReplica[],
  readBeforeMs: number,
): Promise<ColdEviction[]> {
  requireRemoteBucket(bucket.bucket, 'evict');
  const { store, changed } = service;
  const local = !bucket.props.ec.enabled && !service.rebalance.running();
  const outcomes: ColdOutcome[] = local
    ? await store.cold.evictCold(bucket.bucket, replicas, readBeforeMs)
    : replicas.map(() => 'elsewhere');
  // Settled ones without a promise each: a batch is hundreds of objects.
  const results: ColdEviction[] = [];
  const elsewhere: number[] = [];
  for (const [index, outcome] of outcomes.entries()) {
    if (outcome === 'elsewhere') elsewhere.push(index);
    results.push(outcome === 'elsewhere' ? 'gone' : outcome);
  }
  if (changed !== undefined)
    for (const [index, outcome] of outcomes.entries())
      if (outcome === 'evicted')
        await changed({ bucket: bucket.bucket, name: (replicas[index] as ColdReplica).name });
  await mapBounded(elsewhere, evictionsInFlight, async (index) => {
    const { name } = replicas[index] as ColdReplica;
    results[index] = await evictIfUnread(service, { bucket, name }, readBeforeMs);
  });
  return results;
}

async function evictIfUnread(
  service: EvictionService,
  target: ObjectTarget,
  readBeforeMs: number,
): Promise<ColdEviction> {
  try {
    if ((await service.store.cold.lastAccessMs(target.bucket.bucket, target.name)) > readBeforeMs)
      return 'kept';
    await service.evict(target);
    return 'evicted';
  } catch (error) {
    // Deleted or evicted meanwhile.
    if (isStoreError(error) && error.code === 'ObjectNotFound') return 'gone';
    throw error;
  }
}
