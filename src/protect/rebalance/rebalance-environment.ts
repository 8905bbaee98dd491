// What rebalance and resilver use on a target: its store, the intra-cluster client, the metadata
// store (cluster map, bucket metadata, config, RMD), the progress marker and a logger.
import type { MetadataStore } from '../../cluster/index.js';
import type { LocalStore, Tombstones } from '../../storage/index.js';
import type { BucketJson } from '../../wire/index.js';
import type { IntraClient } from '../../transport/index.js';
import type { Logger } from '../../util/log.js';
import type { RebalanceMarker } from './rebalance-marker.js';

export interface RebalanceEnvironment {
  readonly nodeId: string;
  readonly store: LocalStore;
  readonly client: IntraClient;
  readonly metadata: MetadataStore;
  readonly marker: RebalanceMarker;
  readonly log: Logger;
  /**
   * Runs on every target once every walk of a rebalance is done (all objects are at their new
   * owners): makes mirror copies and EC pieces right for the new map.
   */
  readonly afterPlacementChange?: PlacementChangeHook;
  /**
   * Resolves when the local changes the latest metadata asks for are done (a renamed bucket's
   * directories), so the walk sees the objects where they now are.
   */
  readonly beforeWalk?: () => Promise<void>;
  /** Deletes taken while a target was away, kept for its return (see deleted-while-away.ts). */
  readonly tombstones?: Tombstones;
  /** Drops what this target holds of `bucket/name` (replica, copies, EC pieces) up to a delete. */
  readonly dropDeleted?: DropDeleted;
}

/** See `RebalanceEnvironment.dropDeleted`. */
export type DropDeleted = (bucket: BucketJson, name: string, deletedAtMs: number) => Promise<void>;

/** Work after objects moved (rebalance) or changed mountpath (resilver); see above. */
export type PlacementChangeHook = (signal: AbortSignal, log: Logger) => Promise<void>;

/** `status` under `/v1/rebalance/`: a target's progress, asked by its peers. */
export const statusSegment = 'status';

/** A target's answer to `GET /v1/rebalance/status`. */
export interface RebalanceStatusJson {
  /** The latest RMD version this target knows. */
  rmd_version: number;
  /** Latest generation whose walk (all sends) finished here. */
  walked: number;
  /** Latest generation that finished on every target, as far as this one knows. */
  completed: number;
  /** The running rebalance job here, if any. */
  running: string;
}
