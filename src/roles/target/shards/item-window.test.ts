// Unit tests of the item window: how far ahead of the item taken it opens. Small items read whole
// widen it to `smallItemsInFlight` once the first `batchItemsInFlight` proved small, and a streamed
// or large item keeps (or puts) it back at `batchItemsInFlight`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { MemoryBody } from '../../../util/streams/memory-body.js';
import { BatchBudget } from './batch-budget.js';
import type { OpenedItem } from './batch-items.js';
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
    outcome.opened.body.destroy();
  }
  return most;
}

const small = (): OpenedItem => ({ size: 4096, body: new MemoryBody(Buffer.alloc(4096)) });
const streamed = (): OpenedItem => ({ size: 4096, body: Readable.from([Buffer.alloc(4096)]) });

test('small items in memory widen the window to smallItemsInFlight', async () => {
  assert.equal(await mostAhead(500, small), smallItemsInFlight);
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
      if ('opened' in outcome) outcome.opened.body.destroy();
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
  const first = await window.take(0);
  assert.equal(window.isReady(0), true);
  assert.ok('opened' in first);
  first.opened.body.destroy();
  assert.ok('error' in (await window.take(1)));
  const last = await window.take(2);
  assert.ok('opened' in last);
  last.opened.body.destroy();
});
