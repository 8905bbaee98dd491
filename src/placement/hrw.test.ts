// HRW placement against the test vectors of native-api.md §2.1 (AIStore's SDK algorithm).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mix64, placementDigest } from './digest.js';
import { highestRandomWeight, highestRandomWeightList, nodeDigest, objectDigest } from './hrw.js';
import { kernelDigest, kernelMix } from './hrw-kernel.js';
import { PlacementTable } from './placement-table.js';

const targets = ['tA1b2C3d', 'tE4f5G6h', 'tI7j8K9l'].map((id) => ({ id, digest: nodeDigest(id) }));

test('node digests match AIStore', () => {
  assert.equal(placementDigest('tA1b2C3d'), 1024559713552443126n);
  assert.equal(placementDigest('tE4f5G6h'), 13910992898381122557n);
  assert.equal(placementDigest('tI7j8K9l'), 11613518240815676623n);
});

test('object digest and mixer match AIStore', () => {
  assert.equal(objectDigest('ais/@#/bck1/obj1'), 7269182249535474579n);
  assert.equal(mix64(0n), 1905207664160064169n);
});

test('ais/@#/bck1/obj1..obj8 map to E,E,E,I,A,A,E,E', () => {
  const expected = ['E', 'E', 'E', 'I', 'A', 'A', 'E', 'E'];
  expected.forEach((letter, index) => {
    const owner = highestRandomWeight(objectDigest(`ais/@#/bck1/obj${index + 1}`), targets);
    assert.equal(owner?.id[1], letter, `obj${index + 1}`);
  });
});

test('the fast path (kernel hash, mixer and table) meets the same vectors', () => {
  assert.equal(kernelDigest('tA1b2C3d'), 1024559713552443126n);
  assert.equal(kernelDigest('tE4f5G6h'), 13910992898381122557n);
  assert.equal(kernelDigest('tI7j8K9l'), 11613518240815676623n);
  assert.equal(kernelDigest('ais/@#/bck1/obj1'), 7269182249535474579n);
  assert.equal(kernelMix(0n), 1905207664160064169n);
  const table = new PlacementTable(targets);
  const owners = [1, 2, 3, 4, 5, 6, 7, 8].map((index) => table.owner(`ais/@#/bck1/obj${index}`));
  assert.deepEqual(
    owners.map((owner) => owner?.id[1]),
    ['E', 'E', 'E', 'I', 'A', 'A', 'E', 'E'],
  );
});

test('the list starts with the single choice and holds distinct candidates', () => {
  for (let i = 0; i < 100; i += 1) {
    const digest = objectDigest(`ais/@#/b/o${i}`);
    const list = highestRandomWeightList(digest, targets, 3);
    assert.equal(list[0], highestRandomWeight(digest, targets));
    assert.equal(new Set(list).size, 3);
  }
});

test('no candidates gives undefined', () => {
  assert.equal(highestRandomWeight(1n, []), undefined);
});
