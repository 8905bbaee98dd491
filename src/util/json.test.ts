// Unit tests for exact-uint64 JSON output and the nesting measure of untrusted JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonNestingDepth, nestsDeeperThan, stringifyJson } from './json.js';

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

test('a parsed value nests deeper than a limit when any branch does', () => {
  assert.equal(nestsDeeperThan(1, 0), false);
  assert.equal(nestsDeeperThan([], 0), true);
  assert.equal(nestsDeeperThan(JSON.parse('{"a":[1,{"b":[]}]}'), 4), false);
  assert.equal(nestsDeeperThan(JSON.parse('{"a":[1,{"b":[]}]}'), 3), true);
  assert.equal(nestsDeeperThan(JSON.parse('{"a":"[[[[{{{{"}'), 1), false);
  assert.equal(nestsDeeperThan(JSON.parse('[[],[],[[]]]'), 2), true);
  const deep = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)) as unknown;
  assert.equal(nestsDeeperThan(deep, 64), true);
  assert.equal(nestsDeeperThan([[[]]], 64), false);
});
