// Unit tests for the name locks: sharing, exclusion, FIFO fairness, bounds and cleanup.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isStoreError } from '../../errors/index.js';
import { NameLocks } from './name-locks.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

test('readers share, a writer waits for them and then excludes everyone', async () => {
  const locks = new NameLocks();
  const events: string[] = [];
  const gate = deferred();
  const reader1 = locks.withReadLock('x', async () => {
    events.push('r1 in');
    await gate.promise;
    events.push('r1 out');
  });
  const reader2 = locks.withReadLock('x', () => {
    events.push('r2 in');
    return Promise.resolve();
  });
  const writer = locks.withWriteLock('x', () => {
    events.push('w in');
    return Promise.resolve();
  });
  // A reader arriving after a queued writer waits behind it (no writer starvation).
  const reader3 = locks.withReadLock('x', () => {
    events.push('r3 in');
    return Promise.resolve();
  });
  await reader2;
  assert.deepEqual(events, ['r1 in', 'r2 in']);
  gate.resolve();
  await Promise.all([reader1, writer, reader3]);
  assert.deepEqual(events, ['r1 in', 'r2 in', 'r1 out', 'w in', 'r3 in']);
  assert.equal(locks.size, 0, 'idle names are dropped from the table');
});

test('different names do not block each other', async () => {
  const locks = new NameLocks();
  const gate = deferred();
  const held = locks.withWriteLock('a', () => gate.promise);
  let ran = false;
  await locks.withWriteLock('b', () => {
    ran = true;
    return Promise.resolve();
  });
  assert.ok(ran);
  gate.resolve();
  await held;
});

test('a failing action releases its lock', async () => {
  const locks = new NameLocks();
  await assert.rejects(locks.withWriteLock('x', () => Promise.reject(new Error('boom'))));
  assert.equal(locks.size, 0);
  await locks.withWriteLock('x', () => Promise.resolve());
});

test('queues are bounded: past the limit a request fails fast with Conflict', async () => {
  const locks = new NameLocks({ maxNames: 2, maxWaitersPerName: 1 });
  const gate = deferred();
  const held = locks.withWriteLock('x', () => gate.promise);
  const queued = locks.withWriteLock('x', () => Promise.resolve());
  await assert.rejects(
    locks.withReadLock('x', () => Promise.resolve()),
    (error: unknown) => isStoreError(error) && error.code === 'Conflict',
  );
  const other = locks.withWriteLock('y', () => gate.promise);
  await assert.rejects(
    locks.withWriteLock('z', () => Promise.resolve()),
    (error: unknown) => isStoreError(error) && error.code === 'Conflict',
  );
  gate.resolve();
  await Promise.all([held, queued, other]);
  assert.equal(locks.size, 0);
});

test('free write locks: taken only where no one holds or waits, released after, others wait', async () => {
  const locks = new NameLocks();
  const gate = deferred();
  const reading = locks.withReadLock('busy', () => gate.promise);
  const order: string[] = [];
  let writer: Promise<void> | undefined;
  const taken = await locks.withFreeWriteLocks(['free', 'busy', 'other'], async (which) => {
    // A writer of a name the batch holds waits for the batch.
    writer = locks.withWriteLock('free', () => {
      order.push('writer');
      return Promise.resolve();
    });
    await Promise.resolve();
    order.push('batch');
    return which;
  });
  await writer;
  assert.deepEqual(taken, [true, false, true]);
  assert.deepEqual(order, ['batch', 'writer']);
  gate.resolve();
  await reading;
  assert.equal(locks.size, 0);
});

test('readableNow: true while only readers hold the name, false once a writer holds or waits', async () => {
  const locks = new NameLocks();
  assert.ok(locks.readableNow('x'));
  const gate = deferred();
  const reading = locks.withReadLock('x', () => gate.promise);
  assert.ok(locks.readableNow('x'), 'readers share');
  const writing = locks.withWriteLock('x', () => Promise.resolve());
  assert.ok(!locks.readableNow('x'), 'a waiting writer goes first');
  gate.resolve();
  await Promise.all([reading, writing]);
  const held = deferred();
  const writer = locks.withWriteLock('x', () => held.promise);
  assert.ok(!locks.readableNow('x'));
  held.resolve();
  await writer;
  assert.ok(locks.readableNow('x'));
  const full = new NameLocks({ maxNames: 1, maxWaitersPerName: 1 });
  const other = full.withReadLock('a', () => held.promise);
  assert.ok(!full.readableNow('b'), 'no room in the table');
  await other;
});
