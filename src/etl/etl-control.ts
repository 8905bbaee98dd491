// The ETL control API on gateways (`/v1/etl`, AIStore's `ais/prxetl.go`): init, list, details,
// logs, health, metrics, stop, start, delete. Changes run on the primary (other gateways forward
// them): it writes the ETL metadata (stage Initializing), which makes every target start its
// transformer, waits until each is ready, then records Running, or Aborted with the reason.
// Reads are answered by any gateway from its metadata and its targets' reports.
import { readJsonBody, type RequestContext } from '../api/common/index.js';
import { sendValue } from '../api/native/index.js';
import type { ClusterNode, ClusterOwner, MetadataStore } from '../cluster/index.js';
import { StoreError, badRequest } from '../errors/index.js';
import type { IntraClient } from '../transport/index.js';
import { randomId } from '../util/ids.js';
import { asRecord } from '../util/json.js';
import {
  apiPath,
  EtlPath,
  EtlStage,
  Query,
  Resource,
  type EtlEntryJson,
  type EtlListEntryJson,
  type EtlNodeStatusJson,
  type EtlStageName,
} from '../wire/index.js';
import { etlExists, etlNotFound, etlWrongStage, transformFailed } from './etl-errors.js';
import { normalizeInitMessage, specOf } from './etl-spec.js';

export interface EtlControlEnvironment {
  metadata: MetadataStore;
  client: IntraClient;
  /** The cluster owner while this gateway is primary. */
  owner: () => ClusterOwner | undefined;
}

export class EtlControl {
  constructor(private readonly env: EtlControlEnvironment) {}

  async handle(context: RequestContext, segments: readonly string[]): Promise<void> {
    const [name = '', what = '', targetId] = segments;
    if (name === EtlPath.node || name === EtlPath.object)
      throw badRequest(`/v1/etl/${name} is served by targets`);
    const method = context.method;
    if (method === 'GET') {
      sendValue(context.res, await this.#read(context, name, what, targetId));
      return;
    }
    const change =
      (method === 'PUT' && name === '') ||
      (method === 'POST' && (what === EtlPath.stop || what === EtlPath.start)) ||
      (method === 'DELETE' && what === '');
    if (!change)
      throw new StoreError('MethodNotAllowed', `${method} ${context.path} is not an ETL call`);
    const body = await readJsonBody(context);
    const owner = this.env.owner();
    if (owner === undefined) {
      sendValue(context.res, await this.#forward(context, body));
      return;
    }
    if (method === 'PUT') sendValue(context.res, await this.#init(owner, body));
    else if (method === 'DELETE') sendValue(context.res, await this.#delete(owner, name));
    else if (what === EtlPath.stop) {
      const reason = asRecord(body)?.reason;
      sendValue(
        context.res,
        await this.#stop(owner, name, typeof reason === 'string' ? reason : 'stopped'),
      );
    } else sendValue(context.res, await this.#restart(owner, name));
  }

  async #read(context: RequestContext, name: string, what: string, targetId: string | undefined) {
    if (name === '') return this.#list();
    const entry = this.#entry(name);
    switch (what) {
      case '': {
        // `?uuid=<job>`: the failed objects of that offline job (etl-bck, etl-listrange).
        const job = context.query.get(Query.uuid) ?? '';
        const statuses = await this.#gather<EtlNodeStatusJson>(
          name,
          job === '' ? 'status' : `status?${new URLSearchParams({ [Query.uuid]: job }).toString()}`,
        );
        return {
          init_msg: entry.init_msg,
          obj_errors: statuses.flatMap((status) => status.obj_errors),
        };
      }
      case EtlPath.logs:
        return this.#gather(name, EtlPath.logs, targetId);
      case EtlPath.health:
        return this.#gather(name, EtlPath.health);
      case EtlPath.metrics:
        return this.#gather(name, EtlPath.metrics);
    }
    throw badRequest(`GET /v1/etl/${name}/${what}: unknown ETL query`);
  }

  async #list(): Promise<EtlListEntryJson[]> {
    const entries = this.env.metadata.etl?.list() ?? [];
    return Promise.all(
      entries.map(async ([name, entry]) => {
        const statuses = await this.#gather<EtlNodeStatusJson>(name, 'status', undefined, true);
        const sum = (key: 'obj_count' | 'in_bytes' | 'out_bytes'): number =>
          statuses.reduce((total, status) => total + status[key], 0);
        return {
          id: name,
          stage: entry.stage,
          xaction_id: entry.xaction_id,
          obj_count: sum('obj_count'),
          in_bytes: sum('in_bytes'),
          out_bytes: sum('out_bytes'),
        };
      }),
    );
  }

  #entry(name: string): EtlEntryJson {
    const entry = this.env.metadata.etl?.get(name);
    if (entry === undefined) throw etlNotFound(name);
    return entry;
  }

  /** Every target's (or one target's) answer for an ETL; `tolerant`: unreachable targets skipped. */
  async #gather<T>(name: string, what: string, targetId?: string, tolerant = false): Promise<T[]> {
    let targets = this.#targets();
    if (targetId !== undefined) {
      targets = targets.filter((target) => target.id === targetId);
      if (targets.length === 0)
        throw new StoreError('NodeNotFound', `target ${targetId} is not in the cluster map`);
    }
    const answers = await Promise.allSettled(
      targets.map((target) => this.#ask(target, name, what, this.#controlMs())),
    );
    const results: T[] = [];
    for (const answer of answers) {
      if (answer.status === 'fulfilled') results.push(answer.value as T);
      else if (!tolerant) throw answer.reason;
    }
    return results;
  }

  #ask(target: ClusterNode, name: string, what: string, timeoutMs: number): Promise<unknown> {
    return this.env.client.requestJson(
      // `what` may carry a query (`status?uuid=`).
      `${target.intraUrl}${apiPath(Resource.etl, EtlPath.node, name)}/${what}`,
      { method: 'GET', timeoutMs },
    );
  }

  #targets(): ClusterNode[] {
    return [...(this.env.metadata.clusterMap?.targets.values() ?? [])];
  }

  #controlMs(): number {
    return this.env.metadata.config.values.timeouts.control_ms;
  }

  async #forward(context: RequestContext, body: unknown): Promise<unknown> {
    const primary = this.env.metadata.clusterMap?.primary;
    if (primary === undefined)
      throw new StoreError('ClusterNotReady', 'no primary gateway known yet');
    // Init and start wait for the transformers: allow their init_timeout (the longest allowed).
    const initTimeoutMs = 60 * 60_000;
    return this.env.client.requestJson(`${primary.intraUrl}${context.path}${context.search}`, {
      method: context.method as 'PUT',
      body,
      timeoutMs: initTimeoutMs + this.#controlMs(),
    });
  }

  async #init(owner: ClusterOwner, body: unknown): Promise<string> {
    const runtimes = this.env.metadata.config.values.etl.runtimes;
    const message = normalizeInitMessage(body, runtimes);
    const entry: EtlEntryJson = {
      init_msg: message,
      stage: EtlStage.initializing,
      xaction_id: newXid(),
      secret: randomId(24),
    };
    await owner.changeEtl((current) => {
      if (current.get(message.name) !== undefined) throw etlExists(message.name);
      return current.with(message.name, entry);
    });
    return this.#bringUp(owner, message.name, entry);
  }

  /** Waits for every target's transformer; the stage becomes Running, or Aborted with why. */
  async #bringUp(owner: ClusterOwner, name: string, entry: EtlEntryJson): Promise<string> {
    const { initTimeoutMs } = specOf(entry.init_msg, this.env.metadata.config.values.etl.runtimes);
    const answers = await Promise.allSettled(
      this.#targets().map((target) =>
        this.#ask(target, name, 'ready', initTimeoutMs + this.#controlMs()),
      ),
    );
    const failures = answers.flatMap((answer) =>
      answer.status === 'rejected' ? [(answer.reason as Error).message] : [],
    );
    const stage = failures.length === 0 ? EtlStage.running : EtlStage.aborted;
    await owner.changeEtl((current) => {
      const now = current.get(name);
      if (now?.xaction_id !== entry.xaction_id) return current;
      return current.with(name, withStage(now, stage, failures.join('; ')));
    });
    if (failures.length > 0) throw transformFailed(name, `failed to start: ${failures.join('; ')}`);
    return entry.xaction_id;
  }

  async #stop(owner: ClusterOwner, name: string, reason: string): Promise<undefined> {
    await owner.changeEtl((current) => {
      const entry = current.get(name);
      if (entry === undefined) throw etlNotFound(name);
      if (entry.stage === EtlStage.aborted) return current;
      return current.with(name, withStage(entry, EtlStage.aborted, reason));
    });
    return undefined;
  }

  async #restart(owner: ClusterOwner, name: string): Promise<string> {
    let started: EtlEntryJson | undefined;
    await owner.changeEtl((current) => {
      const entry = current.get(name);
      if (entry === undefined) throw etlNotFound(name);
      if (entry.stage !== EtlStage.aborted)
        throw etlWrongStage(name, entry.stage, EtlStage.aborted);
      started = { ...withStage(entry, EtlStage.initializing, ''), xaction_id: newXid() };
      return current.with(name, started);
    });
    if (started === undefined) throw new Error('ETL start recorded nothing');
    return this.#bringUp(owner, name, started);
  }

  async #delete(owner: ClusterOwner, name: string): Promise<undefined> {
    await owner.changeEtl((current) => {
      if (current.get(name) === undefined) throw etlNotFound(name);
      return current.without(name);
    });
    return undefined;
  }
}

/** The entry in another stage; `reason` (why it was aborted) only when there is one. */
function withStage(entry: EtlEntryJson, stage: EtlStageName, reason: string): EtlEntryJson {
  const next: EtlEntryJson = { ...entry, stage };
  delete next.reason;
  return reason === '' ? next : { ...next, reason };
}

/** AIStore's ETL xaction IDs: `etl-<id>`. */
function newXid(): string {
  return `etl-${randomId(10)}`;
}
