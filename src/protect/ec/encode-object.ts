// Erasure-codes a stored object: reads the local replica (verified), sends P replicas or D+P
// slices to the targets HRW picks, then records the encoding in the owner's own metafile. Used
// right after a PUT, by the ec-encode job, and to re-create pieces that were lost.
import { PassThrough } from 'node:stream';
import { createHasher, hashBuffer, type Hasher } from '../../checksum/index.js';
import { StoreError } from '../../errors/index.js';
import { attributesOf, type ObjectReadResult, type StoredObject } from '../../storage/index.js';
import {
  objectUname,
  type BucketJson,
  type ErasureCodingPropsJson,
  type ErasureMetadataJson,
} from '../../wire/index.js';
import { pieceMetadata, type EncodedObject } from './ec-metadata.js';
import { codecFor, requireClusterMap, type ErasureContext } from './erasure-context.js';
import { ExactReader } from './exact-reader.js';
import { placePieces, replicates, type PieceHolder } from './placement.js';
import { encodeStripes } from './stripe-codec.js';
import { sliceLayout, type SliceLayout } from './stripe-layout.js';
import { pieceKeyOf } from './version-pieces.js';

/** Which version an EC operation is about: the current object unless `versionId`. */
export interface VersionChoice {
  /** A kept version or a delete marker instead of the current object. */
  versionId?: string | undefined;
  /**
   * The version is the latest (a delete marker): its pieces go under the object's name, as the
   * current object's would. Otherwise a version's go under `versionPieceName`.
   */
  latest?: boolean;
}

export interface EncodeOptions extends VersionChoice {
  /** Keep this generation (re-creating lost pieces of an existing encoding); default: now. */
  generation?: number;
  /** Send only these pieces (holder target IDs); default: all. */
  only?: ReadonlySet<string>;
}

export interface EncodeReport {
  /** Pieces sent, and their bytes. */
  sent: number;
  sentBytes: number;
  /** Pieces with no target (too few targets): protection is degraded until more join. */
  unplaced: number;
  generation: number;
}

/** Encodes the local replica of `name` per the bucket's EC properties. */
export async function encodeObject(
  context: ErasureContext,
  bucket: BucketJson,
  name: string,
  props: ErasureCodingPropsJson,
  options: EncodeOptions = {},
): Promise<EncodeReport> {
  const map = requireClusterMap(context);
  const { versionId } = options;
  const key = pieceKeyOf(name, versionId, options.latest === true);
  const head = await context.store.headObject(bucket, name, { versionId });
  const replicated = replicates(head.size, props);
  const placement = placePieces(map, objectUname(bucket, name), props, replicated);
  const holders = placement.holders.filter((holder) => holder.node.id !== context.nodeId);
  const generation = options.generation ?? context.store.clock.nowMs() * 1000;
  const layout = replicated
    ? undefined
    : sliceLayout(head.size, props.data_slices, props.parity_slices);
  const nodes: Record<string, number> = { [context.nodeId]: 0 };
  for (const holder of holders) nodes[holder.node.id] = holder.sliceId;
  const encoding = {
    generation,
    dataSlices: props.data_slices,
    paritySlices: props.parity_slices,
    sliceBytes: layout?.sliceBytes ?? 0,
    unitBytes: layout?.unitBytes ?? 0,
    nodes,
  };
  const object = encodedObject(head, key);
  const targets = holders.filter((holder) => options.only?.has(holder.node.id) ?? true);
  const report: EncodeReport = {
    sent: 0,
    sentBytes: 0,
    unplaced: placement.unplaced.length,
    generation,
  };
  if (targets.length > 0) {
    const send = (holder: PieceHolder): ErasureMetadataJson =>
      pieceMetadata(object, encoding, { sliceId: holder.sliceId, isCopy: replicated });
    if (layout === undefined) await sendReplicas(context, bucket, head, versionId, targets, send);
    else await sendSlices(context, bucket, head, versionId, layout, targets, send);
    report.sent = targets.length;
    report.sentBytes = targets.length * (layout?.sliceBytes ?? head.size);
  }
  const own = pieceMetadata(object, encoding, { sliceId: 0, isCopy: false });
  await context.pieces.store(bucket, own, undefined, 0);
  return report;
}

/** The object (or version) as the metafiles of its pieces under `key` describe it. */
export function encodedObject(head: StoredObject, key: string): EncodedObject {
  return {
    name: key,
    objectName: head.name,
    modifiedTimeMs: head.modifiedTimeMs,
    size: head.size,
    checksum: head.checksum,
    version: head.version ?? '',
    customMetadata: head.customMetadata,
    attributes: attributesOf(head),
  };
}

/** Each holder gets its own verified read of the replica. */
async function sendReplicas(
  context: ErasureContext,
  bucket: BucketJson,
  head: StoredObject,
  versionId: string | undefined,
  holders: PieceHolder[],
  metadataOf: (holder: PieceHolder) => ErasureMetadataJson,
): Promise<void> {
  await Promise.all(
    holders.map(async (holder) => {
      // A delete marker has no bytes to read.
      const body =
        head.deleteMarker === true
          ? Buffer.alloc(0)
          : (await readVersion(context, head, versionId)).toStream();
      const stored = await context.peers.send(
        holder.node,
        bucket,
        metadataOf(holder),
        body,
        head.size,
      );
      checkStored(holder, stored.slice_cksum, head.checksum.value, head.checksum.type);
    }),
  );
}

/**
 * Streams the slices: one verified read of the replica feeds the stripe encoder, whose units go
 * to one upload per holder; a stripe waits until every upload took the previous one. An object of
 * one stripe goes as in `sendStripe`.
 */
async function sendSlices(
  context: ErasureContext,
  bucket: BucketJson,
  head: StoredObject,
  versionId: string | undefined,
  layout: SliceLayout,
  holders: PieceHolder[],
  metadataOf: (holder: PieceHolder) => ErasureMetadataJson,
): Promise<void> {
  if (layout.stripes === 1) {
    const source = new ExactReader((await readVersion(context, head, versionId)).toStream());
    await sendStripe(context, bucket, head, source, layout, holders, metadataOf);
    return;
  }
  const streams = holders.map(() => new PassThrough({ highWaterMark: layout.unitBytes }));
  const hashers = holders.map(() => createHasher(head.checksum.type));
  const uploads = Promise.all(
    holders.map(async (holder, index) => {
      const stream = streams[index] as PassThrough;
      const stored = await context.peers.send(
        holder.node,
        bucket,
        metadataOf(holder),
        stream,
        layout.sliceBytes,
      );
      const expected = (hashers[index] as Hasher).digest();
      checkStored(holder, stored.slice_cksum, expected, head.checksum.type);
    }),
  );
  const failAll = (error: unknown): void => {
    for (const stream of streams) stream.destroy(error instanceof Error ? error : undefined);
  };
  uploads.catch(failAll);
  const source = new ExactReader((await readVersion(context, head, versionId)).toStream());
  try {
    await encodeStripes(layout, codecFor(layout.dataSlices, layout.paritySlices), source, (units) =>
      Promise.all(
        holders.map((holder, index) => {
          const unit = units[holder.sliceId - 1] as Buffer;
          (hashers[index] as Hasher).update(unit);
          return writeUnit(streams[index] as PassThrough, unit);
        }),
      ).then(() => undefined),
    );
    for (const stream of streams) stream.end();
  } catch (error) {
    source.close();
    failAll(error);
    await uploads.catch(() => undefined);
    throw error;
  }
  await uploads;
}

/**
 * An object of one stripe (up to D units of 1 MiB): the units are computed first, then each goes
 * to its holder as one buffer, without the stream per holder a longer object needs (its events and
 * hand-offs were a measurable part of an EC PUT's CPU on the owner).
 */
async function sendStripe(
  context: ErasureContext,
  bucket: BucketJson,
  head: StoredObject,
  source: ExactReader,
  layout: SliceLayout,
  holders: PieceHolder[],
  metadataOf: (holder: PieceHolder) => ErasureMetadataJson,
): Promise<void> {
  let units: Buffer[] = [];
  try {
    await encodeStripes(layout, codecFor(layout.dataSlices, layout.paritySlices), source, (all) => {
      units = all;
      return Promise.resolve();
    });
  } catch (error) {
    source.close();
    throw error;
  }
  const type = head.checksum.type;
  await Promise.all(
    holders.map(async (holder) => {
      const unit = units[holder.sliceId - 1] as Buffer;
      const stored = await context.peers.send(
        holder.node,
        bucket,
        metadataOf(holder),
        unit,
        layout.sliceBytes,
      );
      checkStored(holder, stored.slice_cksum, hashBuffer(type, unit), type);
    }),
  );
}

/** A verified read of the version being encoded (the current object without an ID). */
async function readVersion(
  context: ErasureContext,
  head: StoredObject,
  versionId: string | undefined,
): Promise<ObjectReadResult['body']> {
  const read = await context.store.getObject(head.bucket, head.name, undefined, { versionId });
  return read.body;
}

/** Writes a unit, resolving when the stream can take more (or rejecting if it was destroyed). */
function writeUnit(stream: PassThrough, unit: Buffer): Promise<void> {
  if (stream.destroyed) return Promise.reject(new Error('upload ended'));
  if (stream.write(unit)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onDrain = (): void => {
      stream.off('close', onClose);
      resolve();
    };
    const onClose = (): void => {
      stream.off('drain', onDrain);
      reject(new Error('upload ended'));
    };
    stream.once('drain', onDrain);
    stream.once('close', onClose);
  });
}

function checkStored(holder: PieceHolder, received: string, sent: string, type: string): void {
  if (type === 'none' || received === sent) return;
  throw new StoreError(
    'ChecksumMismatch',
    `EC piece ${holder.sliceId} arrived damaged at t[${holder.node.id}]: ${type}(${sent} != ${received})`,
  );
}
