// Phase 3 on a target: each output shard the plan gives it (the shards whose HRW owner it is) is
// written as an archive streamed straight into a PUT of the shard, its records read from this
// target's record store or pulled from their owners, file by file; no shard is ever held whole.
// A dry run pulls the records and stores nothing.
import { finished } from 'node:stream/promises';
import { createArchiveWriter } from '../archive/index.js';
import { StoreError } from '../errors/index.js';
import type { DsortShardPlanJson } from '../wire/index.js';
import type { DsortTargetEnvironment } from './dsort-environment.js';
import type { DsortMetrics } from './job-metrics.js';
import { forEachLimited } from './limited.js';
import type { RecordStore } from './record-store.js';
import { localRecordFiles, remoteRecordFiles, type RecordFile } from './record-transfer.js';
import type { DsortSpec } from './request-spec.js';

export interface Creation {
  jobId: string;
  spec: DsortSpec;
  environment: DsortTargetEnvironment;
  records: RecordStore;
  metrics: DsortMetrics;
  signal: AbortSignal;
  /** Time stamped on every archived file (the job's start: the same on every target). */
  modifiedMs: number;
  /** Shards stored so far (removed again if the job is aborted). */
  created: string[];
}

export async function createShards(
  job: Creation,
  plan: readonly DsortShardPlanJson[],
): Promise<void> {
  const create = job.spec.dryRun ? pullRecords : createShard;
  await forEachLimited(plan, job.spec.createConcurrency, job.signal, async (shard) => {
    await create(job, shard);
    job.metrics.created += 1;
  });
}

/**
 * A dry run's shard, as AIStore builds it: the records held elsewhere pulled (their holders send
 * zero bytes of the same size) and dropped; nothing is archived or stored.
 */
async function pullRecords(job: Creation, shard: DsortShardPlanJson): Promise<void> {
  for (const record of shard.records) {
    if (job.signal.aborted) throw job.signal.reason;
    if (record.node === job.environment.nodeId) continue;
    for await (const file of recordFiles(job, record)) {
      file.body.resume();
      await finished(file.body);
    }
  }
}

async function createShard(job: Creation, shard: DsortShardPlanJson): Promise<void> {
  const { spec, environment } = job;
  const writer = createArchiveWriter(spec.outputExtension);
  // Counted before the PUT ends: an abort racing the PUT's end must still remove the shard.
  job.created.push(shard.name);
  const stored = environment.putObject(spec.outputBucket, shard.name, writer.output);
  stored.catch((error: unknown) =>
    writer.abort(error instanceof Error ? error : new Error(String(error))),
  );
  // An abort cuts the shard short at once (its PUT fails: nothing is stored).
  const onAbort = (): void => writer.abort(new Error('dsort: aborted'));
  job.signal.addEventListener('abort', onAbort, { once: true });
  try {
    for (const record of shard.records) {
      if (job.signal.aborted) throw job.signal.reason;
      for await (const file of recordFiles(job, record))
        await writer.add(file.name, file.size, file.body, job.modifiedMs);
    }
    writer.finish();
  } catch (error) {
    writer.abort(error instanceof Error ? error : new Error(String(error)));
    await stored.catch(() => undefined);
    throw error;
  } finally {
    job.signal.removeEventListener('abort', onAbort);
  }
  await stored;
}

function recordFiles(
  job: Creation,
  record: DsortShardPlanJson['records'][number],
): Iterable<RecordFile> | AsyncIterable<RecordFile> {
  const { environment } = job;
  if (record.node === environment.nodeId)
    return localRecordFiles(job.records, job.records.record(record.index));
  const owner = environment.clusterMap()?.node(record.node);
  if (owner === undefined)
    throw new StoreError(
      'PeerUnreachable',
      `dsort: target ${record.node} holding records of this job left the cluster`,
    );
  return remoteRecordFiles(
    environment.client,
    { id: owner.id, url: owner.dataUrl },
    job.jobId,
    record.index,
    record.files,
    environment.callTimeoutMs,
  );
}
