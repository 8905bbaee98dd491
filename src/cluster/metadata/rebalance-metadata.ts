// Rebalance metadata (RMD): the generation of the latest global rebalance, owned by the primary and
// synced like the cluster map. A new version means "every target: move objects to this map".
import type { RebalanceMetadataJson } from '../../wire/index.js';
import { rebalanceJobId } from '../../wire/index.js';
import type { ClusterMap } from './cluster-map.js';

export class RebalanceMetadata {
  private constructor(
    readonly version: number,
    readonly uuid: string,
    readonly targetIds: readonly string[],
    readonly clusterMapVersion: number,
  ) {}

  static fromJson(json: RebalanceMetadataJson): RebalanceMetadata {
    return new RebalanceMetadata(
      Number(json.version),
      json.cluster_uuid,
      Object.freeze([...(json.target_ids ?? [])]),
      Number(json.cluster_map_version),
    );
  }

  /** The next generation (the first is 1), for the cluster map `map`. */
  static next(previous: RebalanceMetadata | undefined, map: ClusterMap): RebalanceMetadata {
    return new RebalanceMetadata(
      (previous?.version ?? 0) + 1,
      map.uuid,
      Object.freeze([...map.targets.keys()].sort()),
      map.version,
    );
  }

  /** `g<version>`: the rebalance job's ID on every target. */
  get jobId(): string {
    return rebalanceJobId(this.version);
  }

  toJson(): RebalanceMetadataJson {
    return {
      version: this.version,
      cluster_uuid: this.uuid,
      target_ids: [...this.targetIds],
      cluster_map_version: String(this.clusterMapVersion),
    };
  }
}
