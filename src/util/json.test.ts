// Unit tests for exact-uint64 JSON output and the nesting measure of untrusted JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonNestingDepth, stringifyJson } from './json.js';

test('bigint values are written as bare integers, exactly', () => {
  const text = stringifyJson({ id_digest: 13910992898381122557n, name: 'x', nested: [1n] });
  assert.equal(text, '{"id_digest":13910992898381122557,"name":"x","nested":[1]}');
});

test('nesting depth counts arrays and objects, not brackets inside strings', () => {
  assert.equal(jsonNestingDepth('1', 64), 0);
  assert.equal(jsonNestingDepth('{"a":[1,{"b":[]}]}', 64), 4);
  assert.equal(jsonNestingDepth('{"a":"[[[[{{{{","b":"\\"[["}', 64), 1);
  assert.equal(jsonNestingDepth('[[],[],[[]]]', 64), 3);
});

test('nesting depth stops counting just past the limit', () => {
  const deep = '['.repeat(100_000) + ']'.repeat(100_000);
  assert.equal(jsonNestingDepth(deep, 64), 65);
  assert.throws(() => JSON.stringify(JSON.parse(deep)), RangeError);
});
