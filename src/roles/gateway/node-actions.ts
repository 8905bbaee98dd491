// Membership actions of `PUT /v1/cluster` (start-maintenance, stop-maintenance, decommission-node,
// shutdown-node, rm-unsafe), admin join, and starting the cluster's own jobs (rebalance, resilver).
// All run on the primary: another gateway forwards them.
import type { RequestContext } from '../../api/common/index.js';
import type { ClusterOwner } from '../../cluster/index.js';
import { StoreError, badRequest } from '../../errors/index.js';
import { randomId } from '../../util/ids.js';
import { asRecord } from '../../util/json.js';
import {
  Action,
  apiPath,
  Resource,
  type ActionMessage,
  type JobArgsJson,
  type NodeJson,
  type RemoveNodeValueJson,
  type StartJobRequestJson,
} from '../../wire/index.js';
import type { NodeRuntime } from '../common/node-runtime.js';
import { forwardToPrimary } from '../common/primary-forward.js';
import type { GatewayLeadership } from './leadership.js';

const membershipActions: ReadonlySet<string> = new Set([
  Action.startMaintenance,
  Action.stopMaintenance,
  Action.decommissionNode,
  Action.shutdownNode,
  Action.removeUnsafe,
]);

/** Job kinds the cluster starts itself rather than through a kind definition. */
export const clusterJobKinds: ReadonlySet<string> = new Set(['rebalance', 'resilver']);

export class GatewayNodeActions {
  constructor(
    private readonly runtime: NodeRuntime,
    private readonly leadership: GatewayLeadership,
  ) {}

  handles(action: string): boolean {
    return membershipActions.has(action);
  }

  /** Runs a membership action; answers the rebalance job ID when objects move. */
  async run(message: ActionMessage, context: RequestContext): Promise<unknown> {
    const owner = this.leadership.owner;
    if (owner === undefined) return forwardToPrimary(this.runtime, context, message);
    const value = removeNodeValue(message);
    const options = { skipRebalance: value.skip_rebalance === true };
    switch (message.action) {
      case Action.startMaintenance:
        return owner.startMaintenance(value.sid, options);
      case Action.stopMaintenance:
        return owner.stopMaintenance(value.sid);
      case Action.decommissionNode:
        return this.leadership.supervisor.track(value, () =>
          owner.decommission(value.sid, options),
        );
      case Action.shutdownNode:
        return this.#shutdown(owner, value.sid);
      default:
        await owner.removeNode(value.sid);
        return undefined;
    }
  }

  /** `POST /v1/cluster/join-by-admin` with the node's Snode: adds a running node to the map. */
  async join(body: unknown, context: RequestContext): Promise<unknown> {
    const owner = this.leadership.owner;
    if (owner === undefined) return forwardToPrimary(this.runtime, context, body);
    const node = asRecord(body) as NodeJson | undefined;
    if (typeof node?.daemon_id !== 'string' || typeof node.public_net !== 'object')
      throw badRequest('join-by-admin: expected the node (Snode JSON)');
    await owner.register(node);
    return undefined;
  }

  /** `start` of kind rebalance (on the primary) or resilver (on one or every target). */
  async startJob(args: JobArgsJson, context: RequestContext, body: unknown): Promise<string> {
    if (args.Kind === 'rebalance') {
      const owner = this.leadership.owner;
      if (owner === undefined) return String(await forwardToPrimary(this.runtime, context, body));
      return owner.startRebalance();
    }
    const map = this.runtime.store.clusterMap;
    const targets = (map?.activeTargets() ?? []).filter(
      (target) =>
        args.DaemonID === undefined || args.DaemonID === '' || target.id === args.DaemonID,
    );
    if (targets.length === 0)
      throw new StoreError('NodeNotFound', `no target "${args.DaemonID ?? ''}" to resilver`);
    const id = randomId(10);
    const request: StartJobRequestJson = { id, kind: 'resilver' };
    await Promise.all(
      targets.map((target) =>
        this.runtime.client.requestJson(`${target.intraUrl}${apiPath(Resource.jobs)}`, {
          method: 'POST',
          body: request,
          timeoutMs: this.runtime.store.config.values.timeouts.control_ms,
        }),
      ),
    );
    return id;
  }

  /** Maintenance without moving objects, then the node stops (it keeps its place and data). */
  async #shutdown(owner: ClusterOwner, id: string): Promise<undefined> {
    await owner.startMaintenance(id, { skipRebalance: true });
    const node = this.runtime.store.clusterMap?.node(id);
    if (node !== undefined) {
      await this.runtime.client.requestJson(`${node.intraUrl}${apiPath(Resource.daemon)}`, {
        method: 'PUT',
        body: { action: Action.shutdownNode, value: { sid: id } },
        timeoutMs: this.runtime.store.config.values.timeouts.control_ms,
      });
    }
    return undefined;
  }
}

function removeNodeValue(message: ActionMessage): RemoveNodeValueJson {
  const value = asRecord(message.value);
  const sid = value?.sid;
  if (typeof sid !== 'string' || sid === '')
    throw badRequest(`${message.action}: value must name the node: {"sid": "<node ID>"}`);
  const flag = (key: string): boolean => value?.[key] === true;
  return {
    sid,
    skip_rebalance: flag('skip_rebalance'),
    rm_user_data: flag('rm_user_data'),
    keep_initial_config: flag('keep_initial_config'),
    no_shutdown: flag('no_shutdown'),
  };
}
