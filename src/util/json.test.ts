// Unit tests for exact-uint64 JSON output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringifyJson } from './json.js';

test('bigint values are written as bare integers, exactly', () => {
  const text = stringifyJson({ id_digest: 13910992898381122557n, name: 'x', nested: [1n] });
  assert.equal(text, '{"id_digest":13910992898381122557,"name":"x","nested":[1]}');
});
