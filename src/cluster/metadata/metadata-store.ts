// A node's copy of the cluster metadata: accepts only newer versions, persists each atomically,
// and tells listeners what changed.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError } from '../../errors/index.js';
import { SerialQueue } from '../../util/serial-queue.js';
import type {
  BucketMetadataJson,
  ClusterMapJson,
  EtlMetadataJson,
  RebalanceMetadataJson,
} from '../../wire/index.js';
import { BucketMetadata } from './bucket-metadata.js';
import { ClusterConfigMetadata } from './cluster-config-metadata.js';
import { ClusterMap } from './cluster-map.js';
import { EtlMetadata } from './etl-metadata.js';
import { readMetadataFile, writeMetadataFile, type MetadataKind } from './metadata-file.js';
import { RebalanceMetadata } from './rebalance-metadata.js';

/** What changed in one accept call; the previous values are given for diffing. */
export interface MetadataChange {
  clusterMap?: { previous: ClusterMap | undefined; current: ClusterMap };
  bucketMetadata?: { previous: BucketMetadata | undefined; current: BucketMetadata };
  config?: { previous: ClusterConfigMetadata; current: ClusterConfigMetadata };
  rebalance?: { previous: RebalanceMetadata | undefined; current: RebalanceMetadata };
  etl?: { previous: EtlMetadata | undefined; current: EtlMetadata };
}

/** The metasync payload: any subset, keyed by AIStore's tags. */
export interface MetadataBundleJson {
  Smap?: ClusterMapJson;
  BMD?: BucketMetadataJson;
  Conf?: unknown;
  RMD?: RebalanceMetadataJson;
  EtlMD?: EtlMetadataJson;
}

/** The parts a request can name a version of (a redirect carries the sender's). */
type VersionedPart = 'clusterMap' | 'bucketMetadata';

const fileNames = {
  clusterMap: 'cluster-map.json',
  bucketMetadata: 'bucket-metadata.json',
  config: 'cluster-config.json',
  rebalance: 'rebalance-metadata.json',
  etl: 'etl-metadata.json',
} as const;

export class MetadataStore {
  #clusterMap: ClusterMap | undefined;
  #bucketMetadata: BucketMetadata | undefined;
  #config: ClusterConfigMetadata;
  #rebalance: RebalanceMetadata | undefined;
  #etl: EtlMetadata | undefined;
  readonly #queue = new SerialQueue();
  readonly #listeners: Array<(change: MetadataChange) => void> = [];
  readonly #waiters = new Set<{ part: VersionedPart; version: number; resolve: () => void }>();

  private constructor(
    private readonly dir: string,
    clusterMap: ClusterMap | undefined,
    bucketMetadata: BucketMetadata | undefined,
    config: ClusterConfigMetadata,
    rebalance: RebalanceMetadata | undefined,
    etl: EtlMetadata | undefined,
  ) {
    this.#clusterMap = clusterMap;
    this.#bucketMetadata = bucketMetadata;
    this.#config = config;
    this.#rebalance = rebalance;
    this.#etl = etl;
  }

  /** Loads the persisted copies from `dir` (absent files mean a new node). */
  static async load(dir: string): Promise<MetadataStore> {
    const map = await readMetadataFile(join(dir, fileNames.clusterMap), 'cluster-map');
    const bmd = await readMetadataFile(join(dir, fileNames.bucketMetadata), 'bucket-metadata');
    const config = await readMetadataFile(join(dir, fileNames.config), 'cluster-config');
    const rmd = await readMetadataFile(join(dir, fileNames.rebalance), 'rebalance-metadata');
    const etl = await readMetadataFile(join(dir, fileNames.etl), 'etl-metadata');
    return new MetadataStore(
      dir,
      map === undefined ? undefined : ClusterMap.fromJson(map as ClusterMapJson),
      bmd === undefined ? undefined : BucketMetadata.fromJson(bmd as BucketMetadataJson),
      config === undefined
        ? ClusterConfigMetadata.initial()
        : ClusterConfigMetadata.fromJson(config),
      rmd === undefined ? undefined : RebalanceMetadata.fromJson(rmd as RebalanceMetadataJson),
      etl === undefined ? undefined : EtlMetadata.fromJson(etl as EtlMetadataJson),
    );
  }

  get clusterMap(): ClusterMap | undefined {
    return this.#clusterMap;
  }

  get bucketMetadata(): BucketMetadata | undefined {
    return this.#bucketMetadata;
  }

  get config(): ClusterConfigMetadata {
    return this.#config;
  }

  /** The latest global rebalance generation; undefined before the first rebalance. */
  get rebalance(): RebalanceMetadata | undefined {
    return this.#rebalance;
  }

  /** Every ETL's init message and stage; undefined before the first ETL was made. */
  get etl(): EtlMetadata | undefined {
    return this.#etl;
  }

  /** Resolves once the cluster map reaches `version`, or after `timeoutMs` at the latest. */
  waitForClusterMap(version: number, timeoutMs: number): Promise<void> {
    return this.#waitFor('clusterMap', version, timeoutMs);
  }

  /** Resolves once the bucket metadata reaches `version`, or after `timeoutMs` at the latest. */
  waitForBucketMetadata(version: number, timeoutMs: number): Promise<void> {
    return this.#waitFor('bucketMetadata', version, timeoutMs);
  }

  #version(part: VersionedPart): number {
    return (part === 'clusterMap' ? this.#clusterMap : this.#bucketMetadata)?.version ?? 0;
  }

  #waitFor(part: VersionedPart, version: number, timeoutMs: number): Promise<void> {
    if (this.#version(part) >= version) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = {
        part,
        version,
        resolve: () => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(waiter.resolve, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  onChange(listener: (change: MetadataChange) => void): void {
    this.#listeners.push(listener);
  }

  /** Accepts the newer parts of a bundle; older or equal versions are ignored. */
  accept(bundle: {
    clusterMap?: ClusterMap | undefined;
    bucketMetadata?: BucketMetadata | undefined;
    config?: ClusterConfigMetadata | undefined;
    rebalance?: RebalanceMetadata | undefined;
    etl?: EtlMetadata | undefined;
  }): Promise<MetadataChange> {
    return this.#queue.run(async () => {
      const change: MetadataChange = {};
      const { clusterMap, bucketMetadata, config, rebalance, etl } = bundle;
      if (clusterMap !== undefined && isNewer('cluster map', this.#clusterMap, clusterMap)) {
        await this.#persist('clusterMap', 'cluster-map', clusterMap.toJson());
        change.clusterMap = { previous: this.#clusterMap, current: clusterMap };
      }
      if (
        bucketMetadata !== undefined &&
        isNewer('bucket metadata', this.#bucketMetadata, bucketMetadata)
      ) {
        await this.#persist('bucketMetadata', 'bucket-metadata', bucketMetadata.toJson());
        change.bucketMetadata = { previous: this.#bucketMetadata, current: bucketMetadata };
      }
      if (config !== undefined && config.version > this.#config.version) {
        await this.#persist('config', 'cluster-config', config.toJson());
        change.config = { previous: this.#config, current: config };
      }
      if (rebalance !== undefined && isNewer('rebalance metadata', this.#rebalance, rebalance)) {
        await this.#persist('rebalance', 'rebalance-metadata', rebalance.toJson());
        change.rebalance = { previous: this.#rebalance, current: rebalance };
      }
      if (etl !== undefined && isNewer('ETL metadata', this.#etl, etl)) {
        await this.#persist('etl', 'etl-metadata', etl.toJson());
        change.etl = { previous: this.#etl, current: etl };
      }
      // Everything is persisted; now switch in one step and tell the listeners in the same tick,
      // so no request sees a new cluster map without the rebalance that goes with it.
      if (change.clusterMap !== undefined) this.#clusterMap = change.clusterMap.current;
      if (change.bucketMetadata !== undefined) this.#bucketMetadata = change.bucketMetadata.current;
      if (change.config !== undefined) this.#config = change.config.current;
      if (change.rebalance !== undefined) this.#rebalance = change.rebalance.current;
      if (change.etl !== undefined) this.#etl = change.etl.current;
      if (Object.keys(change).length > 0) for (const listener of this.#listeners) listener(change);
      for (const waiter of this.#waiters)
        if (this.#version(waiter.part) >= waiter.version) waiter.resolve();
      return change;
    });
  }

  #persist(file: keyof typeof fileNames, kind: MetadataKind, payload: unknown): Promise<void> {
    return writeMetadataFile(join(this.dir, fileNames[file]), kind, payload);
  }

  /**
   * Deletes the persisted copies (a decommissioned node): a later start joins as a new member.
   * The in-memory copies stay until the process ends.
   */
  forget(): Promise<void> {
    return this.#queue.run(async () => {
      for (const name of Object.values(fileNames)) await rm(join(this.dir, name), { force: true });
    });
  }

  /** Parses a metasync payload and accepts it. */
  acceptJson(bundle: MetadataBundleJson): Promise<MetadataChange> {
    return this.accept({
      clusterMap: bundle.Smap === undefined ? undefined : ClusterMap.fromJson(bundle.Smap),
      bucketMetadata: bundle.BMD === undefined ? undefined : BucketMetadata.fromJson(bundle.BMD),
      config: bundle.Conf === undefined ? undefined : ClusterConfigMetadata.fromJson(bundle.Conf),
      rebalance: bundle.RMD === undefined ? undefined : RebalanceMetadata.fromJson(bundle.RMD),
      etl: bundle.EtlMD === undefined ? undefined : EtlMetadata.fromJson(bundle.EtlMD),
    });
  }

  /** The full current state as a metasync payload. */
  toJson(): MetadataBundleJson {
    return {
      ...(this.#clusterMap === undefined ? {} : { Smap: this.#clusterMap.toJson() }),
      ...(this.#bucketMetadata === undefined ? {} : { BMD: this.#bucketMetadata.toJson() }),
      Conf: this.#config.toJson(),
      ...(this.#rebalance === undefined ? {} : { RMD: this.#rebalance.toJson() }),
      ...(this.#etl === undefined ? {} : { EtlMD: this.#etl.toJson() }),
    };
  }
}

/**
 * Whether `offered` should replace `current`: only a higher version of the same cluster. Metadata
 * of another cluster is refused outright (AIStore's "cluster integrity error").
 */
function isNewer(
  kind: string,
  current: { uuid: string; version: number } | undefined,
  offered: { uuid: string; version: number },
): boolean {
  if (current === undefined) return true;
  if (current.uuid !== offered.uuid) {
    throw new StoreError(
      'Conflict',
      `cluster integrity error: ${kind} of cluster ${offered.uuid} offered to a node of cluster ${current.uuid}`,
    );
  }
  return offered.version > current.version;
}
