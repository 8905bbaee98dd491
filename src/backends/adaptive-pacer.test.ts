// Unit tests of the backend pacer: the rate falls under throttling and climbs back, backoffs grow
// with the error rate, calls leave spaced and in order (retries first), a hopeless queue is refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Clock } from '../util/clock.js';
import { AdaptivePacer, AdaptiveRate } from './adaptive-pacer.js';

test('the rate falls while the remote throttles and climbs back when it is quiet', () => {
  const rate = new AdaptiveRate({ maxTokens: 20, intervalMs: 1000 });
  assert.equal(rate.spacingMs(), 50);
  for (let i = 0; i < 20; i += 1) rate.called();
  assert.equal(rate.tokens, 20, 'a quiet window keeps the full budget');
  // Two windows with every call throttled: the rate drops (by 2 tenths, then by 4).
  for (let i = 0; i < 40; i += 1) {
    rate.throttled();
    rate.called();
  }
  assert.equal(rate.tokens, 12);
  assert.ok(rate.spacingMs() > 80);
  // Quiet windows (the first still counts the throttled one before it) bring it back.
  const seen: number[] = [];
  for (let window = 0; window < 12; window += 1) {
    for (let i = 0; i < 20; i += 1) rate.called();
    seen.push(rate.tokens);
  }
  assert.equal(seen.at(-1), 20, `back at the budget: ${seen.join(' ')}`);
  assert.ok(
    seen.every((tokens, i) => i === 0 || tokens >= (seen[i - 1] ?? 0)),
    'never lower again',
  );
});

test('a throttled call backs off longer the more of the recent calls were throttled', () => {
  const rate = new AdaptiveRate({ maxTokens: 100, intervalMs: 10_000 });
  for (let i = 0; i < 10; i += 1) rate.called();
  assert.equal(rate.throttled(), 200, 'one in ten: twice the spacing');
  rate.throttled();
  rate.throttled();
  assert.equal(rate.throttled(), 400, 'four in ten: four times');
  rate.throttled();
  assert.equal(rate.throttled(), 800, 'six in ten: eight times');
});

test('calls leave one at a time, spaced, with retries first; a hopeless queue is refused', async (t) => {
  // The clock and the pacer's timers are the test's: each call leaves exactly 25 ms after the one
  // before, whatever else the machine is doing.
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  const clock: Clock = { nowMs: () => Date.now() };
  const pacer = new AdaptivePacer({ maxTokens: 40, intervalMs: 1000 }, clock);
  const left: string[] = [];
  const call = async (label: string, retry = false): Promise<void> => {
    await pacer.turn(retry);
    left.push(label);
  };
  const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  const calls = Promise.all([call('a'), call('b'), call('c'), call('retry', true)]);
  await settled();
  assert.deepEqual(left, ['a']);
  for (const [index, label] of ['retry', 'b', 'c'].entries()) {
    t.mock.timers.tick(24);
    await settled();
    assert.equal(left.length, index + 1, `nothing more left 24 ms after ${left.at(-1)}`);
    t.mock.timers.tick(1);
    await settled();
    assert.equal(left.at(-1), label, `${label} left 25 ms after the call before it`);
  }
  await calls;

  const slow = new AdaptivePacer({ maxTokens: 2, intervalMs: 3_600_000 }, clock);
  await slow.turn();
  assert.ok(slow.turn() !== undefined, 'one call may wait half an hour');
  assert.equal(slow.turn(), undefined, 'a second one would wait over a minute');
  const retry = slow.turn(true);
  assert.ok(retry !== undefined, 'a retry is never refused');
});
