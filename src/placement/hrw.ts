// Highest-random-weight placement: which target owns an object, and which mountpath within it.
// Hot callers keep a PlacementTable per candidate set; these functions build one per call.
import { placementDigest } from './digest.js';
import { PlacementTable, type PlacementCandidate } from './placement-table.js';

/** The candidate with the highest `mix64(candidate.digest XOR objectDigest)`, or undefined if none. */
export function highestRandomWeight<T extends PlacementCandidate>(
  objectDigest: bigint,
  candidates: Iterable<T>,
): T | undefined {
  return new PlacementTable(candidates).ownerByDigest(objectDigest);
}

/** The top `count` candidates by weight, highest first (EC slice and replica placement). */
export function highestRandomWeightList<T extends PlacementCandidate>(
  objectDigest: bigint,
  candidates: Iterable<T>,
  count: number,
): T[] {
  return new PlacementTable(candidates).ranked(objectDigest, count);
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
