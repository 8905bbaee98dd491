// Unit tests: which encoding a restore takes — the newest one that can rebuild the object, so a
// write the owner died while sending (one slice of it stored) does not hide the last acknowledged
// one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeClusterNode } from '../../cluster/index.js';
import type { ErasureMetadataJson } from '../../wire/index.js';
import { newestUsableEncoding, type HeldPiece } from './restore-object.js';

function piece(generation: number, sliceId: number): HeldPiece {
  const node = makeClusterNode(`t${sliceId}`, 'target', 'http://t', 'http://t');
  const metadata = {
    generation,
    slice_id: sliceId,
    data_slices: 2,
    parity_slices: 1,
    obj_size: 40_006,
    obj_cksum: `sum-${generation}`,
    slice_size: 20_003,
  } as ErasureMetadataJson;
  return { node, metadata };
}

const generations = (pieces: HeldPiece[]): number[][] =>
  pieces.map((held) => [held.metadata.generation, held.metadata.slice_id]);

test('an encoding with too few pieces gives way to the newest one that can rebuild', () => {
  const interrupted = [piece(8, 1), piece(7, 2), piece(7, 3)];
  assert.deepEqual(generations(newestUsableEncoding(interrupted)), [
    [7, 2],
    [7, 3],
  ]);
  const whole = [piece(8, 1), piece(8, 3), piece(7, 2)];
  assert.deepEqual(generations(newestUsableEncoding(whole)), [
    [8, 1],
    [8, 3],
  ]);
  // A full copy of the newest is enough on its own.
  assert.deepEqual(generations(newestUsableEncoding([piece(8, 0), piece(7, 1), piece(7, 2)])), [
    [8, 0],
  ]);
  // Nothing can rebuild: the newest, for the restore to fail on.
  assert.deepEqual(generations(newestUsableEncoding([piece(8, 1), piece(7, 2)])), [[8, 1]]);
  assert.deepEqual(newestUsableEncoding([]), []);
});
