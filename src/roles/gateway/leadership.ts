// A gateway's place in the cluster over time: primary (owns the metadata, supervises decommissions)
// or member (keepalives, votes, and runs for primary when the primary fails). Switches both ways:
// an election win makes it primary; a newer map naming another primary makes it step down.
import {
  ClusterOwner,
  Elector,
  type ClusterMember,
  type VoteRequestJson,
  type VoteResponseJson,
} from '../../cluster/index.js';
import type { NodeRuntime } from '../common/node-runtime.js';
import { DecommissionSupervisor } from './decommission-supervisor.js';
import type { JobCoordinator } from './job-coordinator.js';
import { decideStartupRole } from './startup-role.js';

export class GatewayLeadership {
  #owner: ClusterOwner | undefined;
  #member: ClusterMember | undefined;
  #stopped = false;
  #rejoining = false;
  readonly #elector: Elector;
  readonly supervisor: DecommissionSupervisor;

  constructor(
    private readonly runtime: NodeRuntime,
    jobs: JobCoordinator,
  ) {
    this.supervisor = new DecommissionSupervisor(runtime, jobs, () => this.#owner);
    this.#elector = new Elector({
      store: runtime.store,
      self: runtime.self,
      client: runtime.client,
      log: runtime.log,
      millisecondsSinceContact: () => this.#member?.millisecondsSinceContact() ?? 0,
      isPrimary: () => this.#owner !== undefined,
      onElected: (failed) => this.#becomePrimary(failed),
    });
    runtime.store.onChange((change) => {
      const map = change.clusterMap?.current;
      if (this.#owner !== undefined && map !== undefined && map.primaryId !== runtime.id) {
        this.#stepDown(map.primaryId);
      }
    });
  }

  /** The cluster owner while this gateway is primary. */
  get owner(): ClusterOwner | undefined {
    return this.#owner;
  }

  async start(): Promise<void> {
    if ((await decideStartupRole(this.runtime)) === 'primary') await this.#becomePrimary(undefined);
    else await this.#join();
    this.#elector.start();
  }

  vote(request: VoteRequestJson): Promise<VoteResponseJson> {
    return this.#elector.vote(request);
  }

  initElection(request: VoteRequestJson): void {
    this.#elector.init(request);
  }

  stop(): void {
    this.#stopped = true;
    this.#elector.stop();
    this.supervisor.stop();
    this.#owner?.stop();
    this.#member?.stop();
  }

  async #becomePrimary(failedPrimaryId: string | undefined): Promise<void> {
    if (this.#stopped || this.#owner !== undefined) return;
    this.#member?.stop();
    this.#member = undefined;
    const owner = new ClusterOwner(
      this.runtime.store,
      this.runtime.self,
      this.runtime.client,
      this.runtime.log,
    );
    this.#owner = owner;
    await owner.bootstrap(failedPrimaryId);
    this.supervisor.start();
    if (failedPrimaryId !== undefined)
      this.runtime.log.info('now primary', { replaced: failedPrimaryId });
  }

  async #join(): Promise<void> {
    this.#member = await this.runtime.joinCluster();
  }

  #stepDown(newPrimaryId: string): void {
    this.runtime.log.warn('another gateway is primary now: stepping down', {
      primary: newPrimaryId,
    });
    this.#owner?.stop();
    this.#owner = undefined;
    this.supervisor.stop();
    if (this.#rejoining) return;
    this.#rejoining = true;
    this.#join()
      .catch((error: unknown) => this.runtime.log.error('failed to rejoin as member', { error }))
      .finally(() => {
        this.#rejoining = false;
      });
  }
}
