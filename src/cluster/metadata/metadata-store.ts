// A node's copy of the cluster metadata: accepts only newer versions, persists each atomically,
// and tells listeners what changed.
import { join } from 'node:path';
import { StoreError } from '../../errors/index.js';
import { SerialQueue } from '../../util/serial-queue.js';
import type { BucketMetadataJson, ClusterMapJson } from '../../wire/index.js';
import { BucketMetadata } from './bucket-metadata.js';
import { ClusterConfigMetadata } from './cluster-config-metadata.js';
import { ClusterMap } from './cluster-map.js';
import { readMetadataFile, writeMetadataFile } from './metadata-file.js';

/** What changed in one accept call; the previous values are given for diffing. */
export interface MetadataChange {
  clusterMap?: { previous: ClusterMap | undefined; current: ClusterMap };
  bucketMetadata?: { previous: BucketMetadata | undefined; current: BucketMetadata };
  config?: { previous: ClusterConfigMetadata; current: ClusterConfigMetadata };
}

/** The metasync payload: any subset, keyed by AIStore's tags. */
export interface MetadataBundleJson {
  Smap?: ClusterMapJson;
  BMD?: BucketMetadataJson;
  Conf?: unknown;
}

const fileNames = {
  clusterMap: 'cluster-map.json',
  bucketMetadata: 'bucket-metadata.json',
  config: 'cluster-config.json',
} as const;

export class MetadataStore {
  #clusterMap: ClusterMap | undefined;
  #bucketMetadata: BucketMetadata | undefined;
  #config: ClusterConfigMetadata;
  readonly #queue = new SerialQueue();
  readonly #listeners: Array<(change: MetadataChange) => void> = [];

  private constructor(
    private readonly dir: string,
    clusterMap: ClusterMap | undefined,
    bucketMetadata: BucketMetadata | undefined,
    config: ClusterConfigMetadata,
  ) {
    this.#clusterMap = clusterMap;
    this.#bucketMetadata = bucketMetadata;
    this.#config = config;
  }

  /** Loads the persisted copies from `dir` (absent files mean a new node). */
  static async load(dir: string): Promise<MetadataStore> {
    const map = await readMetadataFile(join(dir, fileNames.clusterMap), 'cluster-map');
    const bmd = await readMetadataFile(join(dir, fileNames.bucketMetadata), 'bucket-metadata');
    const config = await readMetadataFile(join(dir, fileNames.config), 'cluster-config');
    return new MetadataStore(
      dir,
      map === undefined ? undefined : ClusterMap.fromJson(map as ClusterMapJson),
      bmd === undefined ? undefined : BucketMetadata.fromJson(bmd as BucketMetadataJson),
      config === undefined
        ? ClusterConfigMetadata.initial()
        : ClusterConfigMetadata.fromJson(config),
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

  onChange(listener: (change: MetadataChange) => void): void {
    this.#listeners.push(listener);
  }

  /** Accepts the newer parts of a bundle; older or equal versions are ignored. */
  accept(bundle: {
    clusterMap?: ClusterMap | undefined;
    bucketMetadata?: BucketMetadata | undefined;
    config?: ClusterConfigMetadata | undefined;
  }): Promise<MetadataChange> {
    return this.#queue.run(async () => {
      const change: MetadataChange = {};
      const { clusterMap, bucketMetadata, config } = bundle;
      if (clusterMap !== undefined && isNewer('cluster map', this.#clusterMap, clusterMap)) {
        await writeMetadataFile(
          join(this.dir, fileNames.clusterMap),
          'cluster-map',
          clusterMap.toJson(),
        );
        change.clusterMap = { previous: this.#clusterMap, current: clusterMap };
        this.#clusterMap = clusterMap;
      }
      if (
        bucketMetadata !== undefined &&
        isNewer('bucket metadata', this.#bucketMetadata, bucketMetadata)
      ) {
        await writeMetadataFile(
          join(this.dir, fileNames.bucketMetadata),
          'bucket-metadata',
          bucketMetadata.toJson(),
        );
        change.bucketMetadata = { previous: this.#bucketMetadata, current: bucketMetadata };
        this.#bucketMetadata = bucketMetadata;
      }
      if (config !== undefined && config.version > this.#config.version) {
        await writeMetadataFile(
          join(this.dir, fileNames.config),
          'cluster-config',
          config.toJson(),
        );
        change.config = { previous: this.#config, current: config };
        this.#config = config;
      }
      if (Object.keys(change).length > 0) for (const listener of this.#listeners) listener(change);
      return change;
    });
  }

  /** Parses a metasync payload and accepts it. */
  acceptJson(bundle: MetadataBundleJson): Promise<MetadataChange> {
    return this.accept({
      clusterMap: bundle.Smap === undefined ? undefined : ClusterMap.fromJson(bundle.Smap),
      bucketMetadata: bundle.BMD === undefined ? undefined : BucketMetadata.fromJson(bundle.BMD),
      config: bundle.Conf === undefined ? undefined : ClusterConfigMetadata.fromJson(bundle.Conf),
    });
  }

  /** The full current state as a metasync payload. */
  toJson(): MetadataBundleJson {
    return {
      ...(this.#clusterMap === undefined ? {} : { Smap: this.#clusterMap.toJson() }),
      ...(this.#bucketMetadata === undefined ? {} : { BMD: this.#bucketMetadata.toJson() }),
      Conf: this.#config.toJson(),
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
