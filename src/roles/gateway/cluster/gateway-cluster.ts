// Cluster and node endpoints on a gateway: queries, membership (on the primary), config, metasync.
import { readActionMessage, readJsonBody, type RequestContext } from '../../../api/common/index.js';
import { jobWaitMsOf, refusedAction, type ClusterPort } from '../../../api/native/index.js';
import type {
  ClusterOwner,
  KeepaliveRequestJson,
  RegisterRequestJson,
} from '../../../cluster/index.js';
import { badRequest, notImplemented } from '../../../errors/index.js';
import { asRecord } from '../../../util/json.js';
import { Action, ClusterPath, Resource, What } from '../../../wire/index.js';
import { answerNodeQuery } from '../../common/node-queries.js';
import type { JobCoordinator } from '../job-coordinator.js';
import { parseJobArgs, readJobQuery } from '../job-messages.js';
import type { NodeRuntime } from '../../common/node-runtime.js';
import { forwardToPrimary } from '../../common/primary-forward.js';
import { handleDaemonAction, type DaemonExit } from '../../common/daemon-actions.js';
import { clusterJobKinds, type GatewayNodeActions } from '../node-actions.js';
import type { RemoteClusterAdmin } from './remote-cluster-admin.js';
import {
  reloadClusterCertificates,
  reloadNodeCertificate,
} from '../../common/tls/certificate-routes.js';

export class GatewayCluster implements ClusterPort {
  constructor(
    private readonly runtime: NodeRuntime,
    private readonly owner: () => ClusterOwner | undefined,
    private readonly jobs: JobCoordinator,
    private readonly actions: GatewayNodeActions,
    private readonly exit: DaemonExit,
    private readonly remotes: RemoteClusterAdmin,
  ) {}

  /** A gateway serves data once it has started and its cluster map has an active target. */
  notReadyReason(): Promise<string | undefined> {
    const map = this.runtime.store.clusterMap;
    if (!this.runtime.ready || map === undefined)
      return Promise.resolve('gateway still joining the cluster');
    if (map.activeTargets().length === 0)
      return Promise.resolve('no storage targets in the cluster');
    return Promise.resolve(undefined);
  }

  async query(
    scope: 'daemon' | 'cluster',
    what: string,
    context: RequestContext,
  ): Promise<unknown> {
    switch (what) {
      case What.sysinfo:
        // AIStore's cluster-wide form maps every node's; a node answers only its own.
        if (scope === 'cluster') throw notImplemented('query what=sysinfo on /v1/cluster');
        return answerNodeQuery(this.runtime, what, {}, context.query);
      case 'status':
        return this.jobs.status(await readJobQuery(context), jobWaitMsOf(context.query));
      case 'status_all':
        return this.jobs.statusAll(await readJobQuery(context));
      case 'running_all':
        return this.jobs.runningAll(await readJobQuery(context));
      case What.remote:
        if (scope === 'cluster') return this.remotes.query();
        return answerNodeQuery(this.runtime, what, {}, context.query);
      case 'qryxstats':
      case 'getxstats':
        return this.jobs.snapshots(await readJobQuery(context));
      default:
        return answerNodeQuery(this.runtime, what, {}, context.query);
    }
  }

  async control(scope: 'daemon' | 'cluster', context: RequestContext): Promise<unknown> {
    const [, , subpath] = context.segments;
    if (scope === 'cluster' && context.method === 'POST' && subpath === ClusterPath.autoRegister) {
      const body = asRecord(await readJsonBody(context)) as RegisterRequestJson | undefined;
      if (body?.node === undefined) throw badRequest('autoreg: missing "node"');
      const owner = this.owner();
      return owner === undefined
        ? forwardToPrimary(this.runtime, context, body)
        : owner.register(body.node);
    }
    if (scope === 'cluster' && context.method === 'POST' && subpath === ClusterPath.keepalive) {
      const body = asRecord(await readJsonBody(context)) as KeepaliveRequestJson | undefined;
      if (typeof body?.id !== 'string') throw badRequest('keepalive: missing "id"');
      const owner = this.owner();
      if (owner === undefined) return forwardToPrimary(this.runtime, context, body);
      owner.keepalive(body);
      return { ok: true };
    }
    if (scope === 'cluster' && context.method === 'POST' && subpath === ClusterPath.joinByAdmin)
      return this.actions.join(await readJsonBody(context), context);
    if (scope === 'cluster' && context.method === 'DELETE' && subpath === Resource.daemon) {
      const [, , , id = ''] = context.segments;
      const message = { action: Action.removeUnsafe, value: { sid: id } };
      return this.actions.run(message, context);
    }
    if (context.method === 'PUT' && subpath === ClusterPath.loadX509)
      return scope === 'cluster'
        ? reloadClusterCertificates(this.runtime)
        : reloadNodeCertificate(this.runtime);
    if (scope === 'cluster' && context.method === 'PUT')
      return this.#clusterAction(context, subpath);
    if (scope === 'daemon' && context.method === 'PUT' && subpath === undefined)
      return this.#daemonAction(context);
    throw notImplemented(`${context.method} ${context.path}`);
  }

  async metasync(body: unknown): Promise<void> {
    await this.runtime.store.acceptJson(asRecord(body) ?? {});
  }

  /**
   * `PUT /v1/daemon`: the primary's decommission and shutdown, on the intra-cluster port only; an
   * action from anywhere else is refused by name.
   */
  async #daemonAction(context: RequestContext): Promise<unknown> {
    const message = await readActionMessage(context);
    if (context.intra) return handleDaemonAction(this.runtime, message, this.exit);
    if (message === undefined) throw badRequest('PUT /v1/daemon: missing action message');
    throw refusedAction('node', message.action);
  }

  /** `PUT /v1/cluster` actions, and `PUT /v1/cluster/set-config?key=value`. */
  async #clusterAction(context: RequestContext, subpath: string | undefined): Promise<unknown> {
    if (subpath === Action.setConfig) {
      const updates = Object.fromEntries(context.query.entries());
      return this.#setConfig(context, updates, updates);
    }
    if (subpath === ClusterPath.attach || subpath === ClusterPath.detach)
      return this.remotes.control(context, subpath);
    // `proxy/<id>` (set primary)...: never run the body's action in their place.
    if (subpath !== undefined && subpath !== '') throw notImplemented(`PUT /v1/cluster/${subpath}`);
    const message = await readActionMessage(context);
    if (message === undefined) throw badRequest('PUT /v1/cluster: missing action message');
    if (message.action === Action.setConfig) {
      const updates = asRecord(message.value);
      if (updates === undefined)
        throw badRequest('set-config: value must be an object of "section.key": value');
      return this.#setConfig(context, flatten(updates), message);
    }
    if (this.actions.handles(message.action)) return this.actions.run(message, context);
    if (message.action === Action.startJob) {
      const args = parseJobArgs(message.value, message.action);
      if (clusterJobKinds.has(args.Kind ?? ''))
        return this.actions.startJob(args, context, message);
      return this.jobs.startByRequest(args, message.name ?? '');
    }
    if (message.action === Action.stopJob) {
      const args = parseJobArgs(message.value, message.action);
      await this.jobs.abort({ id: args.ID, kind: args.Kind, bucket: args.Bck });
      return undefined;
    }
    throw refusedAction('cluster', message.action);
  }

  async #setConfig(
    context: RequestContext,
    updates: Record<string, unknown>,
    forwardBody: unknown,
  ): Promise<unknown> {
    const owner = this.owner();
    if (owner === undefined) return forwardToPrimary(this.runtime, context, forwardBody);
    await owner.setConfig(updates);
    return undefined;
  }
}

/** `{"keepalive": {"interval_ms": 500}}` and `{"keepalive.interval_ms": 500}` both mean the same. */
function flatten(value: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const flat: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const nested = asRecord(item);
    if (nested !== undefined) Object.assign(flat, flatten(nested, `${prefix}${key}.`));
    else flat[`${prefix}${key}`] = item;
  }
  return flat;
}
