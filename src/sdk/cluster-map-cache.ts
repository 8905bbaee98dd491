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
