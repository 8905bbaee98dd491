// The client's cached cluster map: fetched on first use, refreshed on demand (redirects, dead
// nodes) at most every few seconds, with concurrent refreshes sharing one request.
import type { ClusterMapJson } from '../wire/index.js';
import { PlacementMap } from './cluster-map.js';

/** Fetches, caches and throttles refreshes of the cluster map. */
export class ClusterMapCache {
  readonly #fetchMap: () => Promise<ClusterMapJson>;
  readonly #refreshIntervalMs: number;
  readonly #now: () => number;
  #current: PlacementMap | undefined;
  #fetchedAtMs = Number.NEGATIVE_INFINITY;
  /** Counts completed fetches: lets a caller tell whether the map changed since it used it. */
  #generation = 0;
  #inFlight: Promise<PlacementMap> | undefined;

  constructor(
    fetchMap: () => Promise<ClusterMapJson>,
    refreshIntervalMs: number,
    now: () => number = Date.now,
  ) {
    this.#fetchMap = fetchMap;
    this.#refreshIntervalMs = refreshIntervalMs;
    this.#now = now;
  }

  /** The cached map, fetching it the first time. */
  async current(): Promise<PlacementMap> {
    return this.#current ?? (await this.#fetch());
  }

  /** The number of fetches completed so far; pass it to `refreshSince` after using the map. */
  get generation(): number {
    return this.#generation;
  }

  /**
   * After a request routed with the map of `generation` failed: fetches a new map unless one was
   * fetched since (a burst of failures costs one fetch). Unlike `refresh`, ignores the map's age: a
   * young map may predate the failure and still name the dead node.
   */
  async refreshSince(generation: number): Promise<PlacementMap> {
    if (this.#current !== undefined && this.#generation > generation) return this.#current;
    return await this.#fetch();
  }

  /**
   * Fetches a new map. Unless `force`, a map younger than the refresh interval is kept: a burst of
   * redirects or failures costs one fetch, not one per request.
   */
  async refresh(options?: { force?: boolean }): Promise<PlacementMap> {
    const fresh = this.#now() - this.#fetchedAtMs < this.#refreshIntervalMs;
    if (this.#current !== undefined && fresh && options?.force !== true) return this.#current;
    return await this.#fetch();
  }

  #fetch(): Promise<PlacementMap> {
    this.#inFlight ??= this.#fetchMap()
      .then((map) => {
        // A slow answer must not replace a newer map fetched meanwhile.
        const current =
          this.#current === undefined || !isOlder(map, this.#current.map)
            ? new PlacementMap(map)
            : this.#current;
        this.#current = current;
        this.#fetchedAtMs = this.#now();
        this.#generation += 1;
        return current;
      })
      .finally(() => {
        this.#inFlight = undefined;
      });
    return this.#inFlight;
  }
}

function isOlder(candidate: ClusterMapJson, current: ClusterMapJson): boolean {
  if (candidate.uuid !== current.uuid) return false;
  try {
    return BigInt(candidate.version) < BigInt(current.version);
  } catch {
    return false;
  }
}
