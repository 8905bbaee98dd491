// The WebAssembly kernel's XXH64 and mixer against the native XXH64 and the BigInt mixer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mix64, placementDigest } from './digest.js';
import { kernelDigest, kernelMix } from './hrw-kernel.js';
import { randomSource } from './random-source.test-helper.js';

test('kernel XXH64 matches the native XXH64 on every length around the stripe and lane sizes', () => {
  const random = randomSource(1);
  for (let length = 0; length <= 300; length += 1) {
    const text = random.text(length, 'ascii');
    assert.equal(kernelDigest(text), placementDigest(text), `length ${length}`);
  }
});

test('kernel XXH64 matches on random names, multi-byte text and lone surrogates', () => {
  const random = randomSource(2);
  for (let index = 0; index < 3000; index += 1) {
    const text = random.text(random.below(200), index % 2 === 0 ? 'unicode' : 'ascii');
    assert.equal(kernelDigest(text), placementDigest(text), JSON.stringify(text));
  }
  for (const text of ['a\uD800b', '\uDC00', 'x\uD83D', '\uD83D\uDE00', '\u0000', 'é€😀']) {
    assert.equal(kernelDigest(text), placementDigest(text), JSON.stringify(text));
  }
});

test('kernel XXH64 matches on names longer than the name area (the area grows)', () => {
  for (const text of ['n'.repeat(5000), '€'.repeat(70_000), '😀'.repeat(40_000)]) {
    assert.equal(kernelDigest(text), placementDigest(text), `${text.length} code units`);
  }
  assert.equal(kernelDigest('tA1b2C3d'), 1024559713552443126n);
});

test('kernel mixer matches mix64 on edge values and random values', () => {
  const edges = [0n, 1n, (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 1n, 0x9e3779b97f4a7c15n];
  const random = randomSource(3);
  const values = [...edges, ...Array.from({ length: 20_000 }, () => random.uint64())];
  for (const value of values) assert.equal(kernelMix(value), mix64(value), `${value}`);
  assert.equal(kernelMix(0n), 1905207664160064169n);
});
