// Phase 3 on a target: each output shard the plan gives it (the shards whose HRW owner it is) is
// written as an archive streamed straight into a PUT of the shard, its records read from this
// target's record store or pulled from their holders (one request per holder for all the records
// of the shard it holds), file by file; no shard is ever held whole. A dry run pulls the records
// and stores nothing.
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
  const sources = new RecordSources(job, shard);
  try {
    for (const record of shard.records) {
      if (job.signal.aborted) throw job.signal.reason;
      if (record.node === job.environment.nodeId) continue;
      for await (const file of sources.files(record)) {
        file.body.resume();
        await finished(file.body);
      }
    }
  } finally {
    await sources.close();
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
  const sources = new RecordSources(job, shard);
  try {
    for (const record of shard.records) {
      if (job.signal.aborted) throw job.signal.reason;
      for await (const file of sources.files(record))
        await writer.add(file.name, file.size, file.body, job.modifiedMs);
    }
    writer.finish();
  } catch (error) {
    writer.abort(error instanceof Error ? error : new Error(String(error)));
    await stored.catch(() => undefined);
    throw error;
  } finally {
    job.signal.removeEventListener('abort', onAbort);
    await sources.close();
  }
  await stored;
}

type PlannedRecord = DsortShardPlanJson['records'][number];

/**
 * Where one shard's records come from: this target's record store, or, for each other target
 * holding some, one request for all of them, opened when the first is needed and read as the
 * shard reaches each (the holders' bodies wait, paused, while the others are read).
 */
class RecordSources {
  readonly #pulls = new Map<string, AsyncGenerator<RecordFile>>();

  constructor(
    private readonly job: Creation,
    private readonly shard: DsortShardPlanJson,
  ) {}

  async *files(record: PlannedRecord): AsyncGenerator<RecordFile> {
    const { job } = this;
    if (record.node === job.environment.nodeId) {
      yield* localRecordFiles(job.records, job.records.record(record.index));
      return;
    }
    const pull = this.#pull(record.node);
    for (const [name] of record.files) {
      const next = await pull.next();
      if (next.done === true) throw new StoreError('Internal', `dsort: "${name}" was not pulled`);
      yield next.value;
    }
  }

  /** Ends every request (the rest of a body is not wanted after a failure). */
  async close(): Promise<void> {
    for (const pull of this.#pulls.values()) await pull.return(undefined);
    this.#pulls.clear();
  }

  #pull(node: string): AsyncGenerator<RecordFile> {
    const existing = this.#pulls.get(node);
    if (existing !== undefined) return existing;
    const { environment } = this.job;
    const holder = environment.clusterMap()?.node(node);
    if (holder === undefined)
      throw new StoreError(
        'PeerUnreachable',
        `dsort: target ${node} holding records of this job left the cluster`,
      );
    const pull = remoteRecordFiles(
      environment.client,
      { id: holder.id, url: holder.dataUrl },
      this.job.jobId,
      this.shard.records.filter((record) => record.node === node),
      environment.callTimeoutMs,
    );
    this.#pulls.set(node, pull);
    return pull;
  }
}
