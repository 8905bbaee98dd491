// Get-from-neighbor: while a rebalance runs, an object the new owner does not have yet may still
// sit at a previous owner. The targets of the map are asked in HRW order for the object (the
// previous owners come first: HRW order among the remaining targets does not change when one
// joins or leaves); the first copy found is verified and committed here, so the read can retry.
import { isStoreError } from '../../errors/index.js';
import { highestRandomWeightList, objectDigest } from '../../placement/index.js';
import { fetchObjectStream } from '../../transport/index.js';
import { objectUname, type BucketJson } from '../../wire/index.js';
import { commitTransferred, transferUrl } from './object-transfer.js';
import type { RebalanceEnvironment } from './rebalance-environment.js';
import { parseTransferHeaders } from './transfer-headers.js';

/** Fetches `bucket/name` from another target; true when a copy is now stored here. */
export async function fetchFromNeighbors(
  environment: RebalanceEnvironment,
  bucket: BucketJson,
  name: string,
): Promise<boolean> {
  const { metadata, nodeId, client, store, log } = environment;
  const map = metadata.clusterMap;
  if (map === undefined) return false;
  const others = [...map.targets.values()].filter((target) => target.id !== nodeId);
  const ranked = highestRandomWeightList(
    objectDigest(objectUname(bucket, name)),
    others,
    others.length,
  );
  const timeoutMs = metadata.config.values.rebalance.transfer_timeout_ms;
  for (const neighbor of ranked) {
    try {
      const fetched = await fetchObjectStream(
        client,
        transferUrl(neighbor, bucket, name),
        timeoutMs,
      );
      if (fetched === undefined) continue;
      const object = parseTransferHeaders(fetched.headers);
      await commitTransferred(store, bucket, name, object, fetched.body);
      log.info('got object from neighbor', { name, neighbor: neighbor.id });
      return true;
    } catch (error) {
      log.warn('get from neighbor failed', { name, neighbor: neighbor.id, error });
    }
  }
  // The previous owner may have sent it here meanwhile (its walk crossed this lookup).
  return presentLocally(environment, bucket, name);
}

async function presentLocally(
  environment: RebalanceEnvironment,
  bucket: BucketJson,
  name: string,
): Promise<boolean> {
  try {
    await environment.store.headObject(bucket, name);
    return true;
  } catch (error) {
    if (isStoreError(error) && error.code === 'ObjectNotFound') return false;
    throw error;
  }
}
