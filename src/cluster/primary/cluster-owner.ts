// The primary gateway's ownership of cluster metadata: every change is made here under one lock,
// persisted, then pushed to all nodes before the caller is answered.
import {
  StoreError,
  badRequest,
  bucketAlreadyExists,
  bucketNotFound,
  notImplemented,
} from '../../errors/index.js';
import { updateClusterConfig } from '../../config/index.js';
import type { IntraClient } from '../../transport/index.js';
import { randomId } from '../../util/ids.js';
import type { Logger } from '../../util/log.js';
import { SerialQueue } from '../../util/serial-queue.js';
import {
  NodeFlag,
  bucketDisplayName,
  type BucketJson,
  type BucketPropsJson,
  type BucketPropsUpdateJson,
  type NodeJson,
} from '../../wire/index.js';
import { BucketMetadata } from '../metadata/bucket-metadata.js';
import { validateBucketName } from '../metadata/bucket-name.js';
import {
  applyBucketPropsUpdate,
  checkErasureCodingChange,
  defaultBucketProps,
} from '../metadata/bucket-props.js';
import { ClusterConfigMetadata } from '../metadata/cluster-config-metadata.js';
import { EtlMetadata } from '../metadata/etl-metadata.js';
import {
  ClusterMap,
  isInMaintenance,
  makeClusterNode,
  nodeUrlsFromJson,
  placementDiffers,
  type ClusterNode,
} from '../metadata/cluster-map.js';
import type { MetadataBundleJson, MetadataStore } from '../metadata/metadata-store.js';
import { RebalanceMetadata } from '../metadata/rebalance-metadata.js';
import type { KeepaliveRequestJson } from '../membership/messages.js';
import { Metasync } from '../sync/metasync.js';
import { DepartedPeers } from './departed-peers.js';
import { checkProtectionFeasible } from './protection-check.js';
import {
  withDecommission,
  withMaintenance,
  withoutMaintenance,
  withoutMember,
  type RemoveNodeOptions,
} from './node-lifecycle.js';

/** How far a newly elected primary raises metadata versions (see `bootstrap`). */
const electionVersionJump = 100;

interface Draft {
  clusterMap: ClusterMap;
  bucketMetadata: BucketMetadata;
  config: ClusterConfigMetadata;
  rebalance: RebalanceMetadata | undefined;
  etl: EtlMetadata;
  /** A change that must not start a rebalance even though placement changed. */
  skipRebalance?: boolean;
}

export class ClusterOwner {
  readonly #queue = new SerialQueue();
  readonly #lastSeenMs = new Map<string, number>();
  readonly #departed = new DepartedPeers();
  readonly #metasync: Metasync;
  #sweepTimer: NodeJS.Timeout | undefined;
  #stopped = false;
  /** Changes being applied or pushed right now. */
  #mutations = 0;

  constructor(
    private readonly store: MetadataStore,
    private readonly self: ClusterNode,
    private readonly client: IntraClient,
    private readonly log: Logger,
  ) {
    this.#metasync = new Metasync(this.client, log);
  }

  /**
   * Creates the cluster, or takes over the persisted one as its primary, and publishes it. After
   * an election, `replacing` names the failed primary, which leaves the map.
   */
  async bootstrap(replacing?: string): Promise<void> {
    await this.#mutate((draft) => {
      const map = draft.clusterMap.withNode(this.self).withPrimary(this.self.id);
      if (replacing === undefined) return { ...draft, clusterMap: map };
      // The failed primary may have persisted one version it never sent; jump past it.
      return {
        ...draft,
        clusterMap: map.withoutNode(replacing).bumped(electionVersionJump),
        bucketMetadata: draft.bucketMetadata.bumped(electionVersionJump),
        etl: draft.etl.bumped(electionVersionJump),
        config: new ClusterConfigMetadata(
          draft.config.version + electionVersionJump,
          draft.config.values,
        ),
      };
    });
    const now = Date.now();
    for (const node of this.#map().allNodes()) this.#lastSeenMs.set(node.id, now);
    this.#scheduleSweep();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#sweepTimer);
  }

  /** Starts a rebalance now (`start` of kind `rebalance`); returns its job ID `g<N>`. */
  async startRebalance(): Promise<string> {
    await this.#mutate((draft) => ({
      ...draft,
      rebalance: RebalanceMetadata.next(draft.rebalance, draft.clusterMap),
    }));
    return this.#rebalanceJobId();
  }

  /** Puts a node in maintenance; returns the rebalance job ID when objects move. */
  async startMaintenance(id: string, options: RemoveNodeOptions): Promise<string | undefined> {
    return this.#changeNode(
      (map) => withMaintenance(map, id, this.self.id),
      options.skipRebalance === true,
    );
  }

  async stopMaintenance(id: string): Promise<string | undefined> {
    return this.#changeNode((map) => withoutMaintenance(map, id, this.self.id), false);
  }

  /**
   * Marks a node for decommission; returns the rebalance job ID that moves its objects away, or
   * undefined when nothing has to move (it may then leave at once: see `removeNode`).
   */
  async decommission(id: string, options: RemoveNodeOptions): Promise<string | undefined> {
    return this.#changeNode(
      (map) => withDecommission(map, id, this.self.id),
      options.skipRebalance === true,
    );
  }

  /** Removes a node from the map now (its objects are not moved first). */
  async removeNode(id: string): Promise<void> {
    await this.#mutate((draft) => ({
      ...draft,
      clusterMap: withoutMember(draft.clusterMap, id, this.self.id),
    }));
    this.#lastSeenMs.delete(id);
  }

  async #changeNode(
    change: (map: ClusterMap) => ClusterMap,
    skipRebalance: boolean,
  ): Promise<string | undefined> {
    const before = this.store.rebalance?.version;
    await this.#mutate((draft) => ({
      ...draft,
      clusterMap: change(draft.clusterMap),
      skipRebalance,
    }));
    return this.store.rebalance?.version === before ? undefined : this.#rebalanceJobId();
  }

  #rebalanceJobId(): string {
    const rebalance = this.store.rebalance;
    if (rebalance === undefined) throw new Error('no rebalance metadata after starting one');
    return rebalance.jobId;
  }

  /** A node joins (or re-joins with new URLs); answers with the full metadata. */
  async register(nodeJson: NodeJson): Promise<MetadataBundleJson> {
    if (nodeJson.daemon_type !== 'proxy' && nodeJson.daemon_type !== 'target') {
      throw new StoreError('BadRequest', `invalid node role "${String(nodeJson.daemon_type)}"`);
    }
    const known = this.#map().node(nodeJson.daemon_id);
    // The primary's flags win over the node's memory (maintenance may have ended while it was
    // down); a node the map does not know starts in service.
    const urls = nodeUrlsFromJson(nodeJson);
    const node = makeClusterNode(
      nodeJson.daemon_id,
      nodeJson.daemon_type,
      urls.publicUrl,
      urls.intraUrl,
      known?.flags ?? nodeJson.flags & NodeFlag.nonElectable,
      urls.dataUrl,
    );
    this.#lastSeenMs.set(node.id, Date.now());
    this.#departed.forget(node.id);
    const unchanged =
      known !== undefined &&
      known.publicUrl === node.publicUrl &&
      known.intraUrl === node.intraUrl &&
      known.dataUrl === node.dataUrl &&
      known.role === node.role;
    if (!unchanged) {
      // The joining node gets the metadata first: nobody may route to it before it has it.
      await this.#mutate((draft) => {
        let map = draft.clusterMap;
        // A node that came back with a new ID on the same address replaces the old entry.
        for (const other of map.allNodes()) {
          if (
            other.id !== node.id &&
            other.id !== this.self.id &&
            other.publicUrl === node.publicUrl
          ) {
            map = map.withoutNode(other.id);
          }
        }
        return { ...draft, clusterMap: map.withNode(node) };
      }, node.id);
      this.log.info('node registered', { node: node.id, role: node.role, url: node.publicUrl });
    }
    return this.store.toJson();
  }

  /** Records a heartbeat; a node that holds older metadata gets a fresh push. */
  keepalive(request: KeepaliveRequestJson): void {
    const node = this.#map().node(request.id);
    if (node === undefined)
      throw new StoreError('NodeNotFound', `node ${request.id} is not in the cluster map`);
    this.#lastSeenMs.set(node.id, Date.now());
    const behind =
      Number(request.smap_version) < this.#map().version ||
      Number(request.bmd_version) < (this.store.bucketMetadata?.version ?? 0) ||
      Number(request.config_version) < this.store.config.version ||
      Number(request.rmd_version ?? '0') < (this.store.rebalance?.version ?? 0) ||
      Number(request.etl_version ?? '0') < (this.store.etl?.version ?? 0);
    // While a change is being pushed (in its order: targets before gateways), that push brings
    // the node up to date; a catch-up push now could hand a gateway the map before the targets.
    if (behind && this.#mutations === 0) {
      this.#metasync
        .pushOne(node, this.store.toJson(), this.#timeoutMs())
        .catch((error: unknown) => this.log.warn('catch-up push failed', { node: node.id, error }));
    }
  }

  async createBucket(bucket: BucketJson, update: BucketPropsUpdateJson | undefined): Promise<void> {
    // Of the remote providers aws:// and ht:// have a backend (the gateway checked the remote bucket).
    if (!['ais', 'aws', 'ht'].includes(bucket.provider))
      throw notImplemented(`creating ${bucket.provider}:// (remote) buckets`);
    validateBucketName(bucket.name);
    if (update !== undefined) {
      const tentative = defaultBucketProps(
        bucket.provider,
        this.store.config.values.checksum.type,
        0n,
        this.store.config.values.rate_limit,
      );
      await this.#checkProtection(undefined, applyBucketPropsUpdate(tentative, update));
    }
    await this.#mutate((draft) => {
      if (draft.bucketMetadata.get(bucket) !== undefined) throw bucketAlreadyExists(bucket);
      const bucketId = draft.bucketMetadata.nextBucketId();
      const { checksum, rate_limit: rateLimit } = draft.config.values;
      let props = defaultBucketProps(bucket.provider, checksum.type, bucketId, rateLimit);
      if (update !== undefined) props = applyBucketPropsUpdate(props, update);
      return { ...draft, bucketMetadata: draft.bucketMetadata.withBucket(bucket, props) };
    });
  }

  async destroyBucket(bucket: BucketJson): Promise<void> {
    await this.#mutate((draft) => {
      if (draft.bucketMetadata.get(bucket) === undefined) throw bucketNotFound(bucket);
      return { ...draft, bucketMetadata: draft.bucketMetadata.withoutBucket(bucket) };
    });
  }

  /**
   * move-bck's one metadata change (AIStore's `bmodMv`): `to` appears with `from`'s props (a new
   * bucket ID), `from` is marked renamed to it (clients see it gone; targets rename its
   * directories to `to` before they acknowledge), and a rebalance starts that moves the objects
   * whose owner changes with the name. Returns the rebalance's generation.
   */
  async renameBucket(from: BucketJson, to: BucketJson): Promise<number> {
    await this.#mutate((draft) => {
      const entry = draft.bucketMetadata.get(from);
      if (entry === undefined || entry.props.renamed_to !== undefined) throw bucketNotFound(from);
      if (draft.bucketMetadata.get(to) !== undefined) throw bucketAlreadyExists(to);
      // As AIStore (`canRunRebalance`): the objects whose owner changes move only by rebalance.
      if (!draft.config.values.rebalance.enabled)
        throw badRequest(
          `p[${this.self.id}]: failed to rename ${bucketDisplayName(from)}, err: rebalance is disabled`,
        );
      const bid = String(draft.bucketMetadata.nextBucketId());
      const renamedFrom = [
        ...(entry.props.renamed_from ?? []),
        { bucket: from, bid: entry.props.bid },
      ];
      const bucketMetadata = draft.bucketMetadata
        .withBucket(to, { ...entry.props, bid, renamed_from: renamedFrom })
        .withBucket(from, { ...entry.props, renamed: 'move-bck', renamed_to: to });
      const rebalance = RebalanceMetadata.next(draft.rebalance, draft.clusterMap);
      return { ...draft, bucketMetadata, rebalance };
    });
    const rebalance = this.store.rebalance;
    if (rebalance === undefined) throw new Error('no rebalance metadata after starting one');
    return rebalance.version;
  }

  async setBucketProps(
    bucket: BucketJson,
    update: BucketPropsUpdateJson,
    reset: boolean,
  ): Promise<void> {
    const current = this.store.bucketMetadata?.get(bucket)?.props;
    if (current !== undefined && !reset) {
      const next = applyBucketPropsUpdate(current, update);
      checkErasureCodingChange(current, next);
      await this.#checkProtection(current, next);
    }
    await this.#mutate((draft) => {
      const entry = draft.bucketMetadata.get(bucket);
      if (entry === undefined) throw bucketNotFound(bucket);
      const base = reset
        ? defaultBucketProps(
            bucket.provider,
            draft.config.values.checksum.type,
            BigInt(entry.props.bid),
            draft.config.values.rate_limit,
          )
        : entry.props;
      // A reset keeps the history state (S3 versioning never returns to "never enabled"), the
      // object lock (once enabled, it stays: the bucket's versions stay protected), and what the
      // S3 API configures and removes with its own calls (lifecycle rules; owner, ACL, policy,
      // public access block, CORS): AIStore's reset knows none of them, and dropping them would
      // silently stop expirations or change who may read the bucket. Former names stay too (a
      // target away during a rename still renames its directories when it comes back).
      const history = entry.props.versioning.history ?? 'none';
      const { object_lock: lock, lifecycle, s3_access: access, renamed_from: from } = entry.props;
      const props = reset
        ? {
            ...base,
            created: entry.props.created,
            versioning: { ...base.versioning, history },
            ...(lock === undefined ? {} : { object_lock: lock }),
            ...(lifecycle === undefined ? {} : { lifecycle }),
            ...(access === undefined ? {} : { s3_access: access }),
            ...(from === undefined ? {} : { renamed_from: from }),
          }
        : applyBucketPropsUpdate(base, update);
      return { ...draft, bucketMetadata: draft.bucketMetadata.withBucket(bucket, props) };
    });
  }

  /**
   * Changes the ETL metadata under the lock (`change` sees the current copy and may throw to
   * refuse), persists it and pushes it to every node before resolving.
   */
  async changeEtl(change: (current: EtlMetadata) => EtlMetadata): Promise<void> {
    await this.#mutate((draft) => ({ ...draft, etl: change(draft.etl) }));
  }

  async setConfig(updates: Record<string, unknown>): Promise<void> {
    await this.#mutate((draft) => ({
      ...draft,
      config: draft.config.with(updateClusterConfig(draft.config.values, updates)),
    }));
  }

  /** Refuses protection settings (mirror copies, EC slices) this cluster cannot satisfy. */
  async #checkProtection(
    previous: BucketPropsJson | undefined,
    next: BucketPropsJson,
  ): Promise<void> {
    await checkProtectionFeasible(previous, next, this.#map(), this.client, this.#timeoutMs());
  }

  /**
   * Applies a change under the lock, persists it, and pushes it to every other node. A change of
   * which targets own objects also starts a rebalance (a new RMD version in the same push).
   */
  #mutate(change: (draft: Draft) => Draft, pushFirstTo?: string): Promise<void> {
    this.#mutations += 1;
    return this.#queue
      .run(() => this.#apply(change, pushFirstTo))
      .finally(() => {
        this.#mutations -= 1;
      });
  }

  async #apply(change: (draft: Draft) => Draft, pushFirstTo: string | undefined): Promise<void> {
    const uuid = this.store.clusterMap?.uuid ?? randomId(12);
    const before: Draft = {
      clusterMap: this.store.clusterMap ?? ClusterMap.create(uuid, this.self),
      bucketMetadata: this.store.bucketMetadata ?? BucketMetadata.empty(uuid),
      config: this.store.config,
      rebalance: this.store.rebalance,
      etl: this.store.etl ?? EtlMetadata.empty(uuid),
    };
    let after = change(before);
    const fresh = this.store.clusterMap === undefined;
    if (!fresh && after.rebalance === before.rebalance && this.#needsRebalance(before, after)) {
      after = { ...after, rebalance: RebalanceMetadata.next(before.rebalance, after.clusterMap) };
      this.log.info('placement changed: starting a rebalance', {
        job: after.rebalance?.jobId,
        clusterMapVersion: after.clusterMap.version,
      });
    }
    await this.store.accept({
      clusterMap: after.clusterMap !== before.clusterMap || fresh ? after.clusterMap : undefined,
      bucketMetadata:
        after.bucketMetadata !== before.bucketMetadata || this.store.bucketMetadata === undefined
          ? after.bucketMetadata
          : undefined,
      config: after.config !== before.config ? after.config : undefined,
      rebalance: after.rebalance !== before.rebalance ? after.rebalance : undefined,
      etl: after.etl !== before.etl ? after.etl : undefined,
    });
    // Push order: a joining node, then targets, then gateways: nobody routes requests by a new
    // placement before the targets it names know it (and have started their rebalance).
    const bundle = this.store.toJson();
    const others = this.#map()
      .allNodes()
      .filter((node) => node.id !== this.self.id);
    const waves = [
      others.filter((node) => node.id === pushFirstTo),
      others.filter((node) => node.id !== pushFirstTo && node.role === 'target'),
      others.filter((node) => node.id !== pushFirstTo && node.role === 'proxy'),
    ];
    const failed: string[] = [];
    for (const wave of waves)
      failed.push(...(await this.#metasync.push(wave, bundle, this.#timeoutMs())));
    if (failed.length > 0) this.log.warn('metadata not yet delivered', { nodes: failed });
  }

  /** Rebalance when enabled, buckets exist (else nothing can move) and placement changed. */
  #needsRebalance(before: Draft, after: Draft): boolean {
    return (
      after.skipRebalance !== true &&
      after.config.values.rebalance.enabled &&
      after.bucketMetadata.list().length > 0 &&
      placementDiffers(before.clusterMap, after.clusterMap)
    );
  }

  /** Sweeps on the configured keepalive interval (re-read each time, so set-config applies). */
  #scheduleSweep(): void {
    if (this.#stopped) return;
    this.#sweepTimer = setTimeout(() => {
      void this.#sweep().finally(() => this.#scheduleSweep());
    }, this.store.config.values.keepalive.interval_ms);
    this.#sweepTimer.unref();
  }

  /** Removes nodes silent past the keepalive timeout; nodes in maintenance may be down. */
  async #sweep(): Promise<void> {
    const timeoutMs = this.store.config.values.keepalive.timeout_ms;
    const now = Date.now();
    for (const node of this.#map().allNodes()) {
      if (node.id === this.self.id || (isInMaintenance(node) && !isDecommissioning(node))) {
        this.#lastSeenMs.set(node.id, now);
        continue;
      }
      const seen = this.#lastSeenMs.get(node.id) ?? now;
      if (now - seen <= timeoutMs) continue;
      this.log.warn('removing silent node', { node: node.id, silentMs: now - seen });
      this.#lastSeenMs.delete(node.id);
      this.#departed.remember(node, now);
      try {
        await this.#mutate((draft) => ({
          ...draft,
          clusterMap: draft.clusterMap.withoutNode(node.id),
        }));
      } catch (error) {
        this.log.error('failed to remove silent node', { node: node.id, error });
      }
    }
    await this.#yieldToRival();
  }

  /** Steps down (through the store's change listeners) when a dropped node knows a newer primary. */
  async #yieldToRival(): Promise<void> {
    const { interval_ms: intervalMs } = this.store.config.values.keepalive;
    const rival = await this.#departed.rivalMap(
      this.client,
      this.#map(),
      this.self.id,
      Date.now(),
      Math.max(500, intervalMs),
    );
    if (rival === undefined || this.#stopped) return;
    this.log.warn('a newer map names another primary: yielding', {
      primary: rival.primaryId,
      version: rival.version,
    });
    await this.store.accept({ clusterMap: rival });
  }

  /** When each node was last heard from (for election candidates and status). */
  lastSeenMs(id: string): number | undefined {
    return this.#lastSeenMs.get(id);
  }

  #map(): ClusterMap {
    const map = this.store.clusterMap;
    if (map === undefined) throw new StoreError('ClusterNotReady', 'cluster map not created yet');
    return map;
  }

  #timeoutMs(): number {
    return this.store.config.values.timeouts.control_ms;
  }
}

function isDecommissioning(node: ClusterNode): boolean {
  return (node.flags & NodeFlag.decommission) !== 0;
}
