// Unit tests of the backend pacer: the rate falls under throttling and climbs back, backoffs grow
// with the error rate, calls leave spaced and in order (retries first), a hopeless queue is refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { systemClock } from '../util/clock.js';
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
  // The pacer's timers do not hold a process open (a node's servers do): this test's does.
  const keepAlive = setInterval(() => undefined, 1000);
  t.after(() => clearInterval(keepAlive));
  const pacer = new AdaptivePacer({ maxTokens: 40, intervalMs: 1000 }, systemClock);
  const left: Array<{ label: string; atMs: number }> = [];
  const call = async (label: string, retry = false): Promise<void> => {
    await pacer.turn(retry);
    left.push({ label, atMs: performance.now() });
  };
  const first = call('a');
  const rest = [call('b'), call('c'), call('retry', true)];
  await Promise.all([first, ...rest]);
  assert.deepEqual(
    left.map((entry) => entry.label),
    ['a', 'retry', 'b', 'c'],
  );
  // Each call leaves 25 ms after the one before: the last 75 ms after the first (a call's code
  // may run late, which only shortens the gap after it).
  const spanMs = (left.at(-1)?.atMs ?? 0) - (left[0]?.atMs ?? 0);
  assert.ok(spanMs >= 72, `4 calls left within ${spanMs.toFixed(1)} ms (spacing 25)`);

  const slow = new AdaptivePacer({ maxTokens: 2, intervalMs: 3_600_000 }, systemClock);
  await slow.turn();
  assert.ok(slow.turn() !== undefined, 'one call may wait half an hour');
  assert.equal(slow.turn(), undefined, 'a second one would wait over a minute');
  const retry = slow.turn(true);
  assert.ok(retry !== undefined, 'a retry is never refused');
});
