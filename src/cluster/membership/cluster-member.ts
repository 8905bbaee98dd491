// A non-primary node's side of membership: register with the primary, then send keepalives;
// re-register when the primary no longer knows us (e.g. it restarted or removed us), and look for a
// newer cluster map at the other nodes when the primary stops answering (it may have been replaced).
import { StoreError, isStoreError } from '../../errors/index.js';
import type { IntraClient } from '../../transport/index.js';
import type { Logger } from '../../util/log.js';
import { sleep } from '../../util/time.js';
import { apiPath, ClusterPath, Resource, type NodeJson } from '../../wire/index.js';
import type { ClusterNode } from '../metadata/cluster-map.js';
import type { MetadataBundleJson, MetadataStore } from '../metadata/metadata-store.js';
import { discoverNewestMap, fetchClusterMap } from './map-discovery.js';
import type { KeepaliveRequestJson, RegisterRequestJson } from './messages.js';

export class ClusterMember {
  #stopped = false;
  #keepaliveTimer: NodeJS.Timeout | undefined;
  /** When the primary last answered a keepalive (or the node joined). */
  #lastContactMs = Date.now();
  #lastDiscoveryMs = 0;
  #refreshing: Promise<void> | undefined;

  constructor(
    private readonly store: MetadataStore,
    private readonly selfJson: () => NodeJson,
    private readonly self: ClusterNode,
    private readonly client: IntraClient,
    private readonly configuredPrimaryUrl: string | undefined,
    private readonly log: Logger,
  ) {}

  /** Registers with the primary, retrying (bounded by `deadlineMs`) until it answers. */
  async join(deadlineMs: number): Promise<void> {
    const started = Date.now();
    for (let attempt = 1; !this.#stopped; attempt += 1) {
      const url = this.#primaryUrl();
      try {
        const bundle = (await this.client.requestJson(
          `${url}${apiPath(Resource.cluster, ClusterPath.autoRegister)}`,
          {
            method: 'POST',
            body: { node: this.selfJson() } satisfies RegisterRequestJson,
            timeoutMs: this.#timeoutMs(),
          },
        )) as MetadataBundleJson;
        await this.store.acceptJson(bundle);
        this.#lastContactMs = Date.now();
        this.log.info('joined cluster', { primary: url, attempt });
        return;
      } catch (error) {
        // The primary in our (persisted) map may be gone: another node may know its successor.
        if (attempt % 5 === 0) await this.#discoverNewerMap();
        if (Date.now() - started > deadlineMs) {
          throw new StoreError('ClusterNotReady', `cannot join the cluster through ${url}`, {
            cause: error,
          });
        }
        if (attempt === 1 || attempt % 10 === 0)
          this.log.warn('join failed, retrying', { primary: url, error });
        await sleep(Math.min(1000, 100 * attempt));
      }
    }
  }

  startKeepalive(): void {
    const tick = async (): Promise<void> => {
      try {
        await this.#sendKeepalive();
        this.#lastContactMs = Date.now();
      } catch (error) {
        this.log.warn('keepalive failed', { error });
        if (this.millisecondsSinceContact() > this.#primaryTimeoutMs()) {
          await this.#discoverNewerMap();
        }
      } finally {
        if (!this.#stopped) {
          this.#keepaliveTimer = setTimeout(
            () => void tick(),
            this.store.config.values.keepalive.interval_ms,
          );
          this.#keepaliveTimer.unref();
        }
      }
    };
    void tick();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#keepaliveTimer);
  }

  /** Keepalives again after `stop` (a node that left and was added back by an admin). */
  resume(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#lastContactMs = Date.now();
    this.startKeepalive();
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** How long the primary has not answered (0 right after a successful keepalive). */
  millisecondsSinceContact(): number {
    return Date.now() - this.#lastContactMs;
  }

  /**
   * Asks the other nodes of the map for theirs and accepts a newer one (at most once per primary
   * timeout): after an election the new primary's map names it, and keepalives follow it.
   */
  async #discoverNewerMap(): Promise<void> {
    const map = this.store.clusterMap;
    const now = Date.now();
    if (map === undefined || now - this.#lastDiscoveryMs < this.#primaryTimeoutMs()) return;
    this.#lastDiscoveryMs = now;
    const peers = map
      .allNodes()
      .filter((node) => node.id !== this.self.id && node.id !== map.primaryId);
    const newest = await discoverNewestMap(this.client, peers, map.uuid, this.#timeoutMs());
    if (newest === undefined || newest.version <= map.version) return;
    this.log.info('found a newer cluster map at a peer', {
      version: newest.version,
      primary: newest.primaryId,
    });
    await this.store.accept({ clusterMap: newest });
  }

  /**
   * Asks the primary for its cluster map and accepts it when it is newer than this node's: for a
   * node asked to act on a placement its own map does not show yet (a metasync push still on its
   * way), which AIStore's targets answer by waiting for the newer map. Concurrent calls share one
   * request; an unreachable primary leaves the map as it is.
   */
  refreshClusterMap(): Promise<void> {
    this.#refreshing ??= this.#fetchPrimaryMap().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #fetchPrimaryMap(): Promise<void> {
    const current = this.store.clusterMap;
    const primary = current?.primary;
    if (current === undefined || primary === undefined || primary.id === this.self.id) return;
    const map = await fetchClusterMap(this.client, primary.intraUrl, this.#timeoutMs());
    if (map === undefined || map.uuid !== current.uuid || map.version <= current.version) return;
    this.log.info('cluster map pulled from the primary', { version: map.version });
    await this.store.accept({ clusterMap: map });
  }

  #primaryTimeoutMs(): number {
    return this.store.config.values.keepalive.primary_timeout_ms;
  }

  async #sendKeepalive(): Promise<void> {
    const url = this.store.clusterMap?.primary?.intraUrl ?? this.#primaryUrl();
    const body: KeepaliveRequestJson = {
      id: this.self.id,
      smap_version: String(this.store.clusterMap?.version ?? 0),
      bmd_version: String(this.store.bucketMetadata?.version ?? 0),
      config_version: String(this.store.config.version),
      rmd_version: String(this.store.rebalance?.version ?? 0),
      etl_version: String(this.store.etl?.version ?? 0),
    };
    try {
      await this.client.requestJson(`${url}${apiPath(Resource.cluster, ClusterPath.keepalive)}`, {
        method: 'POST',
        body,
        timeoutMs: this.#timeoutMs(),
      });
    } catch (error) {
      if (isStoreError(error) && error.code === 'NodeNotFound') {
        this.log.warn('primary does not know this node; registering again');
        await this.join(this.store.config.values.keepalive.timeout_ms);
        return;
      }
      throw error;
    }
  }

  #primaryUrl(): string {
    const primary = this.store.clusterMap?.primary;
    if (primary !== undefined && primary.id !== this.self.id) return primary.intraUrl;
    if (this.configuredPrimaryUrl !== undefined) return this.configuredPrimaryUrl;
    throw new StoreError('ClusterNotReady', 'no primary URL: start the node with --primary-url');
  }

  #timeoutMs(): number {
    return this.store.config.values.timeouts.control_ms;
  }
}
