// Cluster administration through the native API: config, node maintenance and decommission,
// admin join and removal, rebalance generations, a target's mountpaths, and a node's log, stats
// and status through a gateway (`/v1/reverse/daemon` with `Ais-Node-Id`). Wire shapes are
// AIStore's (`PUT /v1/cluster` actions with ActValRmNode, `PUT /v1/daemon/mountpaths`).
import {
  Action,
  apiPath,
  ClusterPath,
  Header,
  Query,
  Resource,
  What,
  type ActionMessage,
  type ClusterMapJson,
  type NodeJson,
  type NodeStatsJson,
  type NodeStatusJson,
  type TargetDiskStatsJson,
  type RebalanceMetadataJson,
  type RemoteClustersJson,
  type RemoveNodeValueJson,
  type TlsCertificateJson,
} from '../wire/index.js';
import { parseJsonWithDigests, nodePublicUrl } from './cluster-map.js';
import { decodeJson, throwIfBufferedError, type BufferedResponse } from './http-exchange.js';
import { clusterLabel } from './labels.js';
import type { ControlRequest } from './http-exchange.js';

/** Which of a node's logs: `info` holds every line, `error` warnings and errors (AIStore's split). */
export type LogSeverity = 'info' | 'error';

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

  /**
   * `PUT /v1/cluster/attach?what=remote`: attaches the AIStore-compatible cluster whose gateway is
   * `url` as `alias`; its buckets are then `ais://@alias/b`.
   */
  async attachRemote(alias: string, url: string): Promise<void> {
    await this.#remoteAction(ClusterPath.attach, alias, url);
  }

  /** `PUT /v1/cluster/detach?what=remote`: detaches the remote cluster `alias`. */
  async detachRemote(alias: string): Promise<void> {
    await this.#remoteAction(ClusterPath.detach, alias);
  }

  /** `GET /v1/cluster?what=remote`: the attached clusters, each with its current map. */
  async remoteClusters(): Promise<RemoteClustersJson> {
    const label = clusterLabel('list remote clusters');
    const query = { [Query.what]: What.remote };
    const response = await this.control('GET', apiPath('cluster'), label, { query });
    throwIfBufferedError(response, label);
    return decodeJson(response, label, (text) => parseJsonWithDigests(text) as RemoteClustersJson);
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

  /** The cluster configuration as the endpoint shows it (`what=config`; secrets redacted). */
  async config(): Promise<Record<string, unknown>> {
    const label = clusterLabel('get cluster config');
    const response = await this.control('GET', apiPath('daemon'), label, {
      query: { [Query.what]: What.config },
    });
    throwIfBufferedError(response, label);
    return decodeJson(response, label, (text) => JSON.parse(text) as Record<string, unknown>);
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

  /**
   * A node's log as text (`what=log` through the endpoint gateway); from `offset` bytes on, e.g. the
   * length of what an earlier call returned, to follow it.
   */
  async nodeLog(
    nodeId: string,
    options: { severity?: LogSeverity; offset?: number } = {},
  ): Promise<string> {
    const query: Record<string, string> = {
      [Query.what]: What.log,
      severity: options.severity ?? 'info',
    };
    if (options.offset !== undefined) query['offset'] = String(options.offset);
    const response = await this.#reverse(nodeId, query, `log of node ${nodeId}`);
    return response.payload.toString('utf8');
  }

  /** Every log file of a severity, rotated ones too, as a `.tar.gz` (`what=log&all=true`). */
  async nodeLogArchive(nodeId: string, options: { severity?: LogSeverity } = {}): Promise<Buffer> {
    const query = { [Query.what]: What.log, severity: options.severity ?? 'info', all: 'true' };
    return (await this.#reverse(nodeId, query, `log archive of node ${nodeId}`)).payload;
  }

  /** A node's request counters and capacity (`what=node_stats`, AIStore's tracker). */
  async nodeStats(nodeId: string): Promise<NodeStatsJson> {
    const label = clusterLabel(`stats of node ${nodeId}`);
    const response = await this.#reverse(nodeId, { [Query.what]: What.nodeStats }, label.text);
    return decodeJson(response, label, (text) => parseJsonWithDigests(text) as NodeStatsJson);
  }

  /**
   * Every target's status and counters by target ID (AIStore SDK `get_performance`:
   * `what=node_status` for each target of the cluster map).
   */
  async performance(): Promise<Record<string, NodeStatusJson>> {
    const map = await this.clusterMap();
    const entries = await Promise.all(
      Object.keys(map.tmap).map(async (id): Promise<[string, NodeStatusJson]> => {
        const label = clusterLabel(`status of node ${id}`);
        const response = await this.#reverse(id, { [Query.what]: What.nodeStatus }, label.text);
        return [
          id,
          decodeJson(response, label, (text) => parseJsonWithDigests(text) as NodeStatusJson),
        ];
      }),
    );
    return Object.fromEntries(entries);
  }

  /**
   * Every target's disks by target ID: their read and write rates, average IO sizes and
   * utilization over the target's last `periodic.stats_time_ms`, and its capacity (`what=disk`,
   * AIStore's `apc.WhatDiskRWUtilCap`, for each target of the cluster map).
   */
  async diskStats(): Promise<Record<string, TargetDiskStatsJson>> {
    const map = await this.clusterMap();
    const entries = await Promise.all(
      Object.keys(map.tmap).map(async (id): Promise<[string, TargetDiskStatsJson]> => {
        const label = clusterLabel(`disks of node ${id}`);
        const response = await this.#reverse(id, { [Query.what]: What.disk }, label.text);
        return [id, decodeJson(response, label, (text) => JSON.parse(text) as TargetDiskStatsJson)];
      }),
    );
    return Object.fromEntries(entries);
  }

  /** `GET /v1/reverse/daemon?what=tls_certificate`: the certificate node `nodeId` serves. */
  async certificate(nodeId: string): Promise<TlsCertificateJson> {
    const label = clusterLabel(`TLS certificate of node ${nodeId}`);
    const query = { [Query.what]: What.tlsCertificate };
    const response = await this.#reverse(nodeId, query, label.text);
    return decodeJson(response, label, (text) => JSON.parse(text) as TlsCertificateJson);
  }

  /**
   * Every node re-reads its certificate files (`PUT /v1/cluster/load-x509`), or only `nodeId`
   * (`PUT /v1/reverse/daemon/load-x509`); answers each reloaded node's certificate by node ID.
   */
  async reloadCertificates(nodeId?: string): Promise<Record<string, TlsCertificateJson>> {
    const label = clusterLabel(
      `reload TLS certificate${nodeId === undefined ? 's' : ` of ${nodeId}`}`,
    );
    const response =
      nodeId === undefined
        ? await this.control('PUT', apiPath(Resource.cluster, ClusterPath.loadX509), label)
        : await this.control(
            'PUT',
            apiPath(Resource.reverse, Resource.daemon, ClusterPath.loadX509),
            label,
            {
              headers: { [Header.nodeId]: nodeId },
            },
          );
    throwIfBufferedError(response, label);
    const parsed = decodeJson(response, label, (text) => JSON.parse(text) as unknown);
    return nodeId === undefined
      ? (parsed as Record<string, TlsCertificateJson>)
      : { [nodeId]: parsed as TlsCertificateJson };
  }

  async #reverse(
    nodeId: string,
    query: Record<string, string>,
    what: string,
  ): Promise<BufferedResponse> {
    const label = clusterLabel(what);
    const response = await this.control('GET', apiPath(Resource.reverse, Resource.daemon), label, {
      query,
      headers: { [Header.nodeId]: nodeId },
    });
    throwIfBufferedError(response, label);
    return response;
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

  async #remoteAction(path: string, alias: string, url?: string): Promise<void> {
    const label = clusterLabel(`${path} remote cluster ${alias}`);
    const headers: Record<string, string> = { [Header.remoteAisAlias]: alias };
    if (url !== undefined) headers[Header.remoteAisUrl] = url;
    const query = { [Query.what]: What.remote };
    const response = await this.control('PUT', apiPath('cluster', path), label, {
      query,
      headers,
    });
    throwIfBufferedError(response, label);
  }

  async #action(message: ActionMessage, what: string): Promise<string> {
    const label = clusterLabel(what);
    const response = await this.control('PUT', apiPath('cluster'), label, { message });
    throwIfBufferedError(response, label);
    return response.payload.toString('utf8');
  }
}
