// The owner's check of an object's EC pieces: every target HRW assigns a piece must hold it, from
// the same encoding as the owner's metafile (and, when verifying, with intact bytes). Missing or
// stale pieces are re-created from the local replica with the same generation; an encoding that
// no longer matches the replica is redone.
import type { BucketJson, ErasureCodingPropsJson } from '../../wire/index.js';
import { objectUname } from '../../wire/index.js';
import { carriesAttributes, sameAttributes, sameEncoding } from './ec-metadata.js';
import { encodedObject, encodeObject, type VersionChoice } from './encode-object.js';
import { pieceKeyOf } from './version-pieces.js';
import { requireClusterMap, type ErasureContext } from './erasure-context.js';
import { placePieces, replicates } from './placement.js';

export interface PiecesReport {
  /** Pieces that were missing, stale or corrupt. */
  bad: number;
  /** Pieces sent to replace them. */
  repaired: number;
  /** Pieces with no target to hold them (the cluster has too few). */
  unplaced: number;
}

/** Checks (and re-creates) the pieces of an object whose main replica is here and intact. */
export async function ensurePieces(
  context: ErasureContext,
  bucket: BucketJson,
  name: string,
  props: ErasureCodingPropsJson,
  verify: boolean,
  version: VersionChoice = {},
): Promise<PiecesReport> {
  const key = pieceKeyOf(name, version.versionId, version.latest === true);
  const head = await context.store.headObject(bucket, name, { versionId: version.versionId });
  const own = await context.pieces.metadata(bucket, key);
  const current =
    own !== undefined &&
    carriesAttributes(own, encodedObject(head, key)) &&
    own.obj_cksum === head.checksum.value &&
    own.obj_size === head.size &&
    own.data_slices === props.data_slices &&
    own.parity_slices === props.parity_slices;
  if (!current) {
    const report = await encodeObject(context, bucket, name, props, version);
    return { bad: report.sent, repaired: report.sent, unplaced: report.unplaced };
  }
  const map = requireClusterMap(context);
  const replicated = replicates(head.size, props);
  const placement = placePieces(map, objectUname(bucket, name), props, replicated);
  const holders = placement.holders.filter((holder) => holder.node.id !== context.nodeId);
  const missing = new Set<string>();
  await Promise.all(
    holders.map(async (holder) => {
      let held;
      try {
        held = await context.peers.metadata(holder.node, bucket, key, verify);
      } catch (error) {
        context.log.warn('EC piece check failed', { node: holder.node.id, name, error });
        return;
      }
      const intact =
        held !== undefined &&
        sameEncoding(held, own) &&
        sameAttributes(held, own) &&
        held.slice_id === holder.sliceId &&
        held.is_copy === replicated;
      if (!intact) missing.add(holder.node.id);
    }),
  );
  const recorded =
    Object.keys(own.nodes).length === holders.length + 1 &&
    holders.every((holder) => own.nodes[holder.node.id] === holder.sliceId);
  if (missing.size === 0 && recorded) {
    return { bad: 0, repaired: 0, unplaced: placement.unplaced.length };
  }
  const report = await encodeObject(context, bucket, name, props, {
    ...version,
    generation: own.generation,
    only: missing,
  });
  return { bad: missing.size, repaired: report.sent, unplaced: report.unplaced };
}
