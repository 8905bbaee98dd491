// Jobs (xactions) through the native API: start, stop, status, snapshots, waiting, the
// multi-object delete job and bucket summaries. Wire shapes are AIStore's (ArgsMsg as its Python
// client sends it, QueryMsg, nl.Status, Snap, BsummCtrlMsg, BsummResult).
import {
  Action,
  apiPath,
  Header,
  Query,
  type ActionMessage,
  type ArchiveBckMsgJson,
  type BucketJson,
  type BucketPropsJson,
  type BucketSummaryJson,
  type BucketSummaryRequestJson,
  bucketUname,
  type CopyBucketMsgJson,
  type CopyObjectsMsgJson,
  type PrefetchMsgJson,
  type TransformBucketMsgJson,
  type TransformObjectsMsgJson,
  type ErasureCodingPropsJson,
  type JobQueryJson,
  type JobSnapshotsByNodeJson,
  type JobStatusJson,
  type ListRangeJson,
} from '../wire/index.js';
import { ApiError, TransportError, type OperationLabel } from './errors.js';
import {
  decodeJson,
  headerValue,
  throwIfBufferedError,
  type BufferedResponse,
} from './http-exchange.js';
import { bucketLabel, clusterLabel } from './labels.js';
import { bucketQuery } from './object-router.js';
import type { ControlRequest } from './http-exchange.js';

/** Where a bucket summary stands (`running` 202, `partial` 206, `done` 200). */
export interface BucketSummaryProgress {
  state: 'running' | 'partial' | 'done';
  /** The summary of the targets that finished so far (undefined while none has). */
  summary: BucketSummaryJson | undefined;
}

/** Polling of bucket summaries: bounded, with a growing interval (AIStore's SDK: 0.2 s × 1.5). */
export interface SummaryWaitOptions {
  prefix?: string;
  timeoutMs?: number;
  intervalMs?: number;
}

export interface JobSelector {
  id?: string;
  kind?: string;
  bucket?: BucketJson;
}

export interface WaitOptions {
  timeoutMs?: number;
  /**
   * Between two status queries a Cairn gateway did not hold (default 250 ms). A Cairn gateway holds
   * each query until the job ends (up to `jobWaitHoldMs`), so its end is heard at once; with
   * `onProgress`, for at most this long, so that progress comes at this pace.
   */
  intervalMs?: number;
  /** Called after every poll with each target's snapshots (for progress views). */
  onProgress?: (snapshots: JobSnapshotsByNodeJson) => void;
}

/**
 * How long a job may be unknown to every target when waiting for it starts: a job begun by a
 * metadata change (a rebalance `g<N>`) is registered by each target as the change reaches it, which
 * can trail the gateway that named it.
 */
const unknownJobGraceMs = 10_000;

/**
 * The longest `wait` asks a gateway to hold a status query until the job ends: well within the
 * client's own timeout (60 s by default) and the gateway's cap (`jobWaitMaxMs`, 10 s).
 */
export const jobWaitHoldMs = 5_000;

export class JobsClient {
  constructor(
    private readonly control: ControlRequest,
    /** The client's request timeout: a held status query is answered well within it. */
    private readonly requestTimeoutMs = 60_000,
  ) {}

  /**
   * Starts a job of `kind` (kinds that `start` may launch, e.g. `rebalance`, `lru`); returns its
   * ID. `buckets` narrows `lru` to several buckets.
   */
  async start(
    kind: string,
    options: { bucket?: BucketJson; buckets?: BucketJson[]; force?: boolean } = {},
  ): Promise<string> {
    const value = argsMessage({ kind, ...options });
    return this.#clusterAction({ action: Action.startJob, value }, `start job ${kind}`);
  }

  /** Aborts running jobs by ID, or by kind (and bucket). */
  async stop(selector: JobSelector): Promise<void> {
    await this.#clusterAction(
      { action: Action.stopJob, value: argsMessage(selector) },
      `stop job ${selector.id ?? selector.kind ?? ''}`,
    );
  }

  /**
   * One job's status (`what=status`); ApiError 404 for a job no target knows. `holdMs` (Cairn): the
   * gateway may answer only once the job ended, or after that long (another server at once).
   */
  async status(id: string, holdMs = 0): Promise<JobStatusJson> {
    return this.#query(
      'status',
      argsMessage({ id }),
      `status of job ${id}`,
      holdMs > 0 ? { [Query.jobWaitMs]: String(Math.trunc(holdMs)) } : {},
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

  /**
   * Each target's snapshot of matching jobs (counters, times, errors); for one job (`id`), only the
   * targets that ran it, and ApiError 404 when none did.
   */
  async snapshots(selector: JobSelector = {}): Promise<JobSnapshotsByNodeJson> {
    return this.#query(
      'qryxstats',
      argsMessage(selector),
      'job snapshots',
    ) as Promise<JobSnapshotsByNodeJson>;
  }

  /** Polls until the job ends (bounded by `timeoutMs`, default 10 minutes); returns its final status. */
  async wait(id: string, options: WaitOptions = {}): Promise<JobStatusJson> {
    const started = Date.now();
    const deadline = started + (options.timeoutMs ?? 600_000);
    const intervalMs = options.intervalMs ?? 250;
    const holdMs = Math.min(
      options.onProgress === undefined ? jobWaitHoldMs : intervalMs,
      this.requestTimeoutMs / 2,
    );
    for (;;) {
      let status: JobStatusJson | undefined;
      const asked = Date.now();
      const held = Math.max(0, Math.min(holdMs, deadline - asked));
      try {
        if (options.onProgress !== undefined) options.onProgress(await this.snapshots({ id }));
        status = await this.status(id, held);
      } catch (error) {
        const unknown = error instanceof ApiError && error.status === 404;
        if (!unknown || Date.now() - started > unknownJobGraceMs) throw error;
      }
      if (status !== undefined && status.end_time !== 0) return status;
      if (Date.now() > deadline)
        throw new Error(`job ${id} still running after ${options.timeoutMs ?? 600_000} ms`);
      // Held for most of `held` (a Cairn gateway waiting for the end): asked again at once; answered
      // sooner (a server that does not hold, a target that does not know the job yet): a pause.
      if (Date.now() - asked < held / 2 || held === 0)
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }

  /** Deletes the listed objects, or a template's (`shard-{000..999}.tar`) or prefix's; returns the job ID. */
  deleteObjects(bucket: BucketJson, selection: ListRangeJson): Promise<string> {
    return this.#bucketDelete(bucket, 'delete objects in', {
      action: Action.deleteListRange,
      value: selection,
    });
  }

  /**
   * Evicts the cached copies of a remote bucket's listed, templated or prefixed objects (the
   * remote keeps them); returns the job ID.
   */
  evictObjects(bucket: BucketJson, selection: ListRangeJson): Promise<string> {
    return this.#bucketDelete(bucket, 'evict objects in', {
      action: Action.evictListRange,
      value: selection,
    });
  }

  /**
   * Prefetches the listed objects, or a template's or prefix's (`""`: the whole bucket), of a
   * remote bucket into the cluster; `latest-ver` fetches cached ones the remote changed again.
   * Returns the job ID.
   */
  prefetchObjects(bucket: BucketJson, message: PrefetchMsgJson): Promise<string> {
    return this.#bucketAction(
      bucket,
      { action: Action.prefetchListRange, name: '', value: message },
      'prefetch objects in',
    );
  }

  /**
   * Evicts every cached object of a remote bucket; the bucket leaves the cluster's map unless
   * `keepMetadata`. Answers once done.
   */
  async evictRemoteBucket(bucket: BucketJson, keepMetadata: boolean): Promise<void> {
    await this.#bucketDelete(
      bucket,
      'evict',
      { action: Action.evictRemoteBucket },
      keepMetadata ? { [Query.keepBucketMetadata]: 'true' } : {},
    );
  }

  async #bucketDelete(
    bucket: BucketJson,
    verb: string,
    message: ActionMessage,
    extraQuery: Record<string, string> = {},
  ): Promise<string> {
    const label = bucketLabel('DELETE', bucket, verb);
    const response = await this.control('DELETE', apiPath('buckets', bucket.name), label, {
      query: { ...bucketQuery(bucket), ...extraQuery },
      message,
    });
    throwIfBufferedError(response, label);
    return response.payload.toString('utf8');
  }

  /** `archive`: a shard of the listed or templated objects of `bucket`; returns the job ID. */
  async archive(bucket: BucketJson, message: ArchiveBckMsgJson): Promise<string> {
    const label = bucketLabel('PUT', bucket, 'archive objects of');
    const response = await this.control('PUT', apiPath('buckets', bucket.name), label, {
      query: bucketQuery(bucket),
      message: { action: Action.archive, value: message },
    });
    throwIfBufferedError(response, label);
    return response.payload.toString('utf8');
  }

  /**
   * `copy-bck`: copies `from` (or its `prefix`) into `to`, which is created with the source's
   * properties when missing; returns the job ID.
   */
  async copyBucket(
    from: BucketJson,
    to: BucketJson,
    message: CopyBucketMsgJson = {},
  ): Promise<string> {
    return this.#bucketToBucket(Action.copyBucket, from, to, message, 'copy');
  }

  /**
   * `copy-listrange`: copies the listed or templated objects of `from` into `message.tobck`;
   * returns the job IDs (AIStore may answer several, comma-joined).
   */
  async copyObjects(from: BucketJson, message: CopyObjectsMsgJson): Promise<string[]> {
    const id = await this.#bucketAction(
      from,
      { action: Action.copyListRange, value: message },
      'copy objects of',
    );
    return id.split(',').filter((part) => part !== '');
  }

  /**
   * `etl-bck`: every object of `from` (or its `prefix`) through the ETL `message.id`, into `to`
   * (created with the source's properties when missing); returns the job ID.
   */
  async transformBucket(
    from: BucketJson,
    to: BucketJson,
    message: TransformBucketMsgJson,
  ): Promise<string> {
    return this.#bucketToBucket(Action.etlBucket, from, to, message, 'transform');
  }

  /** `etl-listrange`: the listed or templated objects through an ETL; returns the job IDs. */
  async transformObjects(from: BucketJson, message: TransformObjectsMsgJson): Promise<string[]> {
    const id = await this.#bucketAction(
      from,
      { action: Action.etlListRange, value: message },
      'transform objects of',
    );
    return id.split(',').filter((part) => part !== '');
  }

  /**
   * `move-bck`: renames `from` to `to` (which must not exist); returns the job ID. Once the job
   * ends, the primary removes `from`.
   */
  async moveBucket(from: BucketJson, to: BucketJson): Promise<string> {
    return this.#bucketToBucket(Action.moveBucket, from, to, {}, 'move');
  }

  async #bucketToBucket(
    action: string,
    from: BucketJson,
    to: BucketJson,
    message: object,
    verb: string,
  ): Promise<string> {
    const label = bucketLabel('POST', from, verb);
    const response = await this.control('POST', apiPath('buckets', from.name), label, {
      query: { ...bucketQuery(from), [Query.bucketTo]: bucketUname(to) },
      message: { action, value: message },
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

  /** Starts a `summary-bck` job (GET with action `summary-bck`); returns its ID. */
  async startBucketSummary(bucket: BucketJson, options: { prefix?: string } = {}): Promise<string> {
    const response = await this.#summaryRequest(bucket, { uuid: '', prefix: options.prefix ?? '' });
    return response.payload.toString('utf8').replace(/^"|"$/g, '');
  }

  /** Where summary `id` stands (AIStore: 202 nothing yet, 206 partial, 200 done). */
  async bucketSummaryProgress(bucket: BucketJson, id: string): Promise<BucketSummaryProgress> {
    const label = bucketLabel('GET', bucket, 'summarize');
    const response = await this.#summaryRequest(bucket, { uuid: id });
    const results = decodeJson(response, label, (text) => JSON.parse(text) as unknown);
    const summary = Array.isArray(results) ? (results[0] as BucketSummaryJson) : undefined;
    return { state: progressState(response.status, label), summary };
  }

  /** A bucket's summary: starts the job and polls it (bounded) until every target finished. */
  async bucketSummary(
    bucket: BucketJson,
    options: SummaryWaitOptions = {},
  ): Promise<BucketSummaryJson> {
    const id = await this.startBucketSummary(bucket, options);
    return this.#poll(bucket, id, options, async () => {
      const progress = await this.bucketSummaryProgress(bucket, id);
      return progress.state === 'done' ? progress.summary : undefined;
    });
  }

  /**
   * HEAD bucket with `bsumm_remote` (AIStore `Bucket.info`): the properties and the summary,
   * polled by the job ID the first answer gives until the summary is complete.
   */
  async bucketInfo(
    bucket: BucketJson,
    options: SummaryWaitOptions = {},
  ): Promise<{ props: BucketPropsJson; summary: BucketSummaryJson }> {
    const label = bucketLabel('HEAD', bucket);
    const head = async (path: string, id?: string): Promise<BufferedResponse> => {
      const query = { ...bucketQuery(bucket), [Query.bucketSummary]: 'true' };
      const response = await this.control('HEAD', path, label, {
        query: id === undefined ? query : { ...query, [Query.uuid]: id },
      });
      throwIfBufferedError(response, label, [200, 202, 206]);
      return response;
    };
    const prefix = options.prefix ?? '';
    const first = await head(apiPath('buckets', bucket.name, ...(prefix === '' ? [] : [prefix])));
    const id = headerValue(first.headers, Header.jobId) ?? '';
    const propsText = headerValue(first.headers, Header.bucketProps) ?? '{}';
    if (first.status !== 202 || id === '')
      throw new TransportError(label, `expected 202 with ${Header.jobId}, got ${first.status}`);
    const summary = await this.#poll(bucket, id, options, async () => {
      const response = await head(apiPath('buckets', bucket.name), id);
      if (response.status !== 200) return undefined;
      const text = headerValue(response.headers, Header.bucketSummary);
      if (text === undefined)
        throw new TransportError(label, `200 without ${Header.bucketSummary}`);
      return JSON.parse(text) as BucketSummaryJson;
    });
    return { props: JSON.parse(propsText) as BucketPropsJson, summary };
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

  async #summaryRequest(
    bucket: BucketJson,
    value: BucketSummaryRequestJson,
  ): Promise<BufferedResponse> {
    const label = bucketLabel('GET', bucket, 'summarize');
    const response = await this.control('GET', apiPath('buckets', bucket.name), label, {
      query: bucketQuery(bucket),
      message: { action: Action.summaryBucket, name: '', value },
    });
    throwIfBufferedError(response, label, [200, 202, 206]);
    return response;
  }

  async #poll<T>(
    bucket: BucketJson,
    id: string,
    options: SummaryWaitOptions,
    attempt: () => Promise<T | undefined>,
  ): Promise<T> {
    const timeoutMs = options.timeoutMs ?? 600_000;
    const deadline = Date.now() + timeoutMs;
    let intervalMs = options.intervalMs ?? 200;
    for (;;) {
      const result = await attempt();
      if (result !== undefined) return result;
      if (Date.now() > deadline) {
        const label = bucketLabel('GET', bucket, 'summarize');
        throw new TransportError(label, `summary ${id} not done after ${timeoutMs} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
      intervalMs = Math.min(10_000, intervalMs * 1.5);
    }
  }

  async #clusterAction(message: ActionMessage, what: string): Promise<string> {
    const label = clusterLabel(what);
    const response = await this.control('PUT', apiPath('cluster'), label, { message });
    throwIfBufferedError(response, label);
    return response.payload.toString('utf8');
  }

  /** Job queries carry a bare ArgsMsg or QueryMsg as the GET body, as AIStore's clients send. */
  async #query(
    what: string,
    message: object,
    text: string,
    query: Record<string, string> = {},
  ): Promise<unknown> {
    const label = clusterLabel(text);
    const response = await this.control('GET', apiPath('cluster'), label, {
      query: { [Query.what]: what, ...query },
      message,
    });
    throwIfBufferedError(response, label);
    return decodeJson(response, label, (body) => JSON.parse(body) as unknown);
  }
}

/** ArgsMsg as AIStore's Python client sends it: every key, Go spellings, null for no bucket. */
function argsMessage(selector: JobSelector & { buckets?: BucketJson[]; force?: boolean }): object {
  return {
    ID: selector.id ?? '',
    Kind: selector.kind ?? '',
    DaemonID: '',
    Bck: selector.bucket ?? null,
    Buckets: selector.buckets ?? null,
    ...(selector.force === true ? { Force: true } : {}),
  };
}

function progressState(status: number, label: OperationLabel): BucketSummaryProgress['state'] {
  if (status === 200) return 'done';
  if (status === 206) return 'partial';
  if (status === 202) return 'running';
  throw new TransportError(label, `unexpected status ${status}`);
}
