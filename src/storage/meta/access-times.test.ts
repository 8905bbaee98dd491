// Unit tests for batched access times: one write per object per flush, the latest read wins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AccessTimes } from './access-times.js';

const bucket = { name: 'b', provider: 'aws' };

test('reads are written in a batch, one write per object with its latest time', async () => {
  const written: string[] = [];
  const times = new AccessTimes((_, name, atimeMs) => {
    written.push(`${name}@${atimeMs}`);
    return Promise.resolve();
  }, 100);
  times.record(bucket, 'a', 'aws/b/a', 1);
  times.record(bucket, 'b', 'aws/b/b', 2);
  times.record(bucket, 'a', 'aws/b/a', 3);
  assert.deepEqual(written, [], 'nothing written per read');
  assert.deepEqual(await times.flush(), { written: 2, failed: 0 });
  assert.deepEqual(written.sort(), ['a@3', 'b@2']);
  assert.deepEqual(await times.flush(), { written: 0, failed: 0 });
});

test('a full batch flushes by itself; failures are counted, not thrown', async () => {
  let calls = 0;
  const times = new AccessTimes(() => {
    calls += 1;
    return calls === 1 ? Promise.reject(new Error('gone')) : Promise.resolve();
  }, 2);
  times.record(bucket, 'a', 'a', 1);
  times.record(bucket, 'b', 'b', 1);
  assert.equal(times.pending, 0, 'the batch left memory');
  assert.deepEqual(await times.flush(), { written: 0, failed: 0 });
  assert.equal(calls, 2);
});

test('while a flush runs, records beyond four batches are dropped', async () => {
  let release: () => void = () => undefined;
  const blocked = new Promise<void>((resolve) => {
    release = resolve;
  });
  const times = new AccessTimes(() => blocked, 1);
  times.record(bucket, 'first', 'first', 1);
  for (let index = 0; index < 10; index += 1) times.record(bucket, `n${index}`, `n${index}`, 1);
  assert.equal(times.pending, 4);
  assert.equal(times.dropped, 6);
  release();
  assert.deepEqual(await times.flush(), { written: 4, failed: 0 });
});
