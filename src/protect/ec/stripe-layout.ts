// How an object is cut into EC slices: stripes of D units, unit i of every stripe going to data
// slice i, so that slices are produced (and the object rebuilt) front to back with one stripe of
// memory. The last stripe is zero-padded; every slice has the same length.
import { shardAlignmentBytes } from './reed-solomon.js';

/** Largest unit (bytes per slice per stripe): bounds encoding memory to (D+P) times this. */
export const maxStripeUnitBytes = 1024 * 1024;

export interface SliceLayout {
  readonly dataSlices: number;
  readonly paritySlices: number;
  readonly objectBytes: number;
  /** Bytes of each slice in each stripe (a multiple of 8). */
  readonly unitBytes: number;
  readonly stripes: number;
  /** Bytes of every slice: stripes × unit. */
  readonly sliceBytes: number;
}

/** The layout of a non-empty object: as few stripes as the unit limit allows, units equalised. */
export function sliceLayout(
  objectBytes: number,
  dataSlices: number,
  paritySlices: number,
  maxUnitBytes = maxStripeUnitBytes,
): SliceLayout {
  const stripes = Math.max(1, Math.ceil(objectBytes / (dataSlices * maxUnitBytes)));
  const unitBytes = alignUp(Math.max(1, Math.ceil(objectBytes / (dataSlices * stripes))));
  return {
    dataSlices,
    paritySlices,
    objectBytes,
    unitBytes,
    stripes,
    sliceBytes: stripes * unitBytes,
  };
}

/** The layout a metafile describes (it records the unit, so it never depends on defaults). */
export function layoutOf(metadata: {
  obj_size: number;
  data_slices: number;
  parity_slices: number;
  stripe_size: number;
  slice_size: number;
}): SliceLayout {
  return {
    dataSlices: metadata.data_slices,
    paritySlices: metadata.parity_slices,
    objectBytes: metadata.obj_size,
    unitBytes: metadata.stripe_size,
    stripes: metadata.stripe_size === 0 ? 0 : metadata.slice_size / metadata.stripe_size,
    sliceBytes: metadata.slice_size,
  };
}

/** Object bytes carried by stripe `index` (the last one may be short). */
export function stripeObjectBytes(layout: SliceLayout, index: number): number {
  const stripeBytes = layout.dataSlices * layout.unitBytes;
  return Math.max(0, Math.min(stripeBytes, layout.objectBytes - index * stripeBytes));
}

function alignUp(bytes: number): number {
  return Math.ceil(bytes / shardAlignmentBytes) * shardAlignmentBytes;
}
