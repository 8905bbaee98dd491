// `move-bck` (`POST /v1/buckets/<from>?bck_to=<uname>`, AIStore's bucket rename) on the primary.
// Placement hashes the bucket name, so a renamed bucket's objects belong to other targets: the new
// bucket is created with the old one's props, a `move-bck` job copies every object to its owner
// under the new name (on the copy engine: checksums, custom metadata and S3 attributes kept; an
// object whose owner does not change is copied on its target), and when every target is done
// the old bucket, with its objects, is destroyed. The old name serves every object until then;
// a failed or aborted move destroys the new bucket instead. The answer is the job ID.
import { isRemoteBucket } from '../../../backends/index.js';
import type { ClusterOwner } from '../../../cluster/index.js';
import { StoreError, badRequest, isStoreError, notImplemented } from '../../../errors/index.js';
import { bucketKeyOf } from '../../../jobs/index.js';
import { bucketDisplayName, type ActionMessage, type BucketJson } from '../../../wire/index.js';
import { lookupBucket } from '../../common/bucket-lookup.js';
import type { NodeRuntime } from '../../common/node-runtime.js';
import type { JobCoordinator } from '../job-coordinator.js';
import { bucketTo, createMissing } from './copy-actions.js';

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
  const { props } = lookupBucket(runtime, from);
  if (isRemoteBucket(from) || isRemoteBucket(to))
    throw notImplemented(`${kind} of remote buckets (only ais:// buckets of this cluster move)`);
  if (bucketKeyOf(from) === bucketKeyOf(to))
    throw badRequest(`cannot move ${bucketDisplayName(from)} onto itself`);
  if (!(await createMissing(runtime, owner, to, props)))
    throw new StoreError('BucketAlreadyExists', `bucket "${bucketDisplayName(to)}" already exists`);
  let id: string;
  try {
    id = await jobs.start(kind, from, { tobck: to });
  } catch (error) {
    await owner.destroyBucket(to);
    throw error;
  }
  void finishMove(runtime, owner, jobs, id, from, to);
  return id;
}

/** Once every target copied its objects: the old bucket goes (or, on failure, the new one). */
async function finishMove(
  runtime: NodeRuntime,
  owner: ClusterOwner,
  jobs: JobCoordinator,
  id: string,
  from: BucketJson,
  to: BucketJson,
): Promise<void> {
  try {
    const status = await jobs.ended(id);
    const moved = status.err === '' && !status.aborted;
    const gone = moved ? from : to;
    if (!moved)
      runtime.log.warn('move failed: destroying the bucket it created', {
        job: id,
        bucket: bucketDisplayName(to),
        error: status.err,
      });
    await owner.destroyBucket(gone).catch((error: unknown) => {
      if (!isStoreError(error) || error.code !== 'BucketNotFound') throw error;
    });
  } catch (error) {
    runtime.log.error('move: could not finish', { job: id, error });
  }
}
