// Highest-random-weight placement: which target owns an object, and which mountpath within it.
import { mix64, placementDigest } from './digest.js';

/** Anything placement can choose among: an ID and its precomputed digest. */
export interface PlacementCandidate {
  readonly digest: bigint;
}

/** The candidate with the highest `mix64(candidate.digest XOR objectDigest)`, or undefined if none. */
export function highestRandomWeight<T extends PlacementCandidate>(
  objectDigest: bigint,
  candidates: Iterable<T>,
): T | undefined {
  let best: T | undefined;
  let bestWeight = -1n;
  for (const candidate of candidates) {
    const weight = mix64(candidate.digest ^ objectDigest);
    if (weight > bestWeight) {
      bestWeight = weight;
      best = candidate;
    }
  }
  return best;
}

/** The top `count` candidates by weight, highest first (EC slice and replica placement). */
export function highestRandomWeightList<T extends PlacementCandidate>(
  objectDigest: bigint,
  candidates: Iterable<T>,
  count: number,
): T[] {
  const weighted = [...candidates].map((candidate) => ({
    candidate,
    weight: mix64(candidate.digest ^ objectDigest),
  }));
  weighted.sort((a, b) => (a.weight === b.weight ? 0 : a.weight > b.weight ? -1 : 1));
  return weighted.slice(0, count).map((entry) => entry.candidate);
}

/** Digest of an object uname (`provider/@uuid#ns/bucket/object`). */
export function objectDigest(uname: string): bigint {
  return placementDigest(uname);
}

/** Digest of a node ID (`id_digest` in the cluster map). */
export function nodeDigest(nodeId: string): bigint {
  return placementDigest(nodeId);
}

/** Digest of a mountpath: XXH64 of its cleaned absolute path. */
export function mountpathDigest(cleanPath: string): bigint {
  return placementDigest(cleanPath);
}
