// Moving a stream's chunks without joining them (`chunksOf`) and writing a source a turn at a time
// (`writeByTurns`): one system call for what a GetBatch's TAR holds, and a failure cutting the
// destination.
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { test } from 'node:test';
import { chunksOf } from './stream-chunks.js';
import { writeByTurns } from './turn-writes.js';

const chunkOf = (index: number): Buffer => Buffer.alloc(64 * 1024, index);

/** A destination that records the chunks of each of its writes (`writev` takes several). */
function recordingDestination(): { destination: Writable; writes: number[] } {
  const writes: number[] = [];
  const destination = new Writable({
    highWaterMark: 16 * 1024,
    write(_chunk: Buffer, _encoding, callback) {
      writes.push(1);
      setImmediate(callback);
    },
    writev(chunks, callback) {
      writes.push(chunks.length);
      setImmediate(callback);
    },
  });
  return { destination, writes };
}

test('chunksOf hands on the chunks a stream holds one by one, never joined', async () => {
  const source = new Readable({ read() {} });
  const chunks = [chunkOf(1), chunkOf(2), chunkOf(3)];
  for (const chunk of chunks) source.push(chunk);
  source.push(null);
  const seen: Buffer[] = [];
  for await (const chunk of chunksOf(source)) seen.push(chunk);
  // Node's own iterator would read the three as one new buffer (a copy).
  assert.equal(seen.length, 3);
  seen.forEach((chunk, index) => assert.equal(chunk, chunks[index]));
});

test('chunksOf throws when the stream fails or closes before its end', async () => {
  const failing = new Readable({ read() {} });
  failing.push(chunkOf(1));
  setImmediate(() => failing.destroy(new Error('peer gone')));
  await assert.rejects(async () => {
    for await (const chunk of chunksOf(failing)) assert.ok(chunk.length > 0);
  }, /peer gone/);
  const closed = new Readable({ read() {} });
  setImmediate(() => closed.destroy());
  await assert.rejects(async () => {
    for await (const chunk of chunksOf(closed)) assert.ok(chunk.length > 0);
  }, /closed before its end/);
});

test('writeByTurns writes what the source holds in one write, where pipeline wrote one a drain', async () => {
  const source = new Readable({ highWaterMark: 1024 * 1024, read() {} });
  for (let index = 0; index < 8; index += 1) source.push(chunkOf(index));
  source.push(null);
  const { destination, writes } = recordingDestination();
  await writeByTurns(source, destination);
  assert.deepEqual(writes, [1, 7]);
});

test('writeByTurns cuts the destination when the source fails (never ends it)', async () => {
  const source = new Readable({ read() {} });
  source.push(chunkOf(1));
  const { destination } = recordingDestination();
  let finished = false;
  destination.on('finish', () => {
    finished = true;
  });
  setImmediate(() => source.destroy(new Error('item failed')));
  await assert.rejects(writeByTurns(source, destination), /item failed/);
  assert.equal(destination.destroyed, true);
  assert.equal(finished, false);
});

/** How `promise` settled within `ms`: 'resolved', its error's message, or 'still pending'. */
async function settledWithin(promise: Promise<unknown>, ms: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('still pending'), ms);
  });
  const outcome = promise.then(
    () => 'resolved',
    (error: Error) => error.message,
  );
  try {
    return await Promise.race([outcome, pending]);
  } finally {
    clearTimeout(timer);
  }
}

test('writeByTurns fails at once when the destination closed before it began (a client gone while the answer was prepared)', async () => {
  const { destination } = recordingDestination();
  destination.destroy();
  await new Promise((resolve) => setImmediate(resolve)); // its 'close' is past
  const source = new Readable({ read() {} });
  source.push(chunkOf(1));
  source.push(null);
  const settled = await settledWithin(writeByTurns(source, destination), 1000);
  // Pending forever, a GetBatch never returned: its place among the 16 batches in progress was
  // never given back (every later batch 429 once 16 clients had gone that way).
  assert.match(settled, /closed before the end/);
  assert.equal(source.destroyed, true);
});

test('writeByTurns fails at once when the source failed before it began (a batch aborted while its answer was prepared)', async () => {
  const source = new Readable({ read() {} });
  source.on('error', () => {});
  source.destroy(new Error('item failed'));
  await new Promise((resolve) => setImmediate(resolve)); // its 'error' and 'close' are past
  const { destination } = recordingDestination();
  const settled = await settledWithin(writeByTurns(source, destination), 1000);
  assert.match(settled, /item failed/);
  assert.equal(destination.destroyed, true, 'the answer is cut, never ended');
});

test('chunksOf throws when the stream closed before it was handed over (a peer gone at once)', async () => {
  const closed = new Readable({ read() {} });
  closed.on('error', () => undefined); // whoever held it before
  closed.destroy(new Error('peer reset'));
  await new Promise((resolve) => setImmediate(resolve)); // its 'error' and 'close' are past
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([
    chunksOf(closed)
      .next()
      .then(
        () => 'a chunk or the end',
        (error: Error) => error.message,
      ),
    new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve('still pending'), 1000);
    }),
  ]);
  clearTimeout(timer);
  // Pending forever, the batch reading that peer's parts never went on nor failed.
  assert.equal(settled, 'peer reset');
});
