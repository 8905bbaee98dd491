// dSort as a gateway drives it: the spec checked and each target's share started (phase 1 runs on
// every target at once), then, once every target extracted, the records' metadata gathered here,
// sorted and cut into output shards (phase 2), each shard sent to its HRW owner to build (phase
// 3), and finally the word that all is done. Any failure (a target's error, a target lost) aborts
// the job everywhere with that error; an abort removes the shards written so far.
import { setTimeout as sleep } from 'node:timers/promises';
import { getGlobalDispatcher, interceptors, request } from 'undici';
import type { ClusterMap, ClusterNode } from '../cluster/index.js';
import { StoreError, badRequest, isStoreError } from '../errors/index.js';
import type { IntraClient } from '../transport/index.js';
import { describeRequestError } from '../transport/index.js';
import { randomId } from '../util/ids.js';
import type { Logger } from '../util/log.js';
import {
  apiPath,
  dsortIdPrefix,
  objectUname,
  Resource,
  type BucketJson,
  type DsortJobInfoJson,
  type DsortRecordJson,
  type DsortShardPlanJson,
} from '../wire/index.js';
import { aggregateJobInfo } from './job-metrics.js';
import { parseRequestSpec, type DsortSpec, type Reaction } from './request-spec.js';
import { parseKeyMap, planByKeyMap, planByTemplate, type PlannedShard } from './shard-plan.js';
import { sortRecords } from './sort-records.js';

/** How often the coordinator asks the targets how far they are. */
const pollMs = 250;
/**
 * Polls in a row a target may leave unanswered (too busy to answer within the control timeout)
 * before the job fails; a dead target refuses at once, and also leaves the cluster map.
 */
const maxMissedPolls = 5;
/** Largest external key map read. */
const maxKeyMapBytes = 256 << 20;

export interface DsortCoordinatorEnvironment {
  readonly client: IntraClient;
  readonly log: Logger;
  readonly controlTimeoutMs: number;
  /** This gateway's ID: the targets fail the job if it leaves the cluster while driving it. */
  readonly nodeId: string;
  /** This gateway's public URL (an `ais://bucket/object` key map is read through it). */
  readonly publicUrl: string;
  clusterMap(): ClusterMap | undefined;
  /** The bucket must exist (BucketNotFound otherwise). */
  requireBucket(bucket: BucketJson): void;
  /** Creates the output bucket when it does not exist yet (AIStore: with the input's props). */
  ensureBucket(output: BucketJson, input: BucketJson): Promise<void>;
}

interface TargetAnswer {
  node: ClusterNode;
  body: unknown;
}

export class DsortCoordinator {
  /** The jobs this gateway drives now (each target asks: see `drives`). */
  readonly #driving = new Set<string>();

  constructor(private readonly environment: DsortCoordinatorEnvironment) {}

  /**
   * Whether this gateway drives the job: its targets ask every second, and fail the job when the
   * answer is no (this gateway restarted) or does not come (it is gone).
   */
  drives(id: string): boolean {
    return this.#driving.has(id);
  }

  /** `POST /v1/sort`: the job's ID once every target has started its share. */
  async start(body: unknown): Promise<string> {
    const spec = parseRequestSpec(body);
    this.environment.requireBucket(spec.inputBucket);
    await this.environment.ensureBucket(spec.outputBucket, spec.inputBucket);
    const id = `${dsortIdPrefix}${randomId(10)}`;
    const targets = this.#targets();
    this.#driving.add(id);
    try {
      const members = { driver: this.environment.nodeId, peers: targets.map((node) => node.id) };
      await this.#fanOut(targets, 'POST', [id], { spec: body, ...members });
    } catch (error) {
      this.#driving.delete(id);
      await this.#abortEverywhere(id, targets, describe(error), true);
      throw error;
    }
    void this.#drive(id, spec, targets).finally(() => this.#driving.delete(id));
    return id;
  }

  /** `GET /v1/sort?uuid=`: each target's JobInfo (404 when none knows the job). */
  async metrics(id: string): Promise<Record<string, DsortJobInfoJson>> {
    const answers = await this.#known(id);
    return Object.fromEntries(answers.map(({ node, body }) => [node.id, body as DsortJobInfoJson]));
  }

  /** `GET /v1/sort[?regex=][&only_active=true]`: every job, aggregated over targets. */
  async list(regex: string | undefined, onlyActive: boolean): Promise<DsortJobInfoJson[]> {
    let pattern: RegExp | undefined;
    try {
      pattern = regex === undefined || regex === '' ? undefined : new RegExp(regex);
    } catch (error) {
      throw badRequest(`invalid regex "${regex ?? ''}": ${describe(error)}`);
    }
    const answers = await this.#reachable(this.#targets(), []);
    const byJob = new Map<string, DsortJobInfoJson[]>();
    for (const { body } of answers)
      for (const info of body as DsortJobInfoJson[])
        byJob.set(info.id, [...(byJob.get(info.id) ?? []), info]);
    return [...byJob.values()]
      .map((infos) => aggregateJobInfo(infos))
      .filter((info): info is DsortJobInfoJson => info !== undefined)
      .filter(
        (info) =>
          pattern === undefined ||
          pattern.test(info.id) ||
          pattern.test(info.Metrics.description ?? ''),
      )
      .filter((info) => !onlyActive || (!info.aborted && !info.archived))
      .sort((a, b) => (a.started_time ?? '').localeCompare(b.started_time ?? ''));
  }

  /** `DELETE /v1/sort/abort?uuid=`. */
  async abort(id: string): Promise<void> {
    const answers = await this.#known(id);
    await this.#abortEverywhere(
      id,
      answers.map(({ node }) => node),
      'aborted by request',
      false,
    );
  }

  /** `DELETE /v1/sort?uuid=`: forgets a finished (or aborted) job. */
  async remove(id: string): Promise<void> {
    const answers = await this.#known(id);
    const running = answers.find(({ body }) => {
      const info = body as DsortJobInfoJson;
      return !info.archived && !info.aborted;
    });
    if (running !== undefined)
      throw badRequest(`dsort job "${id}" is still running on ${running.node.id} (abort it first)`);
    await this.#fanOut(
      answers.map(({ node }) => node),
      'DELETE',
      [id],
      undefined,
    );
  }

  async #drive(id: string, spec: DsortSpec, targets: readonly ClusterNode[]): Promise<void> {
    const { log } = this.environment;
    try {
      if (!(await this.#waitForPhase(id, targets, 'local_extraction'))) return;
      await this.#fanOut(targets, 'POST', [id, 'sorting'], undefined);
      const answers = await this.#fanOut(targets, 'GET', [id, 'records'], undefined);
      const records = answers.flatMap(({ body }) => body as DsortRecordJson[]);
      const warnings: string[] = [];
      const react = (reaction: Reaction, message: string): void => {
        if (reaction === 'abort') throw badRequest(message);
        if (reaction === 'warn') warnings.push(message);
      };
      checkDuplicates(records, spec, react);
      sortRecords(records, spec.algorithm);
      const shards =
        spec.ekmFile === ''
          ? planByTemplate(records, spec)
          : planByKeyMap(records, await this.#keyMap(spec, react), spec, react);
      await this.#sendPlans(id, targets, shards, spec.outputBucket, warnings);
      if (!(await this.#waitForPhase(id, targets, 'shard_creation'))) return;
      await this.#fanOut(targets, 'POST', [id, 'complete'], undefined);
      log.info('dsort finished', { job: id, records: records.length, shards: shards.length });
    } catch (error) {
      log.warn('dsort failed', { job: id, error });
      await this.#abortEverywhere(id, targets, describe(error), true);
    }
  }

  /** Waits until every target finished the phase; false when the job was aborted meanwhile. */
  async #waitForPhase(
    id: string,
    targets: readonly ClusterNode[],
    phase: 'local_extraction' | 'shard_creation',
  ): Promise<boolean> {
    for (let missed = 0; ;) {
      let infos: DsortJobInfoJson[];
      try {
        infos = (await this.#fanOut(targets, 'GET', [id], undefined)).map(
          ({ body }) => body as DsortJobInfoJson,
        );
        missed = 0;
      } catch (error) {
        missed += 1;
        if (!isStoreError(error) || error.code !== 'PeerUnreachable' || missed >= maxMissedPolls)
          throw error;
        await sleep(pollMs);
        continue;
      }
      const failed = infos.find((info) => (info.Metrics.errors ?? []).length > 0);
      if (failed !== undefined) throw new StoreError('Internal', failed.Metrics.errors?.[0] ?? '');
      if (infos.some((info) => info.aborted)) return false;
      if (infos.every((info) => info.Metrics[phase].finished)) return true;
      await sleep(pollMs);
    }
  }

  async #sendPlans(
    id: string,
    targets: readonly ClusterNode[],
    shards: readonly PlannedShard[],
    output: BucketJson,
    warnings: readonly string[],
  ): Promise<void> {
    const map = this.#map();
    const byTarget = new Map<string, DsortShardPlanJson[]>(targets.map((node) => [node.id, []]));
    for (const shard of shards) {
      const owner = map.ownerOf(objectUname(output, shard.name));
      const plans = owner === undefined ? undefined : byTarget.get(owner.id);
      if (plans === undefined)
        throw new StoreError(
          'PeerUnreachable',
          `no target of the job owns output shard "${shard.name}"`,
        );
      plans.push({
        name: shard.name,
        records: shard.records.map(({ node, index, files }) => ({ node, index, files })),
      });
    }
    await Promise.all(
      targets.map((node) =>
        this.#call(node, 'POST', [id, 'plan'], { shards: byTarget.get(node.id), warnings }),
      ),
    );
  }

  async #keyMap(spec: DsortSpec, react: (reaction: Reaction, message: string) => void) {
    const url = spec.ekmFile.startsWith('ais://')
      ? `${this.environment.publicUrl}${apiPath(Resource.objects, ...spec.ekmFile.slice(6).split('/'))}`
      : spec.ekmFile;
    let text: string;
    try {
      // An object's URL on a gateway answers with a redirect to its target.
      const response = await request(url, {
        dispatcher: getGlobalDispatcher().compose(interceptors.redirect({ maxRedirections: 3 })),
        headersTimeout: this.environment.controlTimeoutMs,
        bodyTimeout: this.environment.controlTimeoutMs,
      });
      if (response.statusCode !== 200) {
        await response.body.dump();
        throw new Error(`status ${response.statusCode}`);
      }
      const length = Number(response.headers['content-length'] ?? 0);
      if (length > maxKeyMapBytes) {
        await response.body.dump();
        throw new Error(`${length} bytes (at most ${maxKeyMapBytes})`);
      }
      text = await response.body.text();
    } catch (error) {
      throw badRequest(`failed to read the external key map ${spec.ekmFile}: ${describe(error)}`);
    }
    return parseKeyMap(text, url, spec, react);
  }

  /** The targets that know the job, with their JobInfo (404 when none does). */
  async #known(id: string): Promise<TargetAnswer[]> {
    const known = await this.#reachable(this.#targets(), [id]);
    if (known.length === 0) throw new StoreError('JobNotFound', `dsort job "${id}" not found`);
    return known;
  }

  /**
   * GETs from every target, leaving out those that do not know the job or do not answer (a lost
   * target: what the others report says why the job failed).
   */
  async #reachable(targets: readonly ClusterNode[], segments: string[]): Promise<TargetAnswer[]> {
    const settled = await Promise.allSettled(
      targets.map(async (node) => ({ node, body: await this.#call(node, 'GET', segments) })),
    );
    const answers: TargetAnswer[] = [];
    for (const result of settled) {
      if (result.status === 'fulfilled') answers.push(result.value);
      else if (
        !isStoreError(result.reason) ||
        (result.reason.code !== 'JobNotFound' && result.reason.code !== 'PeerUnreachable')
      )
        throw result.reason;
    }
    return answers;
  }

  async #abortEverywhere(
    id: string,
    targets: readonly ClusterNode[],
    reason: string,
    failure: boolean,
  ): Promise<void> {
    const query = `?${new URLSearchParams({ reason, failure: String(failure) }).toString()}`;
    await Promise.allSettled(
      targets.map((node) => this.#call(node, 'DELETE', [id, 'abort'], undefined, query)),
    );
  }

  #map(): ClusterMap {
    const map = this.environment.clusterMap();
    if (map === undefined) throw new StoreError('ClusterNotReady', 'no cluster map yet');
    return map;
  }

  #targets(): ClusterNode[] {
    const targets = this.#map().activeTargets();
    if (targets.length === 0)
      throw new StoreError('ClusterNotReady', 'no storage targets in the cluster');
    return targets;
  }

  #fanOut(
    targets: readonly ClusterNode[],
    method: 'GET' | 'POST' | 'DELETE',
    segments: string[],
    body: unknown,
  ): Promise<TargetAnswer[]> {
    return Promise.all(
      targets.map(async (node) => ({ node, body: await this.#call(node, method, segments, body) })),
    );
  }

  async #call(
    node: ClusterNode,
    method: 'GET' | 'POST' | 'DELETE',
    segments: string[],
    body?: unknown,
    query = '',
  ): Promise<unknown> {
    try {
      return await this.environment.client.requestJson(
        `${node.intraUrl}${apiPath(Resource.dsort, ...segments)}${query}`,
        {
          method,
          ...(body === undefined ? {} : { body }),
          timeoutMs: this.environment.controlTimeoutMs,
        },
      );
    } catch (error) {
      if (isStoreError(error) && error.code === 'PeerUnreachable')
        throw new StoreError(
          'PeerUnreachable',
          `dsort: target ${node.id} is unreachable (${error.message})`,
        );
      throw error;
    }
  }
}

/** Records of the same key in different shards (AIStore's `duplicated_records`). */
function checkDuplicates(
  records: readonly DsortRecordJson[],
  spec: DsortSpec,
  react: (reaction: Reaction, message: string) => void,
): void {
  if (spec.duplicatedRecords === 'ignore') return;
  const seen = new Map<string, string>();
  for (const record of records) {
    const earlier = seen.get(record.key);
    if (earlier !== undefined)
      react(
        spec.duplicatedRecords,
        `duplicated record "${record.key}" in "${earlier}" and "${record.shard}"`,
      );
    seen.set(record.key, record.shard);
  }
}

function describe(error: unknown): string {
  return isStoreError(error) || !(error instanceof Error)
    ? String((error as Error).message ?? error)
    : describeRequestError(error);
}
