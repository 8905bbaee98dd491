// Rebuilds a lost or corrupt main replica from what other targets hold (AIStore's EC "restore"):
// asks every target for its metafile, takes the newest encoding it can rebuild, then copies a full replica or
// decodes D slices straight into a verified PUT of the local store. Lost pieces are re-created
// afterwards by `ensurePieces`. The same sources also stream the object without storing it, for a
// target standing in for an unreachable owner.
import { pipeline, Readable } from 'node:stream';
import type { ClusterNode } from '../../cluster/index.js';
import { StoreError, isStoreError } from '../../errors/index.js';
import { VerifyingStream } from '../../storage/io/index.js';
import type { BucketJson, ErasureMetadataJson } from '../../wire/index.js';
import { restoredAttributes, sameEncoding } from './ec-metadata.js';
import { codecFor, requireClusterMap, type ErasureContext } from './erasure-context.js';
import { ExactReader } from './exact-reader.js';
import { isMainReplica } from './local-pieces.js';
import type { OpenPiece } from './peers.js';
import { BadSlicesError, decodeStripes, type SliceSource } from './stripe-codec.js';
import { layoutOf } from './stripe-layout.js';
import { keptVersionOf, pieceKeyOf } from './version-pieces.js';
import { destroyQuietly } from '../../util/stream-teardown.js';

/** Chunk size of the checks on a streamed restore. */
const verifiedChunkBytes = 256 * 1024;

/** A piece some target holds. */
export interface HeldPiece {
  node: ClusterNode;
  metadata: ErasureMetadataJson;
}

/** Every metafile the active targets hold for the object (unreachable targets are skipped). */
export async function gatherPieces(
  context: ErasureContext,
  bucket: BucketJson,
  name: string,
): Promise<HeldPiece[]> {
  const targets = requireClusterMap(context).activeTargets();
  const answers = await Promise.all(
    targets.map(async (node) => {
      try {
        const metadata = await context.peers.metadata(node, bucket, name, false);
        return metadata === undefined ? undefined : { node, metadata };
      } catch (error) {
        context.log.warn('EC metafile unavailable', { node: node.id, name, error });
        return undefined;
      }
    }),
  );
  return answers.filter((answer) => answer !== undefined);
}

/**
 * The pieces of the newest encoding that can rebuild the object (a full copy, or D distinct
 * slices), else the newest encoding's (too few: the restore fails). An encoding with too few pieces
 * while only up to P targets are lost is a write the owner never finished — it died sending the
 * slices, so the write was never acknowledged — and the one before it is the last acknowledged
 * write: skipping it serves that instead of nothing.
 */
export function newestUsableEncoding(pieces: HeldPiece[]): HeldPiece[] {
  const byGeneration = [...pieces].sort((a, b) => b.metadata.generation - a.metadata.generation);
  const encodings: HeldPiece[][] = [];
  for (const piece of byGeneration) {
    const encoding = encodings.find((held) =>
      held[0] === undefined ? false : sameEncoding(held[0].metadata, piece.metadata),
    );
    if (encoding === undefined) encodings.push([piece]);
    else encoding.push(piece);
  }
  const usable = encodings.find((held) => {
    const slices = new Set(held.map((piece) => piece.metadata.slice_id));
    return slices.has(0) || slices.size >= (held[0]?.metadata.data_slices ?? Infinity);
  });
  return usable ?? encodings[0] ?? [];
}

/**
 * The pieces a restore of the object (or of its kept version `versionId`) can use: the newest
 * usable encoding's, minus this target's own main replica. A kept version's piece name can be a real
 * object's name too (see `version-pieces.ts`): only the pieces of the version asked for are used.
 */
async function survivingPieces(
  context: ErasureContext,
  bucket: BucketJson,
  name: string,
  versionId?: string,
): Promise<HeldPiece[]> {
  const key = pieceKeyOf(name, versionId, false);
  const held = await gatherPieces(context, bucket, key);
  const wanted = (piece: HeldPiece): boolean => {
    // This target's own main-replica metafile describes the replica being restored: not a source.
    if (piece.node.id === context.nodeId && isMainReplica(piece.metadata)) return false;
    const kept = keptVersionOf(piece.metadata);
    if (versionId === undefined) {
      // Not a kept version of `<x>` when restoring the object `<x>;<id>` (pieces without an ID,
      // e.g. of an unversioned `<x>;null`, are the object's own).
      return kept === undefined;
    }
    return kept?.name === name && kept.versionId === versionId;
  };
  return newestUsableEncoding(held.filter(wanted));
}

/**
 * Restores the object's main replica (or kept version `versionId`, placed among the versions
 * here by its stamp) on this target from other targets' pieces. Returns false when too little
 * survives (fewer than D slices and no full copy).
 */
export async function restoreObject(
  context: ErasureContext,
  bucket: BucketJson,
  name: string,
  versionId?: string,
): Promise<boolean> {
  const pieces = await survivingPieces(context, bucket, name, versionId);
  const store = (metadata: ErasureMetadataJson, open: () => Promise<{ body: Readable }>) =>
    storeFrom(context, bucket, name, metadata, open);
  for (const copy of pieces.filter((piece) => piece.metadata.slice_id === 0)) {
    if (await store(copy.metadata, () => openFrom(context, bucket, copy))) return true;
  }
  const bad = new Set<number>();
  for await (const { metadata, decoded } of decodeAttempts(context, bucket, pieces, bad)) {
    const badBefore = bad.size;
    try {
      const stored = await store(metadata, () => Promise.resolve(decoded));
      const failure = decoded.failure();
      if (failure instanceof BadSlicesError) throw failure;
      if (stored) return true;
    } catch (error) {
      if (!(error instanceof BadSlicesError)) throw error;
      for (const sliceId of error.sliceIds) bad.add(sliceId);
    } finally {
      decoded.close();
    }
    // A failure that blames no slice (the local write failed) would only repeat itself.
    if (bad.size === badBefore) return false;
  }
  return false;
}

/** The bytes of a surviving encoding, and what they are. */
export interface SurvivingObject {
  metadata: ErasureMetadataJson;
  /** Fails (short) when the bytes do not match the object's checksum. */
  body: Readable;
}

/**
 * Opens the object's bytes from what survives on the targets (a full replica, this target's own
 * first, else D slices decoded as they stream), checked against the object's checksum on the way,
 * without storing them here: for a target that stands in for an unreachable owner, where a copy
 * would be misplaced and could later go stale. Undefined when too little survives.
 */
export async function openSurviving(
  context: ErasureContext,
  bucket: BucketJson,
  name: string,
): Promise<SurvivingObject | undefined> {
  const pieces = await survivingPieces(context, bucket, name);
  const copies = pieces
    .filter((piece) => piece.metadata.slice_id === 0)
    .sort((a, b) => Number(b.node.id === context.nodeId) - Number(a.node.id === context.nodeId));
  for (const copy of copies) {
    try {
      const open = await openFrom(context, bucket, copy);
      return { metadata: copy.metadata, body: verified(context, copy.metadata, open.body) };
    } catch (error) {
      context.log.warn('EC replica unavailable', { node: copy.node.id, name, error });
    }
  }
  for await (const { metadata, decoded } of decodeAttempts(context, bucket, pieces, new Set())) {
    decoded.body.once('close', () => decoded.close());
    return { metadata, body: verified(context, metadata, decoded.body) };
  }
  return undefined;
}

/**
 * Decodings of the object from D of its slices, each attempt without the slices found bad so far
 * (`bad`, which the caller adds to when a decoding fails): at most P+1 attempts, since each one
 * after the first rules out at least one more slice. Ends when too few usable slices remain.
 */
async function* decodeAttempts(
  context: ErasureContext,
  bucket: BucketJson,
  pieces: HeldPiece[],
  bad: Set<number>,
): AsyncGenerator<{ metadata: ErasureMetadataJson; decoded: DecodedBody }> {
  const slices = uniqueSlices(pieces.filter((piece) => piece.metadata.slice_id > 0));
  const first = slices[0]?.metadata;
  if (first === undefined) return;
  for (let attempt = 0; attempt <= first.parity_slices; attempt += 1) {
    const usable = slices.filter((piece) => !bad.has(piece.metadata.slice_id));
    if (usable.length < first.data_slices) return;
    const decoded = await openDecoded(context, bucket, first, usable, bad);
    if (decoded !== undefined) yield { metadata: first, decoded };
  }
}

/** `body` checked against the object's size and checksum: a mismatch fails it before its end. */
function verified(
  context: ErasureContext,
  metadata: ErasureMetadataJson,
  body: Readable,
): Readable {
  const checksum = { type: metadata.cksum_type, value: metadata.obj_cksum };
  const verifier = new VerifyingStream(
    checksum,
    metadata.obj_size,
    (problem) => {
      context.log.warn('EC restore produced bytes that do not match', {
        name: metadata.name,
        problem,
      });
      return Promise.resolve(
        new StoreError(
          'ObjectCorrupted',
          `${metadata.name}: rebuilt bytes do not match their checksum`,
        ),
      );
    },
    verifiedChunkBytes,
  );
  return pipeline(body, verifier, () => undefined);
}

/** A stream of decoded object bytes over open slices; `close` releases the slices. */
interface DecodedBody {
  body: Readable;
  /** The error decoding ended with, once the body failed. */
  failure(): unknown;
  close(): void;
}

/**
 * Opens the first D of `usable` slices and decodes them as the body is read. A slice that cannot
 * be opened is added to `bad` and undefined is returned (the caller retries without it).
 */
async function openDecoded(
  context: ErasureContext,
  bucket: BucketJson,
  metadata: ErasureMetadataJson,
  usable: HeldPiece[],
  bad: Set<number>,
): Promise<DecodedBody | undefined> {
  const opened: Array<{ piece: HeldPiece; open: OpenPiece }> = [];
  const close = (): void => {
    for (const { open } of opened) destroyQuietly(open.body);
  };
  for (const piece of usable.slice(0, metadata.data_slices)) {
    try {
      opened.push({ piece, open: await openFrom(context, bucket, piece) });
    } catch (error) {
      context.log.warn('EC slice unavailable', { node: piece.node.id, error });
      bad.add(piece.metadata.slice_id);
      close();
      return undefined;
    }
  }
  const sources: SliceSource[] = opened.map(({ piece, open }) => ({
    sliceId: piece.metadata.slice_id,
    reader: new ExactReader(open.body),
    checksum: { type: piece.metadata.cksum_type, value: open.metadata.slice_cksum },
  }));
  const codec = codecFor(metadata.data_slices, metadata.parity_slices);
  const generator = decodeStripes(layoutOf(metadata), codec, sources);
  let failure: unknown;
  const body = Readable.from(
    (async function* () {
      try {
        yield* generator;
      } catch (error) {
        failure = error;
        throw error;
      }
    })(),
    { objectMode: false },
  );
  return { body, failure: () => failure, close };
}

/** PUTs the bytes into the local store, checked against the object's checksum; false on failure. */
async function storeFrom(
  context: ErasureContext,
  bucket: BucketJson,
  name: string,
  metadata: ErasureMetadataJson,
  open: () => Promise<{ body: Readable }>,
): Promise<boolean> {
  let body: Readable | undefined;
  const attributes = restoredAttributes(metadata);
  try {
    ({ body } = await open());
    await context.store.putObject({
      bucket,
      name,
      body,
      contentLength: metadata.obj_size,
      checksumType: metadata.cksum_type,
      ...(metadata.cksum_type === 'none'
        ? {}
        : { expectedChecksum: { type: metadata.cksum_type, value: metadata.obj_cksum } }),
      customMetadata: metadata.custom_md,
      versioning: false,
      ...(metadata.obj_version === '' ? {} : { version: metadata.obj_version }),
      // The version keeps its modification time (metafiles written before `mtime_ms`: now).
      ...(metadata.mtime_ms === undefined
        ? {}
        : { migration: { modifiedTimeMs: metadata.mtime_ms } }),
      attributes,
      // A version of a bucket that keeps history goes back in its place among the kept ones.
      history:
        attributes.versionId !== undefined || attributes.versionStamp !== undefined
          ? 'enabled'
          : undefined,
    });
    return true;
  } catch (error) {
    if (body !== undefined) destroyQuietly(body);
    if (error instanceof BadSlicesError) throw error;
    if (!isStoreError(error) && !(error instanceof Error)) throw error;
    context.log.warn('EC restore attempt failed', { name: metadata.name, error });
    return false;
  }
}

function openFrom(
  context: ErasureContext,
  bucket: BucketJson,
  piece: HeldPiece,
): Promise<OpenPiece> {
  return context.peers.open(piece.node, bucket, piece.metadata.name);
}

/** One holder per slice ID (data slices first, so that fewer slices need decoding). */
function uniqueSlices(pieces: HeldPiece[]): HeldPiece[] {
  const bySlice = new Map<number, HeldPiece>();
  for (const piece of pieces)
    if (!bySlice.has(piece.metadata.slice_id)) bySlice.set(piece.metadata.slice_id, piece);
  return [...bySlice.values()].sort((a, b) => a.metadata.slice_id - b.metadata.slice_id);
}
