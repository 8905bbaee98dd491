// Jobs as a gateway sees them: start a job on every target, abort it, and aggregate the targets'
// snapshots into AIStore's status answers (`status`, `status_all`, `running_all`, `qryxstats`),
// with AIStore's wording when nothing matches (clients print it).
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreError, badRequest, isStoreError, notImplemented } from '../../errors/index.js';
import { plannedJobKinds, type LruArgs } from '../../jobs/index.js';
import { randomId } from '../../util/ids.js';
import { validateObjectName } from '../../storage/layout/index.js';
import {
  Action,
  apiPath,
  bucketQuery,
  objectUname,
  Query,
  Resource,
  zeroTime,
  type BucketJson,
  type JobArgsJson,
  type JobSnapshotJson,
  type JobSnapshotsByNodeJson,
  type JobStatusJson,
  type StartJobRequestJson,
} from '../../wire/index.js';
import { jobWaitMaxMs } from '../../api/native/index.js';
import { lookupBucket } from '../common/bucket-lookup.js';
import { findJobKind } from '../common/job-catalog.js';
import type { NodeRuntime } from '../common/node-runtime.js';
import { describeSelection, type JobSelection } from './job-messages.js';

export type { JobSelection } from './job-messages.js';

/** A target's answer in a tolerant fan-out when it could not be reached. */
const unreachable = Symbol('unreachable');

/** How often `run` asks the targets whether its job finished. */
const jobPollMs = 100;

/** A job's status with the time it started (the latest of a kind is the one `status` reports). */
interface AggregatedStatus {
  status: JobStatusJson;
  startMs: number;
}

export interface JobStartOptions {
  /** Put before the job's random ID (a copy-listrange's `tco-`). */
  idPrefix?: string;
  /** Made for this job: destroyed by the targets if it fails (StartJobRequestJson). */
  createdBucket?: BucketJson | undefined;
}

export class JobCoordinator {
  constructor(private readonly runtime: NodeRuntime) {}

  /**
   * `PUT /v1/cluster {"action":"start"}`: only kinds that may be started this way. `objectName` is
   * the message's `name` (the object of a `blob-download`).
   */
  async startByRequest(args: JobArgsJson, objectName = ''): Promise<string> {
    const kind = args.Kind ?? '';
    const definition = findJobKind(kind);
    if (kind === Action.blobDownload) return this.#startBlobDownload(args.Bck, objectName);
    if (definition === undefined) {
      if (plannedJobKinds.has(kind)) throw notImplemented(`job kind "${kind}"`);
      throw badRequest(`unknown job kind "${kind}"`);
    }
    if (!definition.startable)
      throw badRequest(`job kind "${kind}" cannot be started with "start"`);
    if (definition.bucketScoped && args.Bck === undefined)
      throw badRequest(`job kind "${kind}" needs a bucket ("Bck")`);
    for (const bucket of args.Buckets ?? []) lookupBucket(this.runtime, bucket);
    if (kind !== 'lru') return this.start(kind, args.Bck, undefined);
    // `lru` may be narrowed to several buckets (AIStore's `Buckets`); `Force` overrides their
    // `lru.enabled`, as AIStore's, and so needs buckets named.
    const buckets = args.Buckets ?? [];
    if (args.Force === true && args.Bck === undefined && buckets.length === 0)
      throw badRequest(
        'lru: "Force" evicts from the buckets named in "Bck" or "Buckets": name them',
      );
    const lruArgs: LruArgs = { Buckets: buckets, Force: args.Force === true };
    return this.start(kind, args.Bck, lruArgs);
  }

  /**
   * `blob-download` through `start` (AIStore's xaction start API: `Bck`, the object as the
   * message's `name`, default chunk size and workers): the object's owner starts it, as the
   * `blob-download` action it is redirected to, and answers the job ID.
   */
  async #startBlobDownload(bucket: BucketJson | undefined, name: string): Promise<string> {
    if (bucket === undefined) throw badRequest('job kind "blob-download" needs a bucket ("Bck")');
    if (name === '') throw badRequest('job kind "blob-download" needs the object ("name")');
    lookupBucket(this.runtime, bucket);
    validateObjectName(name);
    const map = this.runtime.store.clusterMap;
    const owner = map?.ownerOf(objectUname(bucket, name));
    if (map === undefined || owner === undefined)
      throw new StoreError('ClusterNotReady', 'no storage targets in the cluster');
    const query = bucketQuery(bucket);
    query.set(Query.redirectProxyId, this.runtime.id);
    query.set(Query.redirectMapVersion, String(map.version));
    query.set(
      Query.redirectBucketMetadataVersion,
      String(this.runtime.store.bucketMetadata?.version ?? 0),
    );
    const jobId = await this.runtime.client.requestJson(
      `${owner.intraUrl}${apiPath(Resource.objects, bucket.name)}?${query.toString()}`,
      {
        method: 'POST',
        body: { action: Action.blobDownload, name, value: {} },
        timeoutMs: this.runtime.store.config.values.timeouts.control_ms,
      },
    );
    return String(jobId);
  }

  /** Starts a job on every active target; returns its ID. */
  async start(
    kind: string,
    bucket: BucketJson | undefined,
    args: unknown,
    { idPrefix = '', createdBucket }: JobStartOptions = {},
  ): Promise<string> {
    if (bucket !== undefined) lookupBucket(this.runtime, bucket);
    const id = `${idPrefix}${randomId(10)}`;
    const request: StartJobRequestJson = {
      id,
      kind,
      ...(bucket === undefined ? {} : { bucket }),
      args,
      ...(createdBucket === undefined ? {} : { created_bucket: createdBucket }),
      targets: (this.runtime.store.clusterMap?.activeTargets() ?? []).map((target) => target.id),
    };
    await this.#fanOut('POST', apiPath(Resource.jobs), request);
    return id;
  }

  /**
   * Starts a job on every target and answers when all of them finished it (a job's failure is
   * this call's): for actions that answer only once done, as AIStore's `evict-remote-bck` with
   * `keep_bck_md`.
   */
  async run(kind: string, bucket: BucketJson | undefined, args: unknown): Promise<void> {
    const id = await this.start(kind, bucket, args);
    const status = await this.ended(id);
    if (status.err !== '') throw new StoreError('Internal', `${kind}[${id}]: ${status.err}`);
  }

  /** Waits until job `id` ended on every target (held queries, else polls); its final status. */
  async ended(id: string): Promise<JobStatusJson> {
    for (;;) {
      const asked = Date.now();
      const status = await this.status({ id }, jobWaitMaxMs);
      if (status.end_time !== 0) return status;
      // Answered before the hold ran out without the end (a target that does not know the job
      // yet, or does not hold queries): asked again after a pause.
      if (Date.now() - asked < jobWaitMaxMs / 2) await sleep(jobPollMs);
    }
  }

  async abort(selection: JobSelection): Promise<void> {
    if ((selection.id ?? '') === '' && (selection.kind ?? '') === '') {
      throw badRequest('stop: give a job ID or a kind');
    }
    await this.#fanOut('DELETE', this.#jobsPath(selection), undefined);
  }

  /**
   * `what=qryxstats`: each target's snapshots. For one job (an ID), targets that do not know it
   * are left out, and 404 when none does (AIStore: `"x-[<id>]" not found`).
   */
  async snapshots(selection: JobSelection): Promise<JobSnapshotsByNodeJson> {
    const byNode = await this.#snapshotsByNode(selection);
    if (selection.id === undefined) return byNode;
    const known = Object.entries(byNode).filter(([, snapshots]) => snapshots.length > 0);
    if (known.length === 0)
      throw new StoreError('JobNotFound', `"${describeSelection(selection)}" not found`);
    return Object.fromEntries(known);
  }

  /**
   * `what=status`: one job by ID, or the latest job of a kind, aggregated over targets (AIStore:
   * 400 `invalid x-` without either, 404 `nl not found` for none, 400 `kind mismatch`). `waitMs`
   * (Cairn, by ID only): answered once every target's share ended, or after that long.
   */
  async status(selection: JobSelection, waitMs = 0): Promise<JobStatusJson> {
    const { id, kind } = selection;
    if (id === undefined && kind === undefined)
      throw badRequest(`invalid ${describeSelection(selection)}`);
    const scope = id === undefined ? selection : { ...selection, kind: undefined };
    // By ID, each target may hold its answer until its share ended (`Query.jobWaitMs`).
    const { byNode, silent } = await this.#askTargets(scope, id === undefined ? 0 : waitMs);
    const candidates = aggregate(byNode);
    const latest = candidates.sort((a, b) => b.startMs - a.startMs)[0]?.status;
    if (latest === undefined)
      throw new StoreError('JobNotFound', `nl not found: ${describeSelection(selection)}`);
    if (kind !== undefined && latest.kind !== kind)
      throw badRequest(
        `kind mismatch: ${describeSelection(selection)}, expected kind=${latest.kind}`,
      );
    // A target that does not answer (down, not yet dropped from the map) may still run its share:
    // the job is not reported ended until it answers again or leaves the map, so that a client
    // waiting for the job neither fails on the outage nor sees an end without that share.
    return silent.length === 0 ? latest : { ...latest, end_time: 0 };
  }

  /** `what=status_all`: every matching job, aggregated. */
  async statusAll(selection: JobSelection): Promise<JobStatusJson[]> {
    const statuses = aggregate(await this.#snapshotsByNode(selection)).map((item) => item.status);
    return selection.onlyRunning === true
      ? statuses.filter((status) => status.end_time === 0)
      : statuses;
  }

  /** `what=running_all`: `kind[id]` of running jobs. */
  async runningAll(selection: JobSelection): Promise<string[]> {
    const statuses = await this.statusAll({ ...selection, onlyRunning: true });
    return statuses.map((status) => `${status.kind}[${status.uuid}]`);
  }

  async #snapshotsByNode(selection: JobSelection): Promise<JobSnapshotsByNodeJson> {
    return (await this.#askTargets(selection)).byNode;
  }

  /**
   * Every active target's snapshots of the selected jobs; `silent` names the targets that could
   * not be reached (left out of `byNode`): a query answers from the others.
   */
  async #askTargets(
    selection: JobSelection,
    waitMs = 0,
  ): Promise<{ byNode: JobSnapshotsByNodeJson; silent: string[] }> {
    if (selection.bucket !== undefined) lookupBucket(this.runtime, selection.bucket);
    const path = this.#jobsPath(selection, waitMs);
    const answers = await this.#fanOut('GET', path, undefined, true, waitMs);
    const byNode: JobSnapshotsByNodeJson = {};
    const silent: string[] = [];
    for (const { nodeId, body } of answers) {
      if (body === unreachable) silent.push(nodeId);
      else byNode[nodeId] = Array.isArray(body) ? (body as JobSnapshotJson[]) : [];
    }
    return { byNode, silent };
  }

  #jobsPath(selection: JobSelection, waitMs = 0): string {
    const query = new URLSearchParams();
    if (waitMs > 0) query.set(Query.jobWaitMs, String(waitMs));
    if (selection.id !== undefined && selection.id !== '') {
      query.set('id', selection.id);
      const mapVersion = this.runtime.store.clusterMap?.version;
      if (mapVersion !== undefined) query.set(Query.jobMapVersion, String(mapVersion));
    }
    if (selection.kind !== undefined && selection.kind !== '') query.set('kind', selection.kind);
    if (selection.bucket !== undefined) {
      for (const [key, value] of bucketQuery(selection.bucket)) query.set(key, value);
      query.set('bucket', selection.bucket.name);
    }
    if (selection.onlyRunning === true) query.set('running', 'true');
    return `${apiPath(Resource.jobs)}?${query.toString()}`;
  }

  /** Sends to every active target; with `tolerant`, an unreachable one answers `unreachable`. */
  async #fanOut(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body: unknown,
    tolerant = false,
    heldMs = 0,
  ): Promise<Array<{ nodeId: string; body: unknown }>> {
    const targets = this.runtime.store.clusterMap?.activeTargets() ?? [];
    if (targets.length === 0)
      throw new StoreError('ClusterNotReady', 'no storage targets in the cluster');
    const timeoutMs = this.runtime.store.config.values.timeouts.control_ms + heldMs;
    return Promise.all(
      targets.map(async (target) => {
        const answer = this.runtime.client.requestJson(`${target.intraUrl}${path}`, {
          method,
          ...(body === undefined ? {} : { body }),
          timeoutMs,
        });
        return {
          nodeId: target.id,
          body: tolerant
            ? await answer.catch((error: unknown) => {
                if (isStoreError(error) && error.code === 'PeerUnreachable') return unreachable;
                throw error;
              })
            : await answer,
        };
      }),
    );
  }
}

/** Groups snapshots by job: finished when every target finished; errors and aborts propagate. */
function aggregate(byNode: JobSnapshotsByNodeJson): AggregatedStatus[] {
  const byJob = new Map<string, JobSnapshotJson[]>();
  for (const snapshots of Object.values(byNode)) {
    for (const snapshot of snapshots)
      byJob.set(snapshot.id, [...(byJob.get(snapshot.id) ?? []), snapshot]);
  }
  return [...byJob.entries()].map(([id, snapshots]) => {
    const finished = snapshots.every((snapshot) => snapshot['end-time'] !== zeroTime);
    const latestEnd = Math.max(...snapshots.map((snapshot) => Date.parse(snapshot['end-time'])));
    const failed = snapshots.find((snapshot) => snapshot.err !== '');
    const aborted = snapshots.find((snapshot) => snapshot.aborted);
    const status = {
      kind: snapshots[0]?.kind ?? '',
      uuid: id,
      err: failed?.err ?? aborted?.['abort-err'] ?? '',
      end_time: finished ? latestEnd * 1_000_000 : 0,
      aborted: aborted !== undefined,
      is_idle: false,
    };
    const startMs = Math.min(...snapshots.map((snapshot) => Date.parse(snapshot['start-time'])));
    return { status, startMs };
  });
}
