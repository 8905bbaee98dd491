// Unit tests: files in memory written straight into the pack (template headers) come out byte for
// byte as tar-stream's `pack.entry` writes them, mixed with streamed files, long and non-ASCII
// names (PAX records), every padding, chunks in memory (a peer's large part), and under
// back-pressure; a pooled buffer released once written; a shard's slabs filled again once their
// writer released them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import tarStream from 'tar-stream';
import { MemoryBody, MemoryChunks, writtenRelease } from '../util/streams/memory-body.js';
import { writeByTurns } from '../util/streams/turn-writes.js';
import { TarIndexer } from './shard-index.js';
import { TarWriter } from './tar-archive.js';

interface File {
  name: string;
  data: Buffer;
  /** Added as a stream (through `pack.entry`), not as bytes in memory. */
  streamed?: boolean;
  /** Added as chunks in memory (a peer's large part as its socket delivered it). */
  chunked?: boolean;
}

const modifiedMs = 1_765_000_123_456.7;
const files: File[] = [
  { name: 'bucket/sample-000001', data: Buffer.alloc(4096, 1) },
  { name: 'a', data: Buffer.alloc(0) },
  { name: 'b/one', data: Buffer.alloc(1, 2) },
  { name: 'b/511', data: Buffer.alloc(511, 3) },
  { name: 'b/512', data: Buffer.alloc(512, 4) },
  { name: 'b/streamed', data: Buffer.alloc(70_000, 5), streamed: true },
  { name: 'b/513', data: Buffer.alloc(513, 6) },
  { name: `${'x'.repeat(100)}`, data: Buffer.alloc(10, 7) },
  { name: `dir/${'y'.repeat(100)}`, data: Buffer.alloc(10, 8) },
  { name: 'dïr/ünïcode.jpg', data: Buffer.alloc(20, 9) },
  { name: `${'z'.repeat(120)}`, data: Buffer.alloc(30, 10) },
  { name: '__404__/bucket/missing', data: Buffer.alloc(0) },
  {
    name: 'b/chunked',
    data: Buffer.from(Array.from({ length: 70_001 }, (_, at) => at % 251)),
    chunked: true,
  },
  { name: `${'c'.repeat(110)}`, data: Buffer.alloc(3000, 11), chunked: true },
];

async function collect(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function expected(list: readonly File[] = files): Promise<Buffer> {
  const pack = tarStream.pack();
  const mtime = new Date(modifiedMs);
  for (const file of list)
    pack.entry({ name: file.name, size: file.data.length, mode: 0o644, mtime }, file.data);
  pack.finalize();
  return collect(pack);
}

/** TarWriter's archive of `files`, read `slowly` (a pause per chunk: the output fills up). */
async function written(slowly: boolean): Promise<Buffer> {
  return writtenWith(new TarWriter('tar'), files, slowly);
}

async function writtenWith(
  writer: TarWriter,
  list: readonly File[],
  slowly: boolean,
  output: AsyncIterable<unknown> = writer.output,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const read = (async () => {
    for await (const chunk of output) {
      chunks.push(chunk as Buffer);
      if (slowly) await new Promise((resolve) => setTimeout(resolve, 1));
    }
  })();
  for (const file of list) {
    const { data } = file;
    const body =
      file.streamed === true
        ? Readable.from([data])
        : file.chunked === true
          ? new MemoryChunks([
              data.subarray(0, 1000),
              data.subarray(1000, 1000),
              data.subarray(1000),
            ])
          : new MemoryBody(data);
    await writer.add(file.name, file.data.length, body, modifiedMs);
  }
  writer.finish();
  await read;
  return Buffer.concat(chunks);
}

test('files in memory are written as tar-stream writes them, mixed with streamed ones', async () => {
  assert.deepEqual(await written(false), await expected());
});

test('a slow reader gets the same archive', async () => {
  assert.deepEqual(await written(true), await expected());
});

test('headers of runs of equal and changing sizes, every printable name byte, match tar-stream', async () => {
  // The size field is kept from one file to the next while the size stays: a run of equal sizes,
  // sizes that differ in one digit, the largest direct size's neighbours in a few digits, and
  // names of every printable ASCII byte (the checksum's digits vary with them).
  const sizes = [4096, 4096, 4096, 4095, 4097, 4096, 0, 0, 1, 8, 7, 64, 512, 4096, 100_000, 4096];
  const printable = Array.from({ length: 0x7f - 0x20 }, (_, at) => String.fromCharCode(0x20 + at));
  const list: File[] = sizes.map((size, at) => ({
    name: `${printable.slice(at * 5, at * 5 + 5 + at).join('')}-${at}`,
    data: Buffer.alloc(size, at),
  }));
  list.push({ name: printable.join('').slice(0, 100), data: Buffer.alloc(3, 1) });
  list.push({ name: '~'.repeat(100), data: Buffer.alloc(4096, 2) });
  const writer = new TarWriter('tar', { slabBytes: 256 * 1024, flushEachTurn: false });
  assert.deepEqual(await writtenWith(writer, list, false), await expected(list));
});

test("a shard's writer (large slabs, no flush each turn) names its files to the indexer: the same bytes and index as a walk", async () => {
  // All files laid out by the writer; and the full list, whose streamed and long-named files the
  // pack writes (the indexer walks from the first of them on).
  const direct = files.filter(
    (file) => file.streamed !== true && /^[\x20-\x7e]{1,100}$/.test(file.name),
  );
  // Piped through the indexer, or the indexer told each chunk beside the output (`observer`, as a
  // shard's write does: no stream stage of its own).
  for (const list of [direct, files]) {
    for (const observed of [false, true]) {
      const indexer = new TarIndexer();
      const writer = new TarWriter('tar', {
        slabBytes: 256 * 1024,
        flushEachTurn: false,
        index: indexer.feed(),
        observer: observed ? indexer.observer() : undefined,
      });
      const output = observed ? writer.output : writer.output.pipe(indexer);
      const bytes = await writtenWith(writer, list, false, output);
      assert.deepEqual(bytes, await expected(list));
      const walked = new TarIndexer();
      const walk = collect(Readable.from([bytes]).pipe(walked));
      await walk;
      assert.deepEqual(await indexer.entries, await walked.entries);
      assert.equal((await indexer.entries).length, list.length);
    }
  }
});

test("an observing indexer fails its entries when the writer's output is destroyed before its end", async () => {
  const indexer = new TarIndexer();
  const writer = new TarWriter('tar', { index: indexer.feed(), observer: indexer.observer() });
  writer.output.once('error', (error) => indexer.destroy(error));
  writer.output.resume();
  await writer.add('one', 3, new MemoryBody(Buffer.from('abc')), modifiedMs);
  writer.abort(new Error('source failed'));
  await assert.rejects(indexer.entries, /source failed/);
});

test("a shard's slabs (reuseSlabs) are filled again once written and released: the same bytes", async () => {
  // 600 files of 4 KiB, each its own bytes, through 64 KiB slabs: ~40 chunks. The reader copies
  // each chunk and releases it a turn later, as the file sink does once its write completed.
  const list: File[] = Array.from({ length: 600 }, (_, at) => ({
    name: `sample-${String(at).padStart(6, '0')}`,
    data: Buffer.alloc(4096, at % 251),
  }));
  const writer = new TarWriter('tar', {
    slabBytes: 64 * 1024,
    flushEachTurn: false,
    reuseSlabs: true,
  });
  const slabs = new Set<ArrayBufferLike>();
  let chunks = 0;
  const copies: Buffer[] = [];
  const read = (async () => {
    for await (const chunk of writer.output) {
      const bytes = chunk as Buffer;
      chunks += 1;
      slabs.add(bytes.buffer);
      copies.push(Buffer.from(bytes));
      const release = writtenRelease(bytes);
      await new Promise((resolve) => setImmediate(resolve));
      release?.();
    }
  })();
  for (const file of list) {
    const added = writer.add(file.name, file.data.length, new MemoryBody(file.data), modifiedMs);
    if (added !== undefined) await added;
    if (file.name.endsWith('0')) await new Promise((resolve) => setImmediate(resolve));
  }
  writer.finish();
  await read;
  assert.deepEqual(Buffer.concat(copies), await expected(list));
  assert.ok(chunks >= 30, `${chunks} chunks`);
  assert.ok(slabs.size <= 10, `${slabs.size} slabs for ${chunks} chunks`);
});

test('files written into the pack wait for a slow reader (bounded lead)', async () => {
  const writer = new TarWriter('tar');
  let readBytes = 0;
  const read = (async () => {
    for await (const chunk of writer.output) {
      readBytes += (chunk as Buffer).length;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  })();
  const data = Buffer.alloc(4096, 1);
  let addedBytes = 0;
  let lead = 0;
  for (let index = 0; index < 1000; index += 1) {
    await writer.add(`f/${index}`, data.length, new MemoryBody(data), modifiedMs);
    addedBytes += 512 + data.length;
    lead = Math.max(lead, addedBytes - readBytes);
  }
  writer.finish();
  await read;
  assert.equal(readBytes, 1000 * (512 + 4096) + 1024);
  // Without back-pressure the writer would be the whole archive (4.6 MB) ahead; the output holds
  // up to 1 MiB (a peer's whole part, for one socket write) before the pack waits.
  assert.ok(lead < 1536 * 1024, `${lead} bytes ahead of the reader`);
});

test('large files in memory wait while nobody reads: the pack holds at most one of them', async () => {
  const writer = new TarWriter('tar');
  writer.output.on('error', () => {}); // aborted at the end
  const item = Buffer.alloc(1024 * 1024, 1);
  const chunks = (): Buffer[] =>
    Array.from({ length: 16 }, (_, at) => item.subarray(at * 65_536, (at + 1) * 65_536));
  let handed = 0;
  const adding = (async () => {
    for (let index = 0; index < 64; index += 1) {
      // Each add is awaited only when it asks to be (as GetBatch adds the items ready at once).
      const room = writer.add(`big/${index}`, item.length, new MemoryChunks(chunks()), modifiedMs);
      handed += 1;
      if (room !== undefined) await room;
    }
  })();
  adding.catch(() => {});
  await new Promise((resolve) => setTimeout(resolve, 200));
  // The output holds 1 MiB and the pack one file more; without the bound every file ready was
  // taken in one run (64 here; GetBatch's window of 16 in the cluster), outside any budget.
  assert.ok(handed <= 4, `${handed} files of 1 MiB taken while nobody read`);
  writer.abort(new Error('done'));
  await assert.rejects(adding);
});

test("a file's pooled buffer is released once the reader's socket has written it", async () => {
  const writer = new TarWriter('tar');
  const destination = new Writable({
    write(_chunk: Buffer, _encoding, callback) {
      setImmediate(callback);
    },
  });
  const sent = writeByTurns(writer.output, destination);
  let released = 0;
  const bytes = Buffer.alloc(1024 * 1024, 5);
  await writer.add('big', bytes.length, new MemoryBody(bytes, () => (released += 1)), modifiedMs);
  writer.finish();
  await sent;
  // Before: the buffer was left to the collector, never back to its pool.
  assert.equal(released, 1);
});
