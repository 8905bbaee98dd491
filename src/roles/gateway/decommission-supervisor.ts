// On the primary: nodes flagged for decommission leave the cluster map once the rebalance that
// moves their objects away has finished on every target. The node is told first (it stops its
// keepalives, optionally wipes its data, and exits unless asked not to), then removed.
import { decommissionedNodes, type ClusterNode, type ClusterOwner } from '../../cluster/index.js';
import { isStoreError } from '../../errors/index.js';
import { Action, apiPath, Resource, type RemoveNodeValueJson } from '../../wire/index.js';
import type { NodeRuntime } from '../common/node-runtime.js';
import type { JobCoordinator } from './job-coordinator.js';

interface PendingRemoval {
  /** The rebalance that must finish first; undefined when nothing has to move. */
  jobId: string | undefined;
  options: RemoveNodeValueJson;
  /** The decommission is being applied: its rebalance job ID is not known yet. */
  starting?: boolean;
}

export class DecommissionSupervisor {
  readonly #pending = new Map<string, PendingRemoval>();
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #stopped = true;

  constructor(
    private readonly runtime: NodeRuntime,
    private readonly jobs: JobCoordinator,
    private readonly owner: () => ClusterOwner | undefined,
  ) {}

  start(): void {
    this.#stopped = false;
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  /**
   * Runs `decommission` (which flags the node and returns the rebalance job ID, if objects move)
   * and remembers how the node leaves: after that job finished.
   */
  async track(
    options: RemoveNodeValueJson,
    decommission: () => Promise<string | undefined>,
  ): Promise<string | undefined> {
    this.#pending.set(options.sid, { jobId: undefined, options, starting: true });
    try {
      const jobId = await decommission();
      this.#pending.set(options.sid, { jobId, options });
      void this.#tick();
      return jobId;
    } catch (error) {
      this.#pending.delete(options.sid);
      throw error;
    }
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      void this.#tick().finally(() => this.#schedule());
    }, this.runtime.store.config.values.keepalive.interval_ms);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    const owner = this.owner();
    const map = this.runtime.store.clusterMap;
    if (this.#running || owner === undefined || map === undefined) return;
    this.#running = true;
    try {
      for (const node of decommissionedNodes(map)) {
        try {
          if (await this.#readyToLeave(owner, node)) await this.#remove(owner, node);
        } catch (error) {
          this.runtime.log.warn('decommission not finished yet', { node: node.id, error });
        }
      }
    } finally {
      this.#running = false;
    }
  }

  async #readyToLeave(owner: ClusterOwner, node: ClusterNode): Promise<boolean> {
    let pending = this.#pending.get(node.id);
    if (pending === undefined) {
      // Flagged under an earlier primary: move its objects again to be sure.
      const jobId = node.role === 'target' ? await owner.startRebalance() : undefined;
      pending = { jobId, options: { sid: node.id } };
      this.#pending.set(node.id, pending);
    }
    if (pending.starting === true) return false;
    if (pending.jobId === undefined) return true;
    let status;
    try {
      status = await this.jobs.status({ id: pending.jobId });
    } catch (error) {
      if (isStoreError(error) && error.code === 'JobNotFound') return false;
      throw error;
    }
    if (status.end_time === 0) return false;
    if (status.err === '' && !status.aborted) return true;
    // Superseded by a newer rebalance (it moves the node's objects too), or failed: follow the
    // latest one, or start another.
    const latest = this.runtime.store.rebalance?.jobId;
    pending.jobId =
      latest !== undefined && latest !== pending.jobId ? latest : await owner.startRebalance();
    return false;
  }

  async #remove(owner: ClusterOwner, node: ClusterNode): Promise<void> {
    const options = this.#pending.get(node.id)?.options ?? { sid: node.id };
    try {
      await this.runtime.client.requestJson(`${node.intraUrl}${apiPath(Resource.daemon)}`, {
        method: 'PUT',
        body: { action: Action.decommissionNode, value: options },
        timeoutMs: this.runtime.store.config.values.timeouts.control_ms,
      });
    } catch (error) {
      this.runtime.log.warn('decommissioned node did not answer; removing it anyway', {
        node: node.id,
        error,
      });
    }
    await owner.removeNode(node.id);
    this.#pending.delete(node.id);
    this.runtime.log.info('node decommissioned', { node: node.id });
  }
}
