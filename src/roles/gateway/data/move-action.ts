// `move-bck` (`POST /v1/buckets/<from>?bck_to=<uname>`, AIStore's bucket rename) on the primary,
// as AIStore does it: one metadata change adds the new bucket (the old one's props) and marks the
// old one renamed, with a rebalance. Targets rename the bucket's directories in place before they
// acknowledge that change (roles/target/rename), so from then on the old name answers 404 and the
// new one has every object; the rebalance then moves only the objects whose owner changes with the
// name (reads of those find them at their previous owner meanwhile). A `move-bck` job on every
// target ends with that rebalance; then the old name leaves the metadata. The answer is the job ID.
import { isRemoteBucket } from '../../../backends/index.js';
import type { ClusterOwner } from '../../../cluster/index.js';
import {
  badRequest,
  bucketAlreadyExists,
  isStoreError,
  notImplemented,
} from '../../../errors/index.js';
import { bucketKeyOf, type MoveBucketArgs } from '../../../jobs/index.js';
import { bucketDisplayName, type ActionMessage, type BucketJson } from '../../../wire/index.js';
import { lookupBucket } from '../../common/bucket-lookup.js';
import type { NodeRuntime } from '../../common/node-runtime.js';
import type { JobCoordinator } from '../job-coordinator.js';
import { bucketTo } from './copy-actions.js';

const kind = 'move-bck';

export async function startMove(
  runtime: NodeRuntime,
  owner: ClusterOwner,
  jobs: JobCoordinator,
  from: BucketJson,
  message: ActionMessage,
  query: URLSearchParams,
): Promise<string> {
  const to = bucketTo(query, kind);
  if (message.value !== undefined && message.value !== null && typeof message.value !== 'object')
    throw badRequest(`${kind}: value must be a JSON object`);
  lookupBucket(runtime, from);
  if (isRemoteBucket(from) || isRemoteBucket(to))
    throw notImplemented(`${kind} of remote buckets (only ais:// buckets of this cluster move)`);
  if (bucketKeyOf(from) === bucketKeyOf(to))
    throw badRequest(`cannot move ${bucketDisplayName(from)} onto itself`);
  if (runtime.store.bucketMetadata?.get(to) !== undefined) throw bucketAlreadyExists(to);
  const generation = await owner.renameBucket(from, to);
  const args: MoveBucketArgs = { generation };
  const id = await jobs.start(kind, to, args);
  void finishMove(runtime, owner, jobs, id, from);
  return id;
}

/**
 * Once every target's job ended, the old name leaves the metadata. Its objects are under the new
 * name since the switch whatever the outcome (a failed job means some did not reach their owner:
 * the error says so), so the old name goes in every case.
 */
async function finishMove(
  runtime: NodeRuntime,
  owner: ClusterOwner,
  jobs: JobCoordinator,
  id: string,
  from: BucketJson,
): Promise<void> {
  try {
    const status = await jobs.ended(id);
    if (status.err !== '' || status.aborted)
      runtime.log.warn('move ended without every object at its owner', {
        job: id,
        error: status.err,
        aborted: status.aborted,
      });
    await owner.destroyBucket(from).catch((error: unknown) => {
      if (!isStoreError(error) || error.code !== 'BucketNotFound') throw error;
    });
  } catch (error) {
    runtime.log.error('move: could not finish', { job: id, error });
  }
}
