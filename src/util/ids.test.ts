// Unit tests of identifiers: request IDs are unique and share this process's random prefix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomId, requestId, uniqueHex } from './ids.js';

test('request IDs are alphanumeric, distinct, and share a per-process prefix', () => {
  const ids = Array.from({ length: 2000 }, () => requestId());
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.match(id, /^[A-Za-z0-9]{14,}$/);
  const prefix = (ids[0] ?? '').slice(0, 8);
  assert.ok(ids.every((id) => id.startsWith(prefix)));
  // Later IDs sort after earlier ones within a process (base-36 counter, zero-padded).
  assert.ok((ids[1] ?? '') > (ids[0] ?? ''));
});

test('random IDs have the asked length and differ', () => {
  assert.match(randomId(12), /^[A-Za-z0-9]{12}$/);
  assert.notEqual(randomId(16), randomId(16));
});

test('unique hex names are 16 hex digits, distinct, with a per-process half', () => {
  const names = Array.from({ length: 2000 }, () => uniqueHex());
  assert.equal(new Set(names).size, names.length);
  for (const name of names) assert.match(name, /^[0-9a-f]{16}$/);
  const half = (names[0] ?? '').slice(0, 8);
  assert.ok(names.every((name) => name.startsWith(half)));
});
