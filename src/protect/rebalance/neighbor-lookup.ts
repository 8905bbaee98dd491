// Get-from-neighbor: while a rebalance runs, an object the new owner does not have yet may still
// sit at a previous owner. The targets of the map are asked in HRW order for the object (the
// previous owners come first: HRW order among the remaining targets does not change when one
// joins or leaves); the first copy found is verified and committed here, so the read can retry.
// A DELETE during a rebalance likewise removes the copies other targets still hold, so the walk
// does not bring a deleted object back.
import { isStoreError } from '../../errors/index.js';
import { highestRandomWeightList, objectDigest } from '../../placement/index.js';
import { fetchObjectStream, type IntraClient } from '../../transport/index.js';
import { objectUname, type BucketJson } from '../../wire/index.js';
import type { Readable } from 'node:stream';
import { transferUrl, versionIdQuery } from './object-transfer.js';
import type { RebalanceEnvironment } from './rebalance-environment.js';
import { parseTransferHeaders, type TransferredObject } from './transfer-headers.js';

/** Commits an object that moved here (see RebalanceManager.commitMoved). */
export type CommitMoved = (
  bucket: BucketJson,
  name: string,
  object: TransferredObject,
  body: Readable,
) => Promise<unknown>;

/** Fetches `bucket/name` from another target; true when a copy is now stored here. */
export async function fetchFromNeighbors(
  environment: RebalanceEnvironment,
  bucket: BucketJson,
  name: string,
  commit: CommitMoved,
): Promise<boolean> {
  const { metadata, nodeId, client, log } = environment;
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
      await commit(bucket, name, object, fetched.body);
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

/**
 * Deletes `bucket/name` (or only its version `versionId`) on every other target of the map; true
 * when one of them held it.
 */
export async function deleteAtNeighbors(
  environment: RebalanceEnvironment,
  bucket: BucketJson,
  name: string,
  versionId?: string,
): Promise<boolean> {
  const { metadata, nodeId, client, log } = environment;
  const others = [...(metadata.clusterMap?.targets.values() ?? [])].filter(
    (target) => target.id !== nodeId,
  );
  const timeoutMs = metadata.config.values.timeouts.control_ms;
  const version =
    versionId === undefined ? '' : `&${versionIdQuery}=${encodeURIComponent(versionId)}`;
  const removed = await Promise.all(
    others.map((neighbor) =>
      deleteAt(client, `${transferUrl(neighbor, bucket, name)}${version}`, timeoutMs).catch(
        (error: unknown) => {
          log.warn('delete at neighbor failed', { name, neighbor: neighbor.id, error });
          return false;
        },
      ),
    ),
  );
  return removed.includes(true);
}

async function deleteAt(client: IntraClient, url: string, timeoutMs: number): Promise<boolean> {
  try {
    await client.requestJson(url, { method: 'DELETE', timeoutMs });
    return true;
  } catch (error) {
    if (isStoreError(error) && (error.code === 'ObjectNotFound' || error.code === 'NoSuchVersion'))
      return false;
    throw error;
  }
}
