// A fixed set of placement candidates with their digests laid out for the HRW kernel: build it once
// per cluster-map version (or mountpath set), then each decision costs no BigInt and no allocation.
import { invariant } from '../util/assert.js';
import { ownerIndexByDigest, ownerIndexByName, weightsOf } from './hrw-kernel.js';

/** Anything placement can choose among: an ID and its precomputed digest. */
export interface PlacementCandidate {
  /** XXH64 of the candidate's ID (node) or path (mountpath): an unsigned 64-bit value. */
  readonly digest: bigint;
}

const maxDigest = (1n << 64n) - 1n;

/** Candidates in a fixed order with their digests; the first wins on equal weights. */
export class PlacementTable<T extends PlacementCandidate> {
  readonly candidates: readonly T[];
  /** Little-endian uint64 digests, one per candidate, in candidate order. */
  readonly #digests: Uint8Array;

  constructor(candidates: Iterable<T>) {
    this.candidates = [...candidates];
    this.#digests = new Uint8Array(this.candidates.length * 8);
    const view = new DataView(this.#digests.buffer);
    this.candidates.forEach((candidate, index) => {
      invariant(candidate.digest >= 0n && candidate.digest <= maxDigest, 'digest is a uint64');
      view.setBigUint64(index * 8, candidate.digest, true);
    });
  }

  /**
   * The HRW owner of an object uname, or undefined when there are no candidates. A sole candidate
   * owns every name: no hash (a one-target cluster map, a one-mountpath target; ~0.3 µs a call).
   */
  owner(uname: string): T | undefined {
    if (this.candidates.length < 2) return this.candidates[0];
    return this.candidates[ownerIndexByName(uname, this.#digests)];
  }

  /** As `owner`, for an object digest (`objectDigest(uname)`) already computed. */
  ownerByDigest(objectDigest: bigint): T | undefined {
    if (this.candidates.length < 2) return this.candidates[0];
    return this.candidates[ownerIndexByDigest(objectDigest, this.#digests)];
  }

  /** The top `count` candidates for an object (uname or digest), highest weight first. */
  ranked(object: string | bigint, count: number): T[] {
    const { high, low } = weightsOf(object, this.#digests);
    const order = this.candidates.map((_, index) => index);
    // Stable sort, descending: equal weights keep candidate order, as the owner scan does.
    order.sort(
      (left, right) =>
        (high[right] as number) - (high[left] as number) ||
        (low[right] as number) - (low[left] as number),
    );
    return order.slice(0, count).map((index) => this.candidates[index] as T);
  }
}
