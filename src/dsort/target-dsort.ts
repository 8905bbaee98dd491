// A target's dSort jobs by ID: started when a gateway sends the spec (run in the node's job
// registry, so node-wide aborts and job queries see them), told of the phases by the sorting
// gateway, serving their records' metadata and bytes, and forgotten when removed.
import type { Readable } from 'node:stream';
import { StoreError, badRequest } from '../errors/index.js';
import type { JobRegistry } from '../jobs/index.js';
import { asRecord } from '../util/json.js';
import type { DsortJobInfoJson, DsortRecordJson, DsortShardPlanJson } from '../wire/index.js';
import type { DsortTargetEnvironment } from './dsort-environment.js';
import { DsortJob } from './dsort-job.js';
import { recordSize, recordsBody } from './record-transfer.js';
import { parseRequestSpec } from './request-spec.js';

export class TargetDsort {
  readonly #jobs = new Map<string, DsortJob>();

  constructor(
    private readonly environment: DsortTargetEnvironment,
    private readonly registry: JobRegistry,
  ) {}

  start(id: string, body: unknown): void {
    if (!id.startsWith('srt-')) throw badRequest(`invalid dsort job ID "${id}"`);
    if (this.#jobs.has(id)) return;
    const message = asRecord(body);
    const spec = parseRequestSpec(message?.spec);
    const peers = Array.isArray(message?.peers) ? message.peers.map(String) : [];
    const driver = typeof message?.driver === 'string' ? message.driver : undefined;
    const job = new DsortJob(id, spec, this.environment, { driver, peers });
    this.#jobs.set(id, job);
    this.registry.start(job, false);
  }

  get(id: string): DsortJob {
    const job = this.#jobs.get(id);
    if (job === undefined) throw new StoreError('JobNotFound', `dsort job "${id}" not found`);
    return job;
  }

  list(): DsortJobInfoJson[] {
    return [...this.#jobs.values()].map((job) => job.jobInfo());
  }

  /** The records this target extracted, described for the sorting node. */
  records(id: string): DsortRecordJson[] {
    const job = this.get(id);
    return job.records.records.map((record, index) => ({
      key: record.key,
      node: this.environment.nodeId,
      index,
      shard: record.shard,
      position: record.position,
      files: record.files.map((file): [string, number] => [file.name, file.size]),
      ...(record.content === undefined ? {} : { content: record.content }),
    }));
  }

  /** The files of the records numbered in `indices` (a JSON array) back to back, and their length. */
  recordsBody(id: string, indices: unknown): { size: number; body: Readable } {
    const job = this.get(id);
    // A job that stopped here dropped its records: the asker is told why (a lost target, say), so
    // its own error names the cause rather than a missing record.
    const stopped = job.stoppedReason();
    if (stopped !== undefined)
      throw new StoreError('Conflict', `dsort job ${id} stopped on this target: ${stopped}`);
    if (!Array.isArray(indices) || !indices.every((index) => Number.isSafeInteger(index)))
      throw badRequest('dsort records: expected a JSON array of record numbers');
    const list = indices.map((index: number) => job.records.record(index));
    const size = list.reduce((total, record) => total + recordSize(record), 0);
    return { size, body: recordsBody(job.records, list, job.spec.dryRun) };
  }

  plan(id: string, body: unknown): void {
    const job = this.get(id);
    const record = asRecord(body);
    if (!Array.isArray(record?.shards)) throw badRequest('dsort plan: expected {"shards": [...]}');
    for (const warning of Array.isArray(record.warnings) ? record.warnings : [])
      if (typeof warning === 'string') job.metrics.warn(warning);
    job.receivePlan(record.shards as DsortShardPlanJson[]);
  }

  abort(id: string, reason: string, failure: boolean): void {
    this.get(id).abortWith(reason, failure);
  }

  remove(id: string): void {
    const job = this.get(id);
    if (job.running) throw badRequest(`dsort job "${id}" is still running (abort it first)`);
    this.#jobs.delete(id);
  }
}
