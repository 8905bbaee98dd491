// `promote` on a gateway (AIStore's `ais/prxtxn.go` promote): a scan job has every target count
// and hash the files it sees under the source; identical answers from several targets mean a file
// share (each target then promotes the files it owns), else each promotes what it sees (`notshr`
// and `tid` skip the question). Up to 16 files are promoted before answering, with an empty body;
// more run as a job whose ID is the answer.
import { StoreError, badRequest } from '../../../errors/index.js';
import type { PromoteJobArgsJson } from '../../../jobs/index.js';
import type { BucketJson, PromoteArgsJson } from '../../../wire/index.js';
import { checkPromote } from '../../common/ais-bucket/promote.js';
import type { NodeRuntime } from '../../common/node-runtime.js';
import type { JobCoordinator } from '../job-coordinator.js';

/** AIStore promotes this many files or fewer without a job. */
export const promoteSynchronousLimit = 16;

export async function promote(
  runtime: NodeRuntime,
  jobs: JobCoordinator,
  bucket: BucketJson,
  args: PromoteArgsJson & { src: string },
): Promise<string> {
  checkPromote(runtime, bucket, args);
  const scanArgs: PromoteJobArgsJson = { ...args, phase: 'scan' };
  const scanId = await jobs.start('promote', bucket, scanArgs);
  const scan = await jobs.ended(scanId);
  if (scan.err !== '') throw badRequest(scan.err);
  const scanned = Object.values(await jobs.snapshots({ id: scanId }))
    .flat()
    .filter((snapshot) => snapshot.stats.files !== undefined);
  const counts = scanned.map((snapshot) => Number(snapshot.stats.files));
  const hashes = new Set(scanned.map((snapshot) => snapshot.stats['names-hash']));
  const first = counts[0] ?? 0;
  const share =
    args.notshr !== true && (args.tid ?? '') === '' && scanned.length > 1 && hashes.size === 1;
  const total = share ? first : counts.reduce((sum, count) => sum + count, 0);
  const promoteArgs: PromoteJobArgsJson = { ...args, phase: share ? 'share' : 'all' };
  const id = await jobs.start('promote', bucket, promoteArgs);
  if (total > promoteSynchronousLimit) return id;
  const status = await jobs.ended(id);
  if (status.err !== '') throw new StoreError('Internal', `promote[${id}]: ${status.err}`);
  return '';
}
