// Unit tests for the restart back-off of the playground supervisor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RestartBackoff, restartPolicy } from './backoff.js';

test('delays double up to the maximum while runs stay short', () => {
  const backoff = new RestartBackoff();
  const delays = Array.from({ length: 8 }, () => backoff.next(100));
  assert.deepEqual(delays, [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
});

test('a run that lasted long enough starts the delays over', () => {
  const backoff = new RestartBackoff();
  backoff.next(0);
  backoff.next(0);
  assert.equal(backoff.next(restartPolicy.resetAfterUpMs - 1), 4_000);
  assert.equal(backoff.next(restartPolicy.resetAfterUpMs), 1_000);
  assert.equal(backoff.next(0), 2_000);
});
