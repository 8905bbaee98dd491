// Unit tests for striped Reed-Solomon: slices from every object size decode back from any D of them;
// a damaged slice is named; layouts stay aligned and bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { createHasher } from '../../checksum/index.js';
import { ExactReader } from './exact-reader.js';
import { ReedSolomonCodec } from './reed-solomon.js';
import { BadSlicesError, decodeStripes, encodeStripes } from './stripe-codec.js';
import { sliceLayout, stripeObjectBytes } from './stripe-layout.js';

function readerOf(data: Buffer, chunkBytes = 10_000): ExactReader {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < data.length; offset += chunkBytes)
    chunks.push(data.subarray(offset, offset + chunkBytes));
  return new ExactReader(Readable.from(chunks, { objectMode: false }));
}

async function encode(data: Buffer, dataSlices: number, paritySlices: number, unit: number) {
  const layout = sliceLayout(data.length, dataSlices, paritySlices, unit);
  const codec = new ReedSolomonCodec(dataSlices, paritySlices);
  const slices: Buffer[][] = Array.from({ length: dataSlices + paritySlices }, () => []);
  await encodeStripes(layout, codec, readerOf(data), (units) => {
    units.forEach((unitBytes, index) => slices[index]?.push(Buffer.from(unitBytes)));
    return Promise.resolve();
  });
  return { layout, codec, slices: slices.map((parts) => Buffer.concat(parts)) };
}

async function decode(
  encoded: Awaited<ReturnType<typeof encode>>,
  sliceIds: number[],
  damage?: number,
): Promise<Buffer> {
  const sources = sliceIds.map((sliceId) => {
    const bytes = Buffer.from(encoded.slices[sliceId - 1] ?? Buffer.alloc(0));
    const hasher = createHasher('xxhash');
    hasher.update(bytes);
    if (sliceId === damage) bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
    return {
      sliceId,
      reader: readerOf(bytes, 7777),
      checksum: { type: 'xxhash' as const, value: hasher.digest() },
    };
  });
  const parts: Buffer[] = [];
  for await (const part of decodeStripes(encoded.layout, encoded.codec, sources))
    parts.push(Buffer.from(part));
  return Buffer.concat(parts);
}

test('layouts are aligned, bounded by the unit, and cover the object', () => {
  for (const size of [1, 7, 8, 1000, 4 * 1024 * 1024 + 13, 50 * 1024 * 1024]) {
    const layout = sliceLayout(size, 4, 2);
    assert.equal(layout.unitBytes % 8, 0);
    assert.ok(layout.unitBytes <= 1024 * 1024);
    assert.ok(layout.stripes * layout.unitBytes * 4 >= size);
    let total = 0;
    for (let stripe = 0; stripe < layout.stripes; stripe += 1)
      total += stripeObjectBytes(layout, stripe);
    assert.equal(total, size);
  }
});

test('any D of D+P slices rebuild the object, for sizes across stripe boundaries', async () => {
  for (const size of [1, 100, 65_536 * 4, 65_536 * 4 + 1, 1_000_003]) {
    const data = randomBytes(size);
    const encoded = await encode(data, 4, 2, 65_536);
    assert.equal(encoded.slices[0]?.length, encoded.layout.sliceBytes);
    for (const ids of [
      [1, 2, 3, 4],
      [3, 4, 5, 6],
      [1, 3, 5, 6],
      [2, 4, 5, 6],
    ]) {
      assert.deepEqual(await decode(encoded, ids), data, `size ${size}, slices ${ids.join()}`);
    }
  }
});

test('2+2: every pair of slices rebuilds the object', async () => {
  const data = randomBytes(300_001);
  const encoded = await encode(data, 2, 2, 32_768);
  for (let first = 1; first <= 4; first += 1) {
    for (let second = first + 1; second <= 4; second += 1) {
      assert.deepEqual(await decode(encoded, [first, second]), data);
    }
  }
});

test('a damaged slice is reported by ID', async () => {
  const encoded = await encode(randomBytes(200_000), 2, 2, 32_768);
  await assert.rejects(
    decode(encoded, [2, 3], 3),
    (error: unknown) => error instanceof BadSlicesError && error.sliceIds.join() === '3',
  );
});

test('a source that ends early fails the encoding', async () => {
  const layout = sliceLayout(1000, 2, 2);
  const codec = new ReedSolomonCodec(2, 2);
  await assert.rejects(
    encodeStripes(layout, codec, readerOf(randomBytes(900)), () => Promise.resolve()),
    /object ended/,
  );
});
