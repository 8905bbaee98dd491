// The fast placement (WebAssembly kernel over a PlacementTable) against a plain BigInt reference:
// same owner and same ranking for every name, over many node sets and edge cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mix64, placementDigest } from './digest.js';
import { highestRandomWeight, highestRandomWeightList, nodeDigest, objectDigest } from './hrw.js';
import { PlacementTable } from './placement-table.js';
import { randomSource, type RandomSource } from './random-source.test-helper.js';

interface Node {
  readonly id: number;
  readonly digest: bigint;
}

/** The straightforward algorithm: argmax of mix64(digest ^ object) with a strict `>`. */
function referenceOwner(object: bigint, nodes: readonly Node[]): Node | undefined {
  let best: Node | undefined;
  let bestWeight = -1n;
  for (const node of nodes) {
    const weight = mix64(node.digest ^ object);
    if (weight > bestWeight) [best, bestWeight] = [node, weight];
  }
  return best;
}

function referenceRanked(object: bigint, nodes: readonly Node[], count: number): Node[] {
  return nodes
    .map((node) => ({ node, weight: mix64(node.digest ^ object) }))
    .sort((a, b) => (a.weight === b.weight ? 0 : a.weight > b.weight ? -1 : 1))
    .slice(0, count)
    .map((entry) => entry.node);
}

const topBit = 1n << 63n;
const maxDigest = (1n << 64n) - 1n;

/** Node sets: realistic IDs, random digests, all top bits set, extremes, and duplicates. */
function nodeSets(random: RandomSource): Map<string, Node[]> {
  const nodes = (digests: bigint[]): Node[] => digests.map((digest, id) => ({ id, digest }));
  const randomDigests = (count: number): bigint[] =>
    Array.from({ length: count }, () => random.uint64());
  const duplicated = randomDigests(8);
  return new Map([
    ['one node', nodes(randomDigests(1))],
    ['two nodes', nodes(randomDigests(2))],
    ['AIStore-like IDs', nodes(Array.from({ length: 10 }, (_, i) => nodeDigest(`t${i}x`)))],
    ['100 random', nodes(randomDigests(100))],
    ['top bit set', nodes(randomDigests(50).map((digest) => digest | topBit))],
    ['top bit clear', nodes(randomDigests(50).map((digest) => digest & ~topBit))],
    ['extremes', nodes([0n, maxDigest, topBit, topBit - 1n, 1n, 0xffffffffn, 1n << 32n])],
    // Equal digests give equal weights: the first in candidate order must win, and rank first.
    ['duplicates', nodes([...duplicated, ...duplicated, duplicated[3] as bigint])],
    ['all equal', nodes(Array.from({ length: 5 }, () => 0x8000000000000001n))],
  ]);
}

function names(random: RandomSource, count: number): string[] {
  return Array.from({ length: count }, (_, index) =>
    index % 3 === 0
      ? `ais/@#/bucket-${random.below(50)}/${random.text(random.below(120), 'ascii')}`
      : random.text(random.below(80), index % 3 === 1 ? 'ascii' : 'unicode'),
  );
}

test('the owner matches the reference for thousands of names over every node set', () => {
  const random = randomSource(11);
  const objects = names(random, 3000);
  for (const [label, nodes] of nodeSets(random)) {
    const table = new PlacementTable(nodes);
    for (const name of objects) {
      const digest = placementDigest(name);
      const expected = referenceOwner(digest, nodes);
      assert.equal(table.owner(name), expected, `${label}: ${JSON.stringify(name)}`);
      assert.equal(table.ownerByDigest(digest), expected, `${label}: by digest`);
    }
  }
});

test('the owner matches the reference among 1000 targets', () => {
  const random = randomSource(12);
  const nodes = Array.from({ length: 1000 }, (_, id) => ({ id, digest: random.uint64() }));
  const table = new PlacementTable(nodes);
  for (const name of names(random, 300)) {
    assert.equal(table.owner(name), referenceOwner(objectDigest(name), nodes), name);
  }
});

test('the ranking matches the reference (EC slices, substitutes), equal weights in order', () => {
  const random = randomSource(13);
  const objects = names(random, 400);
  for (const [label, nodes] of nodeSets(random)) {
    const table = new PlacementTable(nodes);
    for (const [index, name] of objects.entries()) {
      const digest = objectDigest(name);
      const count = index % 4 === 0 ? nodes.length + 2 : 1 + (index % nodes.length);
      const expected = referenceRanked(digest, nodes, count);
      assert.deepEqual(table.ranked(name, count), expected, `${label}: ${JSON.stringify(name)}`);
      assert.deepEqual(highestRandomWeightList(digest, nodes, count), expected, label);
    }
  }
});

test('random object digests, including the top bit, against random node sets', () => {
  const random = randomSource(14);
  for (let round = 0; round < 200; round += 1) {
    const nodes = Array.from({ length: 1 + random.below(40) }, (_, id) => ({
      id,
      digest: random.uint64(),
    }));
    const table = new PlacementTable(nodes);
    for (let index = 0; index < 20; index += 1) {
      const digest = index % 2 === 0 ? random.uint64() | topBit : random.uint64();
      assert.equal(table.ownerByDigest(digest), referenceOwner(digest, nodes));
      assert.equal(highestRandomWeight(digest, new Set(nodes)), referenceOwner(digest, nodes));
    }
  }
});

test('tables used in turn, with long names between, each keep their own digests', () => {
  const random = randomSource(15);
  const first = Array.from({ length: 7 }, (_, id) => ({ id, digest: random.uint64() }));
  const second = Array.from({ length: 300 }, (_, id) => ({ id, digest: random.uint64() }));
  const tables = [new PlacementTable(first), new PlacementTable(second)];
  for (let index = 0; index < 600; index += 1) {
    const name = index % 50 === 0 ? 'long/'.repeat(300 * (1 + index / 50)) : `ais/@#/b/o${index}`;
    const nodes = index % 3 === 0 ? second : first;
    const table = tables[index % 3 === 0 ? 1 : 0] as PlacementTable<Node>;
    assert.equal(table.owner(name), referenceOwner(objectDigest(name), nodes), `${index}`);
  }
});

const mask = (1n << 64n) - 1n;

/** The multiplicative inverse of an odd number mod 2^64 (Newton's iteration). */
function inverse(odd: bigint): bigint {
  let result = odd;
  for (let step = 0; step < 6; step += 1) result = (result * (2n - odd * result)) & mask;
  return result;
}

function unXorShift(value: bigint, bits: bigint): bigint {
  let result = value;
  for (let step = 0n; step < 64n; step += bits) result = value ^ (result >> bits);
  return result;
}

/** mix64's inverse: a digest that gets a chosen weight. */
function unmix64(weight: bigint): bigint {
  const [golden, multiplierA, multiplierB] = [
    0x9e3779b97f4a7c15n,
    0xbf58476d1ce4e5b9n,
    0x94d049bb133111ebn,
  ];
  let z = (weight * inverse(9n)) & mask;
  z = ((z >> 7n) | (z << 57n)) & mask;
  z = unXorShift((z * inverse(5n)) & mask, 31n);
  z = unXorShift((z * inverse(multiplierB)) & mask, 27n);
  z = unXorShift((z * inverse(multiplierA)) & mask, 30n);
  z = unXorShift((z - golden) & mask, 31n);
  z = unXorShift((z * inverse(multiplierB)) & mask, 27n);
  z = unXorShift((z * inverse(multiplierA)) & mask, 30n);
  return (z - golden) & mask;
}

test('weights equal in the high word, or apart only in the top bit, compare as uint64', () => {
  const random = randomSource(16);
  for (let round = 0; round < 200; round += 1) {
    const object = random.uint64();
    const high = BigInt(random.below(2 ** 32)) << 32n;
    const weights = [
      high | BigInt(random.below(2 ** 32)),
      high | BigInt(random.below(2 ** 32)),
      high | 0xffffffffn,
      high,
      (high | BigInt(random.below(2 ** 32))) ^ topBit,
      random.uint64(),
    ];
    const nodes = weights.map((weight, id) => {
      const digest = unmix64(weight) ^ object;
      assert.equal(mix64(digest ^ object), weight);
      return { id, digest };
    });
    const table = new PlacementTable(nodes);
    assert.equal(table.ownerByDigest(object), referenceOwner(object, nodes));
    assert.deepEqual(table.ranked(object, nodes.length), referenceRanked(object, nodes, 6));
  }
});

test('no candidates: no owner and an empty ranking; a digest outside uint64 is a bug', () => {
  const empty = new PlacementTable<Node>([]);
  assert.equal(empty.owner('ais/@#/b/o'), undefined);
  assert.equal(empty.ownerByDigest(1n), undefined);
  assert.deepEqual(empty.ranked('ais/@#/b/o', 3), []);
  assert.throws(() => new PlacementTable([{ digest: -1n }]), /uint64/);
  assert.throws(() => new PlacementTable([{ digest: 1n << 64n }]), /uint64/);
});

test('a sole candidate owns every name; a table with one more shares them as HRW says', () => {
  const random = randomSource(11);
  const first = { id: 0, digest: nodeDigest('t-first') };
  const second = { id: 1, digest: nodeDigest('t-second') };
  const sole = new PlacementTable([first]);
  const pair = new PlacementTable([first, second]);
  const empty = new PlacementTable<Node>([]);
  let moved = 0;
  for (const name of names(random, 2000)) {
    const digest = objectDigest(name);
    assert.equal(sole.owner(name), first);
    assert.equal(sole.ownerByDigest(digest), first);
    assert.equal(empty.owner(name), undefined);
    assert.equal(empty.ownerByDigest(digest), undefined);
    // The map's next version (a table of its own): the answer is HRW's again, not the sole one's.
    const owner = pair.owner(name);
    assert.equal(owner, referenceOwner(digest, [first, second]));
    assert.equal(pair.ownerByDigest(digest), owner);
    if (owner === second) moved += 1;
  }
  assert.ok(moved > 800 && moved < 1200, `${moved} of 2000 names moved to the new candidate`);
});
