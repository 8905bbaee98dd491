// The client's copy of a cold GET: its last bytes wait for the commit (read-after-write); one
// read of the remote's body feeds the store and the client, and the store completes without one.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { defaultBucketProps } from '../../../cluster/index.js';
import type { LocalStore } from '../../../storage/index.js';
import {
  makeTemporaryDirectory,
  openTestStore,
  patternBytes,
  readAll,
  removeTemporaryDirectory,
} from '../../../storage/store-fixtures.js';
import { systemClock } from '../../../util/clock.js';
import { ColdReads, HeldTail, type ColdSource } from './cold-reads.js';
import type { ObjectTarget } from './object-types.js';

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

let root: string;
let store: LocalStore;

before(async () => {
  root = await makeTemporaryDirectory();
  store = await openTestStore(root, 2);
});

after(async () => {
  await store.close();
  await removeTemporaryDirectory(root);
});

const remoteBucket = { name: 'tier', provider: 'aws' };
const targetOf = (name: string): ObjectTarget => ({
  bucket: {
    bucket: remoteBucket,
    props: defaultBucketProps('aws', 'xxhash', 1n),
    history: undefined,
    versioned: false,
  },
  name,
});

/** A remote answer of `data` in 64 KiB chunks (as a socket delivers it); counts its reads. */
function sourceOf(data: Buffer): { source: ColdSource; reads: () => number } {
  let reads = 0;
  const source: ColdSource = () => {
    reads += 1;
    const chunks: Buffer[] = [];
    for (let offset = 0; offset < data.length; offset += 64 * 1024)
      chunks.push(data.subarray(offset, offset + 64 * 1024));
    return Promise.resolve({
      object: { name: 'o', size: data.length, etag: 'e1', customMetadata: {} },
      body: Readable.from(chunks, { objectMode: false }),
    });
  };
  return { source, reads: () => reads };
}

const notStored = (): Promise<never> => Promise.reject(new Error('read from the store'));

test('a cold GET streams every byte to the client and stores the same bytes', async () => {
  const cold = new ColdReads(store, systemClock, () => Promise.resolve());
  const data = patternBytes(1024 * 1024 + 5);
  const { source, reads } = sourceOf(data);
  const target = targetOf('whole');
  const read = await cold.get(target, source, true, notStored);
  const received = await readAll(read.body.toStream());
  assert.ok(received.equals(data), 'the client has every byte');
  const stored = await store.getObject(remoteBucket, target.name);
  assert.ok((await readAll(stored.body)).equals(data), 'the store has the same bytes');
  assert.equal(stored.object.etag, 'e1');
  assert.equal(reads(), 1, 'one remote read');
});

test('a small object (the store takes it whole, in one write) reaches the client too', async () => {
  const cold = new ColdReads(store, systemClock, () => Promise.resolve());
  const data = patternBytes(4096, 7);
  const { source } = sourceOf(data);
  const target = targetOf('small');
  const read = await cold.get(target, source, true, notStored);
  const received = await readAll(read.body.toStream());
  assert.ok(received.equals(data), 'the client has every byte');
  const stored = await store.getObject(remoteBucket, target.name);
  assert.ok((await readAll(stored.body)).equals(data), 'the store has the same bytes');
});

test('a client that leaves mid-answer: the object is still stored whole', async () => {
  const cold = new ColdReads(store, systemClock, () => Promise.resolve());
  const data = patternBytes(2 * 1024 * 1024, 3);
  const { source, reads } = sourceOf(data);
  const target = targetOf('abandoned');
  const read = await cold.get(target, source, true, notStored);
  const toClient = read.body.toStream();
  for await (const chunk of toClient) {
    assert.ok((chunk as Buffer).length > 0);
    break;
  }
  // The fetch in progress: what a second reader of the object waits for.
  const object = await cold.fetch(target, source);
  assert.equal(object.size, data.length);
  const stored = await store.getObject(remoteBucket, target.name);
  assert.ok((await readAll(stored.body)).equals(data));
  assert.equal(reads(), 1, 'the second reader shared the one fetch');
});
