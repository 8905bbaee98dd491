// Jobs (xactions) through the native API: start, stop, status, snapshots, waiting, and the
// multi-object delete job. Wire shapes are AIStore's (ArgsMsg, QueryMsg, nl.Status, Snap).
import {
  Action,
  apiPath,
  Query,
  type ActionMessage,
  type BucketJson,
  type ErasureCodingPropsJson,
  type JobArgsJson,
  type JobQueryJson,
  type JobSnapshotsByNodeJson,
  type JobStatusJson,
  type ListRangeJson,
} from '../wire/index.js';
import type { OperationLabel } from './errors.js';
import { decodeJson, throwIfBufferedError, type BufferedResponse } from './http-exchange.js';
import { bucketLabel, clusterLabel } from './labels.js';
import { bucketQuery } from './object-router.js';

type ControlRequest = (
  method: 'GET' | 'PUT' | 'POST' | 'DELETE',
  path: string,
  label: OperationLabel,
  extra?: { query?: Record<string, string>; message?: ActionMessage | object },
) => Promise<BufferedResponse>;

export interface JobSelector {
  id?: string;
  kind?: string;
  bucket?: BucketJson;
}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Called after every poll with each target's snapshots (for progress views). */
  onProgress?: (snapshots: JobSnapshotsByNodeJson) => void;
}

export class JobsClient {
  constructor(private readonly control: ControlRequest) {}

  /** Starts a job of `kind` (kinds that `start` may launch, e.g. `rebalance`); returns its ID. */
  async start(kind: string, options: { bucket?: BucketJson } = {}): Promise<string> {
    const value: JobArgsJson = {
      Kind: kind,
      ...(options.bucket === undefined ? {} : { Bck: options.bucket }),
    };
    return this.#clusterAction({ action: Action.startJob, value }, `start job ${kind}`);
  }

  /** Aborts running jobs by ID, or by kind (and bucket). */
  async stop(selector: JobSelector): Promise<void> {
    await this.#clusterAction(
      { action: Action.stopJob, value: toArgs(selector) },
      `stop job ${selector.id ?? selector.kind ?? ''}`,
    );
  }

  async status(id: string): Promise<JobStatusJson> {
    return this.#query(
      'status',
      { action: '', value: { ID: id } },
      `status of job ${id}`,
    ) as Promise<JobStatusJson>;
  }

  /** Every job the targets remember (running ones only with `running`). */
  async list(selector: JobSelector & { running?: boolean } = {}): Promise<JobStatusJson[]> {
    const query: JobQueryJson = {
      ...(selector.id === undefined ? {} : { id: selector.id }),
      ...(selector.kind === undefined ? {} : { kind: selector.kind }),
      ...(selector.bucket === undefined ? {} : { bck: selector.bucket }),
      show_active: selector.running === true,
    };
    const answer = await this.#query('status_all', query, 'list jobs');
    return (answer ?? []) as JobStatusJson[];
  }

  /** Each target's snapshot of matching jobs (counters, times, errors). */
  async snapshots(selector: JobSelector = {}): Promise<JobSnapshotsByNodeJson> {
    return this.#query(
      'qryxstats',
      { action: '', value: toArgs(selector) },
      'job snapshots',
    ) as Promise<JobSnapshotsByNodeJson>;
  }

  /** Polls until the job ends (bounded by `timeoutMs`, default 10 minutes); returns its final status. */
  async wait(id: string, options: WaitOptions = {}): Promise<JobStatusJson> {
    const deadline = Date.now() + (options.timeoutMs ?? 600_000);
    for (;;) {
      if (options.onProgress !== undefined) options.onProgress(await this.snapshots({ id }));
      const status = await this.status(id);
      if (status.end_time !== 0) return status;
      if (Date.now() > deadline)
        throw new Error(`job ${id} still running after ${options.timeoutMs ?? 600_000} ms`);
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 250));
    }
  }

  /** Deletes the listed objects, or a template's (`shard-{000..999}.tar`) or prefix's; returns the job ID. */
  async deleteObjects(bucket: BucketJson, selection: ListRangeJson): Promise<string> {
    const label = bucketLabel('DELETE', bucket, 'delete objects in');
    const response = await this.control('DELETE', apiPath('buckets', bucket.name), label, {
      query: bucketQuery(bucket),
      message: { action: Action.deleteListRange, value: selection },
    });
    throwIfBufferedError(response, label);
    return response.payload.toString('utf8');
  }

  /** `make-n-copies`: sets the bucket's mirror copies and applies them to every object; job ID. */
  async makeCopies(bucket: BucketJson, copies: number): Promise<string> {
    return this.#bucketAction(bucket, { action: Action.makeNCopies, value: copies }, 'mirror');
  }

  /**
   * `ec-encode`: enables erasure coding with `settings` (e.g. `{data_slices: 2, parity_slices: 2}`)
   * and encodes every existing object; job ID.
   */
  async encodeBucket(
    bucket: BucketJson,
    settings: Partial<ErasureCodingPropsJson> = {},
  ): Promise<string> {
    return this.#bucketAction(bucket, { action: Action.ecEncode, value: settings }, 'erasure-code');
  }

  /** `scrub`: verifies every replica, copy and EC piece of the bucket, repairing what it can. */
  async scrub(bucket: BucketJson): Promise<string> {
    return this.start('scrub', { bucket });
  }

  async #bucketAction(bucket: BucketJson, message: ActionMessage, what: string): Promise<string> {
    const label = bucketLabel('POST', bucket, what);
    const response = await this.control('POST', apiPath('buckets', bucket.name), label, {
      query: bucketQuery(bucket),
      message,
    });
    throwIfBufferedError(response, label);
    return response.payload.toString('utf8');
  }

  async #clusterAction(message: ActionMessage, what: string): Promise<string> {
    const label = clusterLabel(what);
    const response = await this.control('PUT', apiPath('cluster'), label, { message });
    throwIfBufferedError(response, label);
    return response.payload.toString('utf8');
  }

  /** Job queries carry a bare ArgsMsg or QueryMsg as the GET body, as AIStore's clients send. */
  async #query(what: string, message: object, text: string): Promise<unknown> {
    const label = clusterLabel(text);
    const response = await this.control('GET', apiPath('cluster'), label, {
      query: { [Query.what]: what },
      message,
    });
    throwIfBufferedError(response, label);
    return decodeJson(response, label, (body) => JSON.parse(body) as unknown);
  }
}

function toArgs(selector: JobSelector): JobArgsJson {
  return {
    ...(selector.id === undefined ? {} : { ID: selector.id }),
    ...(selector.kind === undefined ? {} : { Kind: selector.kind }),
    ...(selector.bucket === undefined ? {} : { Bck: selector.bucket }),
  };
}
