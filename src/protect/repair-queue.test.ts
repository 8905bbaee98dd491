// Unit tests for the background repair queue: one repair per object, queued or running.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../util/log.js';
import { RepairQueue } from './repair-queue.js';

test('a repair queued or running for an object is not queued again', async () => {
  const queue = new RepairQueue({ concurrency: 1, maxQueued: 10 }, createLogger({}, 'error'));
  const runs: string[] = [];
  let release = (): void => undefined;
  const blocked = new Promise<void>((resolve) => (release = resolve));
  queue.add('a', async () => {
    runs.push('a');
    await blocked;
  });
  queue.add('a', () => Promise.resolve(runs.push('a again'))); // running: dropped
  queue.add('b', () => Promise.resolve(runs.push('b')));
  queue.add('b', () => Promise.resolve(runs.push('b again'))); // waiting: dropped
  assert.equal(queue.pending, 2);
  release();
  for (let tick = 0; tick < 20 && queue.pending > 0; tick += 1)
    await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(runs, ['a', 'b']);
  assert.equal(queue.pending, 0);
});
