// One target's share of a download job (kind `download`): it fetches the objects it owns, a
// bounded number at once (`limits.connections`, else `downloader.workers`), each streamed from the
// origin into the store (never buffered; its length and any MD5 the origin sends checked on the
// way) within the per-object deadline, retrying network errors, timeouts and 5xx a bounded number
// of times. A failed object is counted and reported by name, and the job goes on. It answers
// AIStore's job and status JSON for its share; the gateway adds the shares up.
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClusterMap } from '../../../cluster/index.js';
import type { ClusterConfigValues } from '../../../config/index.js';
import { isStoreError } from '../../../errors/index.js';
import type { Logger } from '../../../util/log.js';
import { TokenBucket } from '../../../util/token-bucket.js';
import {
  objectUname,
  zeroTime,
  type BucketJson,
  type DownloadJobJson,
  type DownloadStatusJson,
  type DownloadTaskErrorJson,
  type DownloadTaskJson,
} from '../../../wire/index.js';
import type { TargetJobEnvironment } from '../../job-environment.js';
import { Job } from '../../job.js';
import { selectOwnedObjects } from '../../object-selection.js';
import { countOwned, ownedItems, type DownloadItem, type ItemScope } from './download-items.js';
import type { DownloadSpec } from './download-request.js';
import { OriginError, type OriginClient } from './origin-fetch.js';

/** Pause before another attempt at an object, times the attempts made so far. */
const retryPauseMs = 500;

/** An object being downloaded, or done. */
interface Task {
  name: string;
  downloaded: number;
  total: number | undefined;
  start: Date;
  end: Date | undefined;
}

/** Custom metadata of a downloaded object (AIStore's `source: web`), and where it came from. */
export const DownloadMetadataKey = { source: 'source', originalUrl: 'orig_url' } as const;

/** How a job is kept across restarts (see download-journal.ts). */
export interface DownloadJobRecord {
  /** Started again after a restart: objects already downloaded from their link are skipped. */
  resumed: boolean;
  record(): Promise<void>;
  forget(): Promise<void>;
}

export class DownloadJob extends Job {
  #total = -1;
  #scheduled = 0;
  #finished = 0;
  #skipped = 0;
  #allDispatched = false;
  readonly #current = new Set<Task>();
  /** The latest finished objects (at most `max_task_records`). */
  readonly #done: Task[] = [];
  /** The first failed objects (at most `max_task_records`); `errors` counts all. */
  readonly #failures: DownloadTaskErrorJson[] = [];
  readonly #config: ClusterConfigValues['downloader'];
  #budget: TokenBucket | undefined;

  constructor(
    id: string,
    private readonly spec: DownloadSpec,
    readonly description: string,
    private readonly environment: TargetJobEnvironment,
    private readonly origin: OriginClient,
    private readonly kept: DownloadJobRecord,
  ) {
    super(id, 'download', spec.bucket);
    this.#config = environment.clusterConfig().downloader;
    this.extraCounters.errors = 0;
    this.extraCounters.skipped = 0;
  }

  protected async execute(signal: AbortSignal, log: Logger): Promise<void> {
    // The record (two fsyncs) is written while the first objects download: the job's ID was
    // answered before either began, so waiting for it first made no crash safer, only the job
    // slower. It is durable before the job can end, and forgotten only after it was written.
    const recorded = this.kept.record();
    recorded.catch(() => undefined);
    try {
      await this.#run(signal, log);
      await recorded;
    } finally {
      await recorded.catch(() => undefined);
      await this.kept.forget().catch((error: unknown) => {
        log.warn('download: could not forget the job record', { job: this.id, error });
      });
    }
  }

  async #run(signal: AbortSignal, log: Logger): Promise<void> {
    const map = this.environment.clusterMap();
    if (map === undefined) throw new Error('no cluster map');
    const { bucket, source, limits } = this.spec;
    const scope: ItemScope = {
      owns: (name) => map.ownerOf(objectUname(bucket, name))?.id === this.environment.nodeId,
      remoteNames: (prefix) => this.environment.remoteObjectNames(bucket, prefix),
    };
    this.#total = (await countOwned(source, scope, signal)) ?? -1;
    if (limits.bytesPerHour > 0) {
      // The job's budget is shared by the targets (AIStore divides it among them), a minute's
      // worth at most in one go.
      const perMs = limits.bytesPerHour / Math.max(1, map.activeTargets().length) / 3_600_000;
      this.#budget = new TokenBucket(perMs, Math.max(1, perMs * 60_000), Date.now());
    }
    const items = ownedItems(source, scope);
    const work = async (): Promise<void> => {
      for (;;) {
        if (signal.aborted) return;
        const next = await items.next();
        if (next.done === true) return;
        await this.#download(next.value, signal, log);
      }
    };
    const workers = limits.connections > 0 ? limits.connections : this.#config.workers;
    await Promise.all(Array.from({ length: workers }, work));
    if (source.kind === 'backend' && source.synchronize && !signal.aborted)
      await this.#synchronize(map, source.prefix, source.suffix, signal);
    this.#allDispatched = !signal.aborted;
  }

  /**
   * `synchronize`: the cached objects this target owns under the prefix (with the suffix) that
   * the remote no longer has are evicted (each checked against the remote).
   */
  async #synchronize(
    map: ClusterMap,
    prefix: string,
    suffix: string,
    signal: AbortSignal,
  ): Promise<void> {
    const bucket = this.spec.bucket;
    const cached = selectOwnedObjects(
      { prefix },
      {
        bucket,
        nodeId: this.environment.nodeId,
        map,
        store: this.environment.store,
        nonRecursive: false,
      },
    );
    for await (const name of cached) {
      if (signal.aborted) return;
      if (!name.endsWith(suffix)) continue;
      try {
        await this.environment.prefetchObject(bucket, name, true);
      } catch (error) {
        if (!isStoreError(error) || error.code !== 'ObjectNotFound') throw error;
        this.#scheduled += 1;
        await this.environment.evictObject(bucket, name);
        this.#finished += 1;
        this.extraCounters.evicted = (this.extraCounters.evicted ?? 0) + 1;
      }
    }
  }

  async #download(item: DownloadItem, signal: AbortSignal, log: Logger): Promise<void> {
    this.#scheduled += 1;
    const task: Task = {
      name: item.name,
      downloaded: 0,
      total: undefined,
      start: new Date(),
      end: undefined,
    };
    if (item.error !== undefined) return this.#fail(task, item.error);
    if (this.kept.resumed && (await this.#downloadedBefore(item))) {
      this.#skipped += 1;
      this.extraCounters.skipped = this.#skipped;
      return;
    }
    this.#current.add(task);
    try {
      for (let attempt = 1; ; attempt += 1) {
        try {
          await this.#attempt(item, task, signal);
          break;
        } catch (error) {
          if (signal.aborted || attempt >= this.#config.max_attempts || !retriable(error, task))
            throw error;
          log.warn('download: retrying', {
            job: this.id,
            name: item.name,
            attempt,
            error: describe(error),
          });
          task.downloaded = 0;
          await sleep(retryPauseMs * attempt, undefined, { signal });
        }
      }
      this.#finished += 1;
      this.counters.localObjects += 1;
      this.counters.localBytes += task.downloaded;
      this.#record(task);
    } catch (error) {
      if (!signal.aborted) this.#fail(task, describe(error));
    } finally {
      this.#current.delete(task);
    }
  }

  /**
   * Before a restart, the object was stored from this very link (objects are only visible once
   * whole: one cut short by the restart is not there).
   */
  async #downloadedBefore(item: DownloadItem): Promise<boolean> {
    if (item.link === '') return false;
    try {
      const stored = await this.environment.store.headObject(this.spec.bucket, item.name);
      return stored.customMetadata[DownloadMetadataKey.originalUrl] === item.link;
    } catch {
      // Missing (or unreadable: then the download says what is wrong).
      return false;
    }
  }

  /** One try at an object: from its link, or (no link) from the bucket's backend. */
  async #attempt(item: DownloadItem, task: Task, jobSignal: AbortSignal): Promise<void> {
    const { bucket } = this.spec;
    if (item.link === '') return this.#fromBackend(bucket, task);
    const timeoutMs = this.spec.timeoutMs ?? this.#config.timeout_ms;
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = AbortSignal.any([jobSignal, deadline]);
    try {
      const answer = await this.origin.open(item.link, this.spec.headers, signal);
      task.total = answer.size;
      const body = Readable.from(this.#meter(answer.body, task, signal), { objectMode: false });
      try {
        const stored = await this.environment.putObject(bucket, item.name, body, {
          size: answer.size,
          md5: answer.md5,
          customMetadata: {
            [DownloadMetadataKey.source]: 'web',
            [DownloadMetadataKey.originalUrl]: item.link,
          },
        });
        task.downloaded = stored.size;
      } finally {
        // A store that failed before reading it all: the origin's answer is closed too.
        body.destroy();
      }
    } catch (error) {
      if (deadline.aborted && !jobSignal.aborted)
        throw new OriginError(`"${item.link}": timed out after ${timeoutMs} ms`, true);
      throw error;
    }
  }

  /** A remote bucket's object fetched by its backend unless the cached copy is the latest. */
  async #fromBackend(bucket: BucketJson, task: Task): Promise<void> {
    const fetched = await this.environment.prefetchObject(bucket, task.name, true);
    if (!fetched) {
      this.#skipped += 1;
      this.extraCounters.skipped = this.#skipped;
    }
    task.downloaded = (await this.environment.store.headObject(bucket, task.name)).size;
    task.total = task.downloaded;
  }

  /** Counts the bytes as they pass, within the job's byte budget. */
  async *#meter(
    body: AsyncIterable<Buffer>,
    task: Task,
    signal: AbortSignal,
  ): AsyncGenerator<Buffer> {
    for await (const chunk of body) {
      const waitMs = this.#budget?.take(Date.now(), chunk.length) ?? 0;
      if (waitMs > 0) await sleep(waitMs, undefined, { signal });
      task.downloaded += chunk.length;
      yield chunk;
    }
  }

  #record(task: Task): void {
    task.end = new Date();
    this.#done.push(task);
    if (this.#done.length > this.#config.max_task_records) this.#done.shift();
  }

  #fail(task: Task, error: string): void {
    this.extraCounters.errors = (this.extraCounters.errors ?? 0) + 1;
    if (this.controlMessage === '')
      this.controlMessage = `first failed object ${task.name}: ${error}`;
    if (this.#failures.length < this.#config.max_task_records)
      this.#failures.push({ name: task.name, error });
  }

  /** This target's share as AIStore's `dload.Job`. */
  info(): DownloadJobJson {
    const failed = this.state === 'failed';
    return {
      id: this.id,
      xaction_id: this.id,
      description: this.description,
      started_time: this.startTime.toISOString(),
      finished_time: this.endTime?.toISOString() ?? zeroTime,
      finished_cnt: this.#finished,
      scheduled_cnt: this.#scheduled,
      skipped_cnt: this.#skipped,
      error_cnt: (this.extraCounters.errors ?? 0) + (failed ? 1 : 0),
      total: this.#total,
      all_dispatched: this.#allDispatched,
      // A share that could not go on (its listing failed) stopped as an abort does.
      aborted: this.signal.aborted || failed,
    };
  }

  /** The share's status; `onlyActive` leaves out finished and failed objects. */
  status(onlyActive: boolean): DownloadStatusJson {
    const current = [...this.#current].map(taskJson);
    if (onlyActive) return { ...this.info(), current_tasks: current };
    const errors =
      this.state === 'failed'
        ? [...this.#failures, { name: '', error: this.error }]
        : this.#failures;
    return {
      ...this.info(),
      current_tasks: current,
      finished_tasks: this.#done.map(taskJson),
      download_errors: [...errors].sort((a, b) => a.name.localeCompare(b.name)),
    };
  }
}

function taskJson(task: Task): DownloadTaskJson {
  return {
    name: task.name,
    downloaded: String(task.downloaded),
    ...(task.total === undefined ? {} : { total: String(task.total) }),
    start_time: task.start.toISOString(),
    end_time: task.end?.toISOString() ?? zeroTime,
  };
}

/**
 * Worth another attempt: an origin's 5xx or 429, a network failure, a timeout, or a body cut
 * short; never a 4xx, a checksum mismatch or the store's refusal.
 */
function retriable(error: unknown, task: Task): boolean {
  if (error instanceof OriginError) return error.retriable;
  if (task.total !== undefined && task.downloaded < task.total) return true;
  return !isStoreError(error);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
