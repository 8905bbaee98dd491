// Unit tests for the time helpers: Go-style duration texts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDuration } from './time.js';

test('durations parse as Go writes them', () => {
  assert.equal(parseDuration('1m'), 60_000);
  assert.equal(parseDuration('10s'), 10_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('2h0m'), 7_200_000);
  assert.equal(parseDuration('1.5h'), 5_400_000);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('0'), 0);
});

test('anything else is not a duration', () => {
  for (const text of ['', '1', 'm', '1x', '1m ', ' 1m', '-1m', '1m-', '1..5s', 'ms'])
    assert.equal(parseDuration(text), undefined, text);
});
