// Where an object's EC pieces live (AIStore's `HrwTargetList(uname, n)`): the first target is the
// owner with the full replica; the next ones get slices 1..D+P, or (small objects) P replicas.
import type { ClusterMap, ClusterNode } from '../../cluster/index.js';
import { highestRandomWeightList, objectDigest } from '../../placement/index.js';
import type { ErasureCodingPropsJson } from '../../wire/index.js';

export interface PieceHolder {
  node: ClusterNode;
  /** 0 = full replica (small objects); 1..D data slices; D+1..D+P parity slices. */
  sliceId: number;
}

export interface PiecePlacement {
  owner: ClusterNode | undefined;
  holders: PieceHolder[];
  /** Pieces that have no target because the cluster has too few (protection is degraded). */
  unplaced: number[];
}

/** Replicated (P full copies) rather than sliced: empty objects and those below the limit. */
export function replicates(sizeBytes: number, props: ErasureCodingPropsJson): boolean {
  if (sizeBytes === 0 || props.objsize_limit === -1) return true;
  return sizeBytes < props.objsize_limit;
}

export function placePieces(
  map: ClusterMap,
  uname: string,
  props: Pick<ErasureCodingPropsJson, 'data_slices' | 'parity_slices'>,
  replicated: boolean,
): PiecePlacement {
  const pieces = replicated ? props.parity_slices : props.data_slices + props.parity_slices;
  const [owner, ...others] = highestRandomWeightList(
    objectDigest(uname),
    map.activeTargets(),
    pieces + 1,
  );
  const holders = others.map((node, index) => ({ node, sliceId: replicated ? 0 : index + 1 }));
  const unplaced: number[] = [];
  for (let index = others.length; index < pieces; index += 1)
    unplaced.push(replicated ? 0 : index + 1);
  return { owner, holders, unplaced };
}
