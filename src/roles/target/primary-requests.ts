// What a target asks of the primary itself: abort an ETL whose transformer keeps crashing here (the
// stage becomes Aborted with the reason, as AIStore does when a pod fails), and destroy the bucket
// a gateway created for a job that failed.
import { setTimeout as sleep } from 'node:timers/promises';
import { isStoreError } from '../../errors/index.js';
import {
  Action,
  apiPath,
  bucketQuery,
  EtlPath,
  Resource,
  zeroTime,
  type BucketJson,
  type JobSnapshotJson,
} from '../../wire/index.js';
import type { NodeRuntime } from '../common/node-runtime.js';

function primaryUrl(runtime: NodeRuntime, what: string): string {
  const primary = runtime.store.clusterMap?.primary;
  if (primary === undefined) throw new Error(`no primary known to ${what}`);
  return primary.intraUrl;
}

export async function abortEtlOnPrimary(
  runtime: NodeRuntime,
  name: string,
  reason: string,
): Promise<void> {
  await runtime.client.requestJson(
    `${primaryUrl(runtime, 'abort the ETL')}${apiPath(Resource.etl, name, EtlPath.stop)}`,
    {
      method: 'POST',
      body: { reason: `target ${runtime.id}: ${reason}` },
      timeoutMs: runtime.store.config.values.timeouts.control_ms,
    },
  );
}

/** How often a failed share looks whether the job's other shares have settled. */
const settlePollMs = 250;

/**
 * The job's share failed or was aborted here and its gateway created `bucket` for it: once every
 * target's share has settled (ended, failed or aborted; a target that does not answer counts as
 * settled), has the primary destroy the bucket. Shares still running keep their destination until
 * then, and this share reports its end only after, so a client that saw the job end can retry it
 * without a late destroy taking the retry's bucket. A peer of the job that answers but does not
 * know it yet is still starting its share (a share here can fail before another target has
 * registered its own): it is waited for, up to `unknownShareGrace` control timeouts, in
 * case the start never reached it. Several failed shares may ask; a bucket already gone is fine.
 * The wait lasts as long as the job's slowest share, as the job's end does.
 */
export async function destroyCreatedBucket(
  runtime: NodeRuntime,
  job: { id: string; peers: readonly string[] },
  bucket: BucketJson,
): Promise<void> {
  const timeouts = runtime.store.config.values.timeouts;
  const graceEnd = performance.now() + timeouts.control_ms * unknownShareGrace;
  while (!(await everyShareSettled(runtime, job, performance.now() > graceEnd)))
    await sleep(settlePollMs);
  const url = `${primaryUrl(runtime, 'destroy a bucket')}${apiPath(Resource.buckets, bucket.name)}?${bucketQuery(bucket).toString()}`;
  runtime.log.warn('job failed: destroying the bucket created for it', {
    job: job.id,
    bucket: bucket.name,
  });
  try {
    await runtime.client.requestJson(url, {
      method: 'DELETE',
      body: { action: Action.destroyBucket },
      timeoutMs: timeouts.control_ms * 3,
    });
  } catch (error) {
    if (!isStoreError(error) || error.code !== 'BucketNotFound') throw error;
  }
}

/** How many control timeouts a failed share waits for a peer that does not know the job yet. */
const unknownShareGrace = 2;

async function everyShareSettled(
  runtime: NodeRuntime,
  job: { id: string; peers: readonly string[] },
  graceOver: boolean,
): Promise<boolean> {
  const query = new URLSearchParams({ id: job.id }).toString();
  const targets = runtime.store.clusterMap?.activeTargets() ?? [];
  const settledOn = await Promise.all(
    targets.map((target) =>
      runtime.client
        .requestJson(`${target.intraUrl}${apiPath(Resource.jobs)}?${query}`, {
          method: 'GET',
          timeoutMs: runtime.store.config.values.timeouts.control_ms,
        })
        .then(
          (body) => {
            const shares = Array.isArray(body) ? (body as JobSnapshotJson[]) : [];
            if (shares.length === 0) return graceOver || !job.peers.includes(target.id);
            return shares.every(settled);
          },
          () => true,
        ),
    ),
  );
  return settledOn.every(Boolean);
}

/** Ended, or failed or aborted and undoing (its end is recorded once that is done). */
function settled(share: JobSnapshotJson): boolean {
  return share['end-time'] !== zeroTime || share.err !== '' || share.aborted;
}
