// The client's copy of a cold GET: its last bytes wait for the commit (read-after-write).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { finished } from 'node:stream/promises';
import { HeldTail } from './cold-reads.js';

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('every chunk but the last flows; the last and the end wait for release', async () => {
  const tail = new HeldTail();
  const got: string[] = [];
  tail.on('data', (chunk: Buffer) => got.push(chunk.toString()));
  const done = finished(tail);
  let ended = false;
  void done.then(() => (ended = true));
  tail.write('a');
  tail.write('b');
  tail.end('c');
  await settle();
  assert.deepEqual(got, ['a', 'b']);
  assert.equal(ended, false, 'no end before the commit');
  tail.release();
  await done;
  assert.deepEqual(got, ['a', 'b', 'c']);
});

test('released before the body ends: the end follows the last chunk at once', async () => {
  const tail = new HeldTail();
  const got: string[] = [];
  tail.on('data', (chunk: Buffer) => got.push(chunk.toString()));
  tail.release();
  tail.write('x');
  tail.end();
  await finished(tail);
  assert.deepEqual(got, ['x']);
});

test('an empty object ends on release', async () => {
  const tail = new HeldTail();
  tail.resume();
  tail.end();
  await settle();
  tail.release();
  await finished(tail);
});
