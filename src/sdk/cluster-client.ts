// Cluster administration through the native API: config, node maintenance and decommission,
// admin join and removal, rebalance generations, and a target's mountpaths. Wire shapes are
// AIStore's (`PUT /v1/cluster` actions with ActValRmNode, `PUT /v1/daemon/mountpaths`).
import {
  Action,
  apiPath,
  ClusterPath,
  Query,
  What,
  type ActionMessage,
  type ClusterMapJson,
  type NodeJson,
  type RebalanceMetadataJson,
  type RemoveNodeValueJson,
} from '../wire/index.js';
import { parseJsonWithDigests, nodePublicUrl } from './cluster-map.js';
import type { OperationLabel } from './errors.js';
import { decodeJson, throwIfBufferedError, type BufferedResponse } from './http-exchange.js';
import { clusterLabel } from './labels.js';

type ControlRequest = (
  method: 'GET' | 'PUT' | 'POST' | 'DELETE',
  path: string,
  label: OperationLabel,
  extra?: {
    query?: Record<string, string>;
    message?: ActionMessage | object;
    baseUrl?: string;
  },
) => Promise<BufferedResponse>;

/** Options of maintenance and decommission (AIStore's ActValRmNode, in camelCase). */
export interface RemoveNodeOptions {
  /** Change membership without moving the node's objects away first. */
  skipRebalance?: boolean;
  /** Decommission: delete the node's objects. */
  removeUserData?: boolean;
  /** Decommission: keep the node's cluster metadata copies. */
  keepInitialConfig?: boolean;
  /** Decommission: keep the process running, out of the cluster. */
  noShutdown?: boolean;
}

export type MountpathAction = 'attach' | 'enable' | 'detach' | 'disable';

const mountpathActions: Record<MountpathAction, string> = {
  attach: Action.attachMountpath,
  enable: Action.enableMountpath,
  detach: Action.detachMountpath,
  disable: Action.disableMountpath,
};

export class ClusterClient {
  constructor(
    private readonly control: ControlRequest,
    private readonly clusterMap: () => Promise<ClusterMapJson>,
  ) {}

  /** `set-config` with `section.key` names, e.g. `{"keepalive.interval_ms": 500}`. */
  async setConfig(updates: Record<string, string | number | boolean>): Promise<void> {
    await this.#action({ action: Action.setConfig, value: updates }, 'set cluster config');
  }

  /** Puts a node in maintenance; returns the rebalance job ID ('' when nothing moves). */
  async startMaintenance(nodeId: string, options: RemoveNodeOptions = {}): Promise<string> {
    return this.#nodeAction(Action.startMaintenance, nodeId, options);
  }

  /** Takes a node out of maintenance; returns the rebalance job ID ('' when nothing moves). */
  async stopMaintenance(nodeId: string): Promise<string> {
    return this.#nodeAction(Action.stopMaintenance, nodeId, {});
  }

  /**
   * Decommissions a node: its objects move away (rebalance), then it leaves the cluster map and
   * stops. Returns the rebalance job ID ('' when nothing moves).
   */
  async decommission(nodeId: string, options: RemoveNodeOptions = {}): Promise<string> {
    return this.#nodeAction(Action.decommissionNode, nodeId, options);
  }

  /** Stops a node, keeping its place (maintenance without moving objects). */
  async shutdownNode(nodeId: string): Promise<void> {
    await this.#nodeAction(Action.shutdownNode, nodeId, {});
  }

  /** Removes a node from the cluster map at once (its objects are not moved): for dead nodes. */
  async removeNode(nodeId: string): Promise<void> {
    const label = clusterLabel(`remove node ${nodeId}`);
    const response = await this.control('DELETE', apiPath('cluster', 'daemon', nodeId), label);
    throwIfBufferedError(response, label);
  }

  /** Adds the running node at `nodeUrl` to the cluster (admin join). */
  async joinNode(nodeUrl: string): Promise<NodeJson> {
    const base = nodeUrl.replace(/\/+$/, '');
    const label = clusterLabel(`join node ${base}`);
    const answer = await this.control('GET', apiPath('daemon'), label, {
      baseUrl: base,
      query: { [Query.what]: What.snode },
    });
    throwIfBufferedError(answer, label);
    const node = decodeJson(answer, label, (text) => parseJsonWithDigests(text) as NodeJson);
    // The primary recomputes the digest from the ID (and JSON.stringify refuses bigints).
    const message = { ...node, id_digest: String(node.id_digest) };
    const path = apiPath('cluster', ClusterPath.joinByAdmin);
    const response = await this.control('POST', path, label, { message });
    throwIfBufferedError(response, label);
    return node;
  }

  /** The latest rebalance generation (RMD), or undefined before the first rebalance. */
  async rebalanceMetadata(): Promise<RebalanceMetadataJson | undefined> {
    const label = clusterLabel('get rebalance metadata');
    const response = await this.control('GET', apiPath('daemon'), label, {
      query: { [Query.what]: What.rebalanceMetadata },
    });
    throwIfBufferedError(response, label);
    const value = decodeJson(response, label, (text) => JSON.parse(text) as unknown);
    return value === null ? undefined : (value as RebalanceMetadataJson);
  }

  /**
   * Attaches, enables, detaches or disables a mountpath on target `nodeId`; returns the resilver
   * job ID ('' when no object has to move).
   */
  async mountpath(nodeId: string, action: MountpathAction, path: string): Promise<string> {
    const map = await this.clusterMap();
    const node = map.tmap[nodeId];
    const label = clusterLabel(`${action} mountpath ${path} on ${nodeId}`);
    if (node === undefined)
      throw new Error(`${label.text}: no target "${nodeId}" in the cluster map`);
    const response = await this.control('PUT', apiPath('daemon', 'mountpaths'), label, {
      baseUrl: nodePublicUrl(node),
      message: { action: mountpathActions[action], value: path },
    });
    throwIfBufferedError(response, label);
    return response.payload.toString('utf8');
  }

  async #nodeAction(action: string, nodeId: string, options: RemoveNodeOptions): Promise<string> {
    const value: RemoveNodeValueJson = {
      sid: nodeId,
      skip_rebalance: options.skipRebalance === true,
      rm_user_data: options.removeUserData === true,
      keep_initial_config: options.keepInitialConfig === true,
      no_shutdown: options.noShutdown === true,
    };
    return this.#action({ action, value }, `${action} ${nodeId}`);
  }

  async #action(message: ActionMessage, what: string): Promise<string> {
    const label = clusterLabel(what);
    const response = await this.control('PUT', apiPath('cluster'), label, { message });
    throwIfBufferedError(response, label);
    return response.payload.toString('utf8');
  }
}
