// Unit tests of the item window: how far ahead of the item taken it opens. Small items read whole
// widen it to `smallItemsInFlight` once the first `batchItemsInFlight` proved small, and a streamed
// or large item keeps (or puts) it back at `batchItemsInFlight`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { MemoryBody } from '../../../util/streams/memory-body.js';
import { BatchBudget } from './batch-budget.js';
import { close, type OpenedItem } from './batch-items.js';
import {
  batchItemsInFlight,
  ItemWindow,
  smallItemBytes,
  smallItemsInFlight,
} from './item-window.js';

/** Takes every item in order; the most items opened and not yet taken at any take. */
async function mostAhead(count: number, open: (index: number) => OpenedItem): Promise<number> {
  let opened = 0;
  const window = new ItemWindow(
    (index) => {
      opened += 1;
      return Promise.resolve(open(index));
    },
    count,
    new BatchBudget(() => Number.MAX_SAFE_INTEGER),
  );
  let most = 0;
  for (let index = 0; index < count; index += 1) {
    const outcome = await window.take(index);
    most = Math.max(most, opened - index - 1);
    assert.ok('opened' in outcome);
    close(outcome.opened);
  }
  return most;
}

const small = (): OpenedItem => ({ size: 4096, body: new MemoryBody(Buffer.alloc(4096)) });
const streamed = (): OpenedItem => ({ size: 4096, body: Readable.from([Buffer.alloc(4096)]) });

test('small items in memory widen the window to smallItemsInFlight', async () => {
  assert.equal(await mostAhead(500, small), smallItemsInFlight);
  const bytes = (): OpenedItem => ({ size: 4096, body: [Buffer.alloc(4096)] });
  assert.equal(await mostAhead(500, bytes), smallItemsInFlight);
});

test('streamed items keep the window at batchItemsInFlight', async () => {
  assert.equal(await mostAhead(200, streamed), batchItemsInFlight);
});

test('one large or streamed item narrows the window for the rest of the batch', async () => {
  const large = (): OpenedItem => {
    const size = smallItemBytes + 1;
    return { size, body: new MemoryBody(Buffer.alloc(size)) };
  };
  // Items from 100 on: had the window stayed wide, 63 of them would be open ahead at once.
  const after = async (other: () => OpenedItem): Promise<number> => {
    let opened = 0;
    let most = 0;
    const count = 400;
    const window = new ItemWindow(
      (index) => {
        opened += 1;
        return Promise.resolve(index === 100 ? other() : small());
      },
      count,
      new BatchBudget(() => Number.MAX_SAFE_INTEGER),
    );
    for (let index = 0; index < count; index += 1) {
      const outcome = await window.take(index);
      if (index >= 200) most = Math.max(most, opened - index - 1);
      if ('opened' in outcome) close(outcome.opened);
    }
    return most;
  };
  assert.equal(await after(large), batchItemsInFlight);
  assert.equal(await after(streamed), batchItemsInFlight);
});

test('isReady tells an item whose opening settled (opened or failed) from one still opening', async () => {
  const pending: ((opened: OpenedItem) => void)[] = [];
  const window = new ItemWindow(
    (index) =>
      index === 1
        ? Promise.reject(new Error('missing'))
        : new Promise<OpenedItem>((resolve) => pending.push(resolve)),
    3,
    new BatchBudget(() => Number.MAX_SAFE_INTEGER),
  );
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(window.isReady(0), false);
  assert.equal(window.isReady(1), true);
  for (const resolve of pending) resolve(small());
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(window.isReady(0), true);
  const first = await window.take(0);
  assert.ok('opened' in first);
  close(first.opened);
  assert.ok('error' in (await window.take(1)));
  const last = await window.take(2);
  assert.ok('opened' in last);
  close(last.opened);
});

test('an opening that settles at once is taken with no wait; bytes in memory are charged until taken', async () => {
  const budget = new BatchBudget(() => Number.MAX_SAFE_INTEGER);
  const window = new ItemWindow(
    (index): OpenedItem | Promise<OpenedItem> => {
      if (index === 1) throw new Error('a failure part');
      if (index === 2) return Promise.resolve({ size: 10, body: [Buffer.alloc(10, 2)] });
      return { size: 100 + index, body: [Buffer.alloc(100 + index, index)] };
    },
    4,
    budget,
  );
  assert.equal(budget.used, 100 + 103, 'all four started, the two settled at once charged');
  const first = window.takeNow(0);
  assert.ok(first !== undefined && 'opened' in first);
  assert.deepEqual(first.opened.body, [Buffer.alloc(100, 0)]);
  assert.equal(budget.used, 103, 'released once taken');
  const failed = window.takeNow(1);
  assert.ok(failed !== undefined && 'error' in failed);
  assert.equal(window.takeNow(2), undefined, 'a promise settles later');
  const third = await window.take(2);
  assert.ok('opened' in third);
  assert.equal(third.opened.size, 10);
  assert.equal(window.takeNow(3)?.constructor, Object);
  assert.equal(budget.used, 0);
});
