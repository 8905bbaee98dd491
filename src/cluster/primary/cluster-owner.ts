// The primary gateway's ownership of cluster metadata: every change is made here under one lock,
// persisted, then pushed to all nodes before the caller is answered.
import {
  StoreError,
  bucketAlreadyExists,
  bucketNotFound,
  notImplemented,
} from '../../errors/index.js';
import { updateClusterConfig } from '../../config/index.js';
import type { IntraClient } from '../../transport/index.js';
import { randomId } from '../../util/ids.js';
import type { Logger } from '../../util/log.js';
import { SerialQueue } from '../../util/serial-queue.js';
import type {
  BucketJson,
  BucketPropsJson,
  BucketPropsUpdateJson,
  NodeJson,
} from '../../wire/index.js';
import { BucketMetadata } from '../metadata/bucket-metadata.js';
import { validateBucketName } from '../metadata/bucket-name.js';
import {
  applyBucketPropsUpdate,
  checkErasureCodingChange,
  defaultBucketProps,
} from '../metadata/bucket-props.js';
import type { ClusterConfigMetadata } from '../metadata/cluster-config-metadata.js';
import { ClusterMap, makeClusterNode, type ClusterNode } from '../metadata/cluster-map.js';
import type { MetadataBundleJson, MetadataStore } from '../metadata/metadata-store.js';
import type { KeepaliveRequestJson } from '../membership/messages.js';
import { Metasync } from '../sync/metasync.js';
import { checkProtectionFeasible } from './protection-check.js';

interface Draft {
  clusterMap: ClusterMap;
  bucketMetadata: BucketMetadata;
  config: ClusterConfigMetadata;
}

export class ClusterOwner {
  readonly #queue = new SerialQueue();
  readonly #lastSeenMs = new Map<string, number>();
  readonly #metasync: Metasync;
  #sweepTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: MetadataStore,
    private readonly self: ClusterNode,
    private readonly client: IntraClient,
    private readonly log: Logger,
  ) {
    this.#metasync = new Metasync(this.client, log);
  }

  /** Creates the cluster, or takes over the persisted one as its primary, and publishes it. */
  async bootstrap(): Promise<void> {
    await this.#mutate((draft) => {
      const map = draft.clusterMap.withNode(this.self).withPrimary(this.self.id);
      return { ...draft, clusterMap: map };
    });
    const now = Date.now();
    for (const node of this.#map().allNodes()) this.#lastSeenMs.set(node.id, now);
    this.#sweepTimer = setInterval(
      () => void this.#sweep(),
      this.store.config.values.keepalive.interval_ms,
    );
    this.#sweepTimer.unref();
  }

  stop(): void {
    clearInterval(this.#sweepTimer);
  }

  /** A node joins (or re-joins with new URLs); answers with the full metadata. */
  async register(nodeJson: NodeJson): Promise<MetadataBundleJson> {
    if (nodeJson.daemon_type !== 'proxy' && nodeJson.daemon_type !== 'target') {
      throw new StoreError('BadRequest', `invalid node role "${String(nodeJson.daemon_type)}"`);
    }
    const node = makeClusterNode(
      nodeJson.daemon_id,
      nodeJson.daemon_type,
      nodeJson.public_net.direct_url,
      nodeJson.intra_control_net.direct_url,
      nodeJson.flags,
    );
    this.#lastSeenMs.set(node.id, Date.now());
    const known = this.#map().node(node.id);
    const unchanged =
      known !== undefined &&
      known.publicUrl === node.publicUrl &&
      known.intraUrl === node.intraUrl &&
      known.role === node.role;
    if (!unchanged) {
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
      });
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
      Number(request.config_version) < this.store.config.version;
    if (behind) {
      this.#metasync
        .pushOne(node, this.store.toJson(), this.#timeoutMs())
        .catch((error: unknown) => this.log.warn('catch-up push failed', { node: node.id, error }));
    }
  }

  async createBucket(bucket: BucketJson, update: BucketPropsUpdateJson | undefined): Promise<void> {
    if (bucket.provider !== 'ais')
      throw notImplemented(`creating ${bucket.provider} (remote) buckets`);
    validateBucketName(bucket.name);
    if (update !== undefined) {
      const tentative = defaultBucketProps(
        bucket.provider,
        this.store.config.values.checksum.type,
        0n,
      );
      await this.#checkProtection(undefined, applyBucketPropsUpdate(tentative, update));
    }
    await this.#mutate((draft) => {
      if (draft.bucketMetadata.get(bucket) !== undefined) throw bucketAlreadyExists(bucket);
      const bucketId = draft.bucketMetadata.maxBucketId() + 1n;
      let props = defaultBucketProps(bucket.provider, draft.config.values.checksum.type, bucketId);
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
          )
        : entry.props;
      // A reset keeps the history state: S3 versioning never returns to "never enabled".
      const history = entry.props.versioning.history ?? 'none';
      const props = reset
        ? { ...base, created: entry.props.created, versioning: { ...base.versioning, history } }
        : applyBucketPropsUpdate(base, update);
      return { ...draft, bucketMetadata: draft.bucketMetadata.withBucket(bucket, props) };
    });
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

  /** Applies a change under the lock, persists it, and pushes it to every other node. */
  #mutate(change: (draft: Draft) => Draft): Promise<void> {
    return this.#queue.run(async () => {
      const uuid = this.store.clusterMap?.uuid ?? randomId(12);
      const before: Draft = {
        clusterMap: this.store.clusterMap ?? ClusterMap.create(uuid, this.self),
        bucketMetadata: this.store.bucketMetadata ?? BucketMetadata.empty(uuid),
        config: this.store.config,
      };
      const after = change(before);
      const fresh = this.store.clusterMap === undefined;
      await this.store.accept({
        clusterMap: after.clusterMap !== before.clusterMap || fresh ? after.clusterMap : undefined,
        bucketMetadata:
          after.bucketMetadata !== before.bucketMetadata || this.store.bucketMetadata === undefined
            ? after.bucketMetadata
            : undefined,
        config: after.config !== before.config ? after.config : undefined,
      });
      const others = this.#map()
        .allNodes()
        .filter((node) => node.id !== this.self.id);
      const failed = await this.#metasync.push(others, this.store.toJson(), this.#timeoutMs());
      if (failed.length > 0) this.log.warn('metadata not yet delivered', { nodes: failed });
    });
  }

  async #sweep(): Promise<void> {
    const timeoutMs = this.store.config.values.keepalive.timeout_ms;
    const now = Date.now();
    for (const node of this.#map().allNodes()) {
      if (node.id === this.self.id) continue;
      const seen = this.#lastSeenMs.get(node.id) ?? now;
      if (now - seen <= timeoutMs) continue;
      this.log.warn('removing silent node', { node: node.id, silentMs: now - seen });
      this.#lastSeenMs.delete(node.id);
      try {
        await this.#mutate((draft) => ({
          ...draft,
          clusterMap: draft.clusterMap.withoutNode(node.id),
        }));
      } catch (error) {
        this.log.error('failed to remove silent node', { node: node.id, error });
      }
    }
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
