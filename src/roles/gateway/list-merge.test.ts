// Unit tests for merging per-target list pages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeListPages } from './list-merge.js';

const page = (
  names: string[],
  token = '',
): { uuid: string; continuation_token: string; entries: { name: string }[]; flags: number } => ({
  uuid: '',
  continuation_token: token,
  entries: names.map((name) => ({ name })),
  flags: 0,
});

test('merges sorted, dedupes, truncates, and gives a token only when more may follow', () => {
  const merged = mergeListPages([page(['a', 'd'], ''), page(['b', 'c', 'e'], 'e')], 3, 'u1');
  assert.deepEqual(
    merged.entries.map((entry) => entry.name),
    ['a', 'b', 'c'],
  );
  assert.equal(merged.continuation_token, 'c');
  assert.equal(merged.uuid, 'u1');
});

test('a last partial page has no token', () => {
  const merged = mergeListPages([page(['x']), page(['y'])], 5, 'u');
  assert.deepEqual(
    merged.entries.map((entry) => entry.name),
    ['x', 'y'],
  );
  assert.equal(merged.continuation_token, '');
});

test('an exactly full final page with no target reporting more ends the listing', () => {
  const merged = mergeListPages([page(['x']), page(['y'])], 2, 'u');
  assert.equal(merged.continuation_token, '');
});
