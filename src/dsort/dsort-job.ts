// One target's share of a dSort job: extraction of the input shards it owns, then (when the
// sorting node sends the plan) creation of the output shards it owns, then waiting for the word
// that every target is done (its records are served to the others until then). An abort at any
// point removes the output shards it stored and drops the extracted records.
import { join } from 'node:path';
import { isStoreError } from '../errors/index.js';
import { Job, type JobKind } from '../jobs/index.js';
import type { Logger } from '../util/log.js';
import {
  apiPath,
  Resource,
  type DsortJobInfoJson,
  type DsortShardPlanJson,
} from '../wire/index.js';
import { createShards } from './create-shards.js';
import type { DsortTargetEnvironment } from './dsort-environment.js';
import { extractOwnedShards } from './extract-shards.js';
import { DsortMetrics } from './job-metrics.js';
import { RecordStore } from './record-store.js';
import { memoryBudget, type DsortSpec } from './request-spec.js';

/** The kind as job queries show it; started by `POST /v1/sort`, never by a start action. */
export const dsortJobKind: JobKind = {
  name: 'dsort',
  startable: false,
  bucketScoped: true,
  exclusive: false,
};

/**
 * How often a running job checks that the nodes it depends on are still in the cluster, and asks
 * the gateway driving it whether it still does.
 */
const membershipCheckMs = 1000;

/** The nodes a job depends on: the gateway driving it and the targets holding its records. */
export interface DsortMembers {
  driver: string | undefined;
  peers: readonly string[];
}

/** A value that arrives later, or the abort that ends the wait for it. */
class Awaited<T> {
  #resolve: (value: T) => void = () => undefined;
  readonly #promise = new Promise<T>((resolve) => {
    this.#resolve = resolve;
  });
  arrived = false;

  deliver(value: T): void {
    this.arrived = true;
    this.#resolve(value);
  }

  wait(signal: AbortSignal): Promise<T> {
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason as Error);
      signal.addEventListener('abort', onAbort, { once: true });
      void this.#promise.then((value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      });
    });
  }
}

export class DsortJob extends Job {
  readonly metrics: DsortMetrics;
  readonly records: RecordStore;
  readonly #plan = new Awaited<DsortShardPlanJson[]>();
  readonly #completion = new Awaited<void>();
  readonly #created: string[] = [];
  /** When the driving gateway last answered that it drives the job. */
  #driverSeenMs: number;
  #driverProbe: Promise<void> | undefined;

  constructor(
    id: string,
    readonly spec: DsortSpec,
    private readonly environment: DsortTargetEnvironment,
    private readonly members: DsortMembers,
  ) {
    super(id, dsortJobKind.name, spec.inputBucket);
    this.metrics = new DsortMetrics(environment.clock, spec.description);
    this.#driverSeenMs = environment.clock.nowMs();
    this.records = new RecordStore(
      join(environment.workDirectory, id),
      memoryBudget(spec.maxMemUsage),
    );
  }

  protected async execute(signal: AbortSignal, log: Logger): Promise<void> {
    const { metrics } = this;
    // Without this a job whose driving gateway died would wait for its plan forever.
    const membership = setInterval(() => this.#checkMembers(), membershipCheckMs);
    membership.unref();
    try {
      metrics.extraction.begin();
      await extractOwnedShards({ ...this.#context(signal), records: this.records });
      metrics.extraction.finish();
      this.counters.localObjects = metrics.extractedShards;
      this.counters.localBytes = metrics.extractedBytes;
      const plan = await this.#plan.wait(signal);
      metrics.sorting.finish();
      metrics.creation.begin();
      metrics.toCreate = plan.length;
      await createShards(
        {
          ...this.#context(signal),
          jobId: this.id,
          records: this.records,
          modifiedMs: this.startTime.getTime(),
          created: this.#created,
        },
        plan,
      );
      metrics.creation.finish();
      this.counters.outObjects = metrics.created;
      await this.#completion.wait(signal);
      metrics.archived = true;
    } catch (error) {
      metrics.aborted = true;
      if (!signal.aborted) metrics.fail(error instanceof Error ? error.message : String(error));
      await this.#removeOutputs(log);
      throw error;
    } finally {
      clearInterval(membership);
      await this.records.clear();
    }
  }

  /** Fails the job when a node it depends on left the cluster map (keepalive removed it). */
  #checkMembers(): void {
    const map = this.environment.clusterMap();
    if (map === undefined) return;
    const { driver, peers } = this.members;
    if (driver !== undefined && map.node(driver) === undefined)
      this.abortWith(`dsort: gateway ${driver} driving this job left the cluster`, true);
    const lost = peers.find((id) => map.node(id) === undefined);
    if (lost !== undefined)
      this.abortWith(`dsort: target ${lost} holding records of this job left the cluster`, true);
    if (driver !== undefined && this.#driverProbe === undefined)
      this.#driverProbe = this.#probeDriver(driver).finally(() => {
        this.#driverProbe = undefined;
      });
  }

  /**
   * Asks the driving gateway whether it still drives the job. A dead primary stays in the map
   * when no election can replace it (one or two gateways), and a restarted one has lost its jobs:
   * without this the job would wait for its plan, or the word that all is done, for ever.
   */
  async #probeDriver(driver: string): Promise<void> {
    const node = this.environment.clusterMap()?.node(driver);
    if (node === undefined) return;
    const silenceMs = this.environment.driverSilenceMs();
    try {
      await this.environment.client.requestJson(
        `${node.intraUrl}${apiPath(Resource.dsort, this.id)}`,
        { method: 'GET', timeoutMs: silenceMs },
      );
      this.#driverSeenMs = this.environment.clock.nowMs();
    } catch (error) {
      // The word that all is done came meanwhile: the gateway has let go of a finished job.
      if (this.#completion.arrived) return;
      if (isStoreError(error) && error.code === 'JobNotFound') {
        this.abortWith(
          `dsort: gateway ${driver} driving this job no longer knows it (restarted?)`,
          true,
        );
        return;
      }
      const silentMs = this.environment.clock.nowMs() - this.#driverSeenMs;
      if (silentMs >= silenceMs)
        this.abortWith(
          `dsort: gateway ${driver} driving this job is unreachable for ${Math.round(silentMs / 1000)} s (${error instanceof Error ? error.message : String(error)})`,
          true,
        );
    }
  }

  #context(signal: AbortSignal) {
    return { spec: this.spec, environment: this.environment, metrics: this.metrics, signal };
  }

  /** The sorting node began gathering the records' metadata. */
  startSorting(): void {
    this.metrics.sorting.begin();
  }

  /** The output shards this target builds (none is a valid plan). */
  receivePlan(plan: DsortShardPlanJson[]): void {
    if (!this.#plan.arrived) this.#plan.deliver(plan);
  }

  /** Every target built its shards: the records may go. */
  complete(): void {
    this.#completion.deliver();
  }

  /**
   * Why this target's records are gone when the job ended without completing (aborted, or failed
   * here), for a target that still asks for them; undefined while it runs or after it completed.
   */
  stoppedReason(): string | undefined {
    if (this.signal.aborted) return (this.signal.reason as Error).message;
    // Failed here: the records go before the job stops running, and an asker must hear why.
    if (this.metrics.aborted) return this.metrics.errors[0] ?? 'aborted';
    if (this.running || this.metrics.archived) return undefined;
    return this.metrics.errors[0];
  }

  /** Aborts; `failure` (another node's error) is reported in this target's errors too. */
  abortWith(reason: string, failure: boolean): void {
    if (!this.running) return;
    if (failure) this.metrics.fail(reason);
    this.metrics.aborted = true;
    this.abort(reason);
  }

  jobInfo(): DsortJobInfoJson {
    return this.metrics.jobInfo(
      this.id,
      { input: this.spec.inputBucket, output: this.spec.outputBucket },
      { files: this.records.spilledFiles, bytes: this.records.spilledBytes },
    );
  }

  async #removeOutputs(log: Logger): Promise<void> {
    for (const name of this.#created.splice(0)) {
      try {
        await this.environment.deleteObject(this.spec.outputBucket, name);
      } catch (error) {
        if (isStoreError(error) && error.code === 'ObjectNotFound') continue;
        log.warn('dsort: an output shard of an aborted job was not removed', {
          job: this.id,
          name,
          error,
        });
      }
    }
  }
}
