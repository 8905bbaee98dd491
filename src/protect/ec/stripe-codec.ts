// Stripe-by-stripe Reed-Solomon: turns an object's bytes into D data and P parity units per stripe
// (encode), and D surviving slices back into the object's bytes (decode), with one stripe in memory.
import { createHasher } from '../../checksum/index.js';
import type { ChecksumTypeName } from '../../wire/index.js';
import type { ExactReader } from './exact-reader.js';
import type { ReedSolomonCodec } from './reed-solomon.js';
import { stripeObjectBytes, type SliceLayout } from './stripe-layout.js';

/** Receives one stripe: unit i belongs to slice i+1 (data first, then parity). */
export type StripeSink = (units: Buffer[], stripe: number) => Promise<void>;

/**
 * Reads the object from `source` and hands every stripe's D+P units to `sink`, awaiting it before
 * the next stripe. A source that ends early or fails (its checksum) fails the encoding before the
 * last stripe is handed over.
 */
export async function encodeStripes(
  layout: SliceLayout,
  codec: ReedSolomonCodec,
  source: ExactReader,
  sink: StripeSink,
): Promise<void> {
  const { dataSlices, paritySlices, unitBytes } = layout;
  for (let stripe = 0; stripe < layout.stripes; stripe += 1) {
    const expected = stripeObjectBytes(layout, stripe);
    const data = Buffer.allocUnsafe(dataSlices * unitBytes);
    const read = await source.readInto(data, 0, expected);
    if (read !== expected) {
      throw new Error(`object ended at stripe ${stripe}: ${read} of ${expected} bytes`);
    }
    data.fill(0, expected);
    const parity = Buffer.allocUnsafe(paritySlices * unitBytes);
    await codec.encodeParity(data, parity, unitBytes);
    await sink(unitsOf(data, parity, layout), stripe);
  }
}

/** A surviving slice to decode from: its ID (1..D+P), its bytes, and the checksum it must have. */
export interface SliceSource {
  sliceId: number;
  reader: ExactReader;
  checksum: { type: ChecksumTypeName; value: string };
}

/** Thrown when slices did not match their checksums: decode again without them. */
export class BadSlicesError extends Error {
  constructor(readonly sliceIds: number[]) {
    super(`EC slices ${sliceIds.join(', ')} failed their checksums`);
  }
}

/**
 * Rebuilds the object from exactly D slices, yielding its bytes in order. Every slice is hashed as
 * it is read; a mismatch throws BadSlicesError before the last stripe is yielded.
 */
export async function* decodeStripes(
  layout: SliceLayout,
  codec: ReedSolomonCodec,
  sources: SliceSource[],
): AsyncGenerator<Buffer> {
  const { dataSlices, paritySlices, unitBytes } = layout;
  const hashers = sources.map((source) => createHasher(source.checksum.type));
  let present = 0;
  for (const source of sources) present |= 1 << (source.sliceId - 1);
  const dataMask = (1 << dataSlices) - 1;
  const missingData = dataMask & ~present;
  for (let stripe = 0; stripe < layout.stripes; stripe += 1) {
    const data = Buffer.allocUnsafe(dataSlices * unitBytes);
    const parity = Buffer.allocUnsafe(paritySlices * unitBytes);
    for (const [index, source] of sources.entries()) {
      const shard = source.sliceId - 1;
      const [target, offset] =
        shard < dataSlices ? [data, shard * unitBytes] : [parity, (shard - dataSlices) * unitBytes];
      // A slice whose stream fails or ends early is as bad as one failing its checksum.
      const read = await source.reader.readInto(target, offset, unitBytes).catch(() => -1);
      if (read !== unitBytes) throw new BadSlicesError([source.sliceId]);
      hashers[index]?.update(target.subarray(offset, offset + unitBytes));
    }
    if (missingData !== 0) {
      await codec.reconstruct(data, parity, unitBytes, present, missingData);
    }
    if (stripe === layout.stripes - 1) checkSlices(sources, hashers);
    yield data.subarray(0, stripeObjectBytes(layout, stripe));
  }
}

function checkSlices(sources: SliceSource[], hashers: ReturnType<typeof createHasher>[]): void {
  const bad = sources
    .filter((source, index) => {
      if (source.checksum.type === 'none') return false;
      return hashers[index]?.digest() !== source.checksum.value;
    })
    .map((source) => source.sliceId);
  if (bad.length > 0) throw new BadSlicesError(bad);
}

function unitsOf(data: Buffer, parity: Buffer, layout: SliceLayout): Buffer[] {
  const { dataSlices, paritySlices, unitBytes } = layout;
  const units: Buffer[] = [];
  for (let index = 0; index < dataSlices; index += 1)
    units.push(data.subarray(index * unitBytes, (index + 1) * unitBytes));
  for (let index = 0; index < paritySlices; index += 1)
    units.push(parity.subarray(index * unitBytes, (index + 1) * unitBytes));
  return units;
}
