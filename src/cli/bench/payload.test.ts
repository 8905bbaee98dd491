// Unit tests of generated object contents: deterministic by name, verifiable, sizes in range.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bodyChunks,
  objectSize,
  patternBytes,
  PayloadVerifier,
  singleChunkBody,
} from './payload.js';

const collect = (name: string, size: number): Buffer => Buffer.concat([...bodyChunks(name, size)]);

test('bodies depend on the name only, and differ between names', () => {
  assert.deepEqual(collect('a', 4096), collect('a', 4096));
  assert.notDeepEqual(collect('a', 4096), collect('b', 4096));
  assert.equal(collect('a', 3 * patternBytes + 5).length, 3 * patternBytes + 5);
  assert.equal(collect('a', 0).length, 0);
});

test('small bodies are one slice; large ones are not', () => {
  assert.deepEqual(singleChunkBody('a', 4096), collect('a', 4096));
  assert.equal(singleChunkBody('a', 2 * patternBytes), undefined);
});

test('the verifier accepts the body in any chunking and rejects changes', () => {
  const size = 2 * patternBytes + 123;
  const body = collect('obj', size);
  const verifier = new PayloadVerifier('obj', size);
  for (let offset = 0; offset < body.length; offset += 100_003) {
    verifier.update(body.subarray(offset, offset + 100_003));
  }
  assert.equal(verifier.problem(), undefined);

  const corrupt = Buffer.from(body);
  corrupt[patternBytes + 7] = (corrupt[patternBytes + 7] ?? 0) ^ 1;
  const strict = new PayloadVerifier('obj', size);
  strict.update(corrupt);
  assert.match(strict.problem() ?? '', /content differs/);

  const short = new PayloadVerifier('obj', size);
  short.update(body.subarray(0, 10));
  assert.equal(short.problem(), `obj: 10 bytes read, ${size} expected`);
});

test('sizes of a range are stable per name and cover the range', () => {
  const range = { minBytes: 10, maxBytes: 20 };
  const sizes = new Set<number>();
  for (let index = 0; index < 500; index += 1) {
    const size = objectSize(`name-${index}`, range);
    assert.equal(objectSize(`name-${index}`, range), size);
    assert.ok(size >= 10 && size <= 20);
    sizes.add(size);
  }
  assert.equal(sizes.size, 11);
  assert.equal(objectSize('x', { minBytes: 7, maxBytes: 7 }), 7);
});
