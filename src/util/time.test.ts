// The Retry-After reader of time.ts: both forms, and what it refuses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { retryAfterMs } from './time.js';

test('Retry-After in seconds', () => {
  assert.equal(retryAfterMs('3'), 3000);
  assert.equal(retryAfterMs(' 0 '), 0);
  assert.equal(retryAfterMs(['7', '1']), 7000);
});

test('Retry-After as an HTTP date counts from now; a past date is 0', () => {
  const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
  assert.equal(retryAfterMs('Wed, 21 Oct 2015 07:28:05 GMT', now), 5000);
  assert.equal(retryAfterMs('Wed, 21 Oct 2015 07:27:00 GMT', now), 0);
});

test('a missing or malformed Retry-After is undefined', () => {
  for (const value of [undefined, '', '-1', '1.5', 'soon', '2015-10-21', []])
    assert.equal(retryAfterMs(value), undefined, String(value));
});
