// A metadata change (tags, custom metadata, S3 attributes) reaching an erasure-coded object's
// pieces: every holder named in the owner's metafile gets the new metafile alone (an empty body:
// its piece stays, see `LocalPieces.store`), then the owner's own metafile is rewritten. A holder
// that cannot take it (unreachable, or holding another encoding) gets its whole piece again; the
// object is encoded anew when the owner's own encoding does not describe the replica any more.
import type { BucketJson, ErasureCodingPropsJson } from '../../wire/index.js';
import { pieceMetadata } from './ec-metadata.js';
import { encodedObject, encodeObject, type VersionChoice } from './encode-object.js';
import { pieceKeyOf } from './version-pieces.js';
import { requireClusterMap, type ErasureContext } from './erasure-context.js';

/** Pushes the object's current attributes into every metafile of its encoding. */
export async function updatePieceAttributes(
  context: ErasureContext,
  bucket: BucketJson,
  name: string,
  props: ErasureCodingPropsJson,
  version: VersionChoice = {},
): Promise<void> {
  const key = pieceKeyOf(name, version.versionId, version.latest === true);
  const head = await context.store.headObject(bucket, name, { versionId: version.versionId });
  const own = await context.pieces.metadata(bucket, key);
  if (own === undefined || own.obj_cksum !== head.checksum.value || own.obj_size !== head.size) {
    await encodeObject(context, bucket, name, props, version);
    return;
  }
  const encoding = {
    generation: own.generation,
    dataSlices: own.data_slices,
    paritySlices: own.parity_slices,
    sliceBytes: own.slice_size,
    unitBytes: own.stripe_size,
    nodes: own.nodes,
  };
  const object = encodedObject(head, key);
  const replicated = own.slice_size === 0;
  const map = requireClusterMap(context);
  const failed = new Set<string>();
  await Promise.all(
    Object.entries(own.nodes).map(async ([id, sliceId]) => {
      if (id === context.nodeId) return;
      const node = map.node(id);
      const metadata = pieceMetadata(object, encoding, { sliceId, isCopy: replicated });
      try {
        if (node === undefined) throw new Error(`t[${id}] is not in the cluster map`);
        await context.peers.send(node, bucket, metadata, Buffer.alloc(0), 0);
      } catch (error) {
        context.log.warn('EC metafile not updated, piece to be sent again', { id, name, error });
        failed.add(id);
      }
    }),
  );
  await context.pieces.store(
    bucket,
    pieceMetadata(object, encoding, { sliceId: 0, isCopy: false }),
    undefined,
    0,
  );
  const reachable = new Set([...failed].filter((id) => map.node(id) !== undefined));
  if (reachable.size === 0) return;
  // The change is acknowledged either way: a holder still stale is found by scrub (its metafile's
  // attributes differ from the owner's, see `ensurePieces`).
  await encodeObject(context, bucket, name, props, {
    ...version,
    generation: own.generation,
    only: reachable,
  }).catch((error: unknown) => {
    context.log.warn('EC pieces not re-sent after a metadata change', { name, error });
  });
}
