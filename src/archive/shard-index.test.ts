// Unit tests of the shard index: a GNU tar (long pax names, an empty file, a directory) indexed in
// one pass gives each file's exact offset and size; an archive written here is indexed on its way
// out; the encoding round-trips, and an index of another version or cut short is not used.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  createReadStream,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tarStream from 'tar-stream';
import {
  createArchiveWriter,
  decodeShardIndex,
  encodeShardIndex,
  indexTar,
  isIndexable,
  ShardIndex,
  TarIndexer,
} from './index.js';
import { makeShard, sampleFiles } from '../../test/harness/shard-files.js';

const longName = `deep/${'d'.repeat(120)}/${'n'.repeat(150)}.bin`;
const files: Record<string, Buffer> = {
  ...sampleFiles,
  [longName]: Buffer.from('long name, pax header'),
};

const shard = { size: 1, checksum: 'xxhash:1', version: '1', modifiedMs: 5 };

function assertOffsets(
  tar: Buffer,
  entries: readonly { name: string; offset: number; size: number }[],
): void {
  assert.deepEqual(entries.map((entry) => entry.name).sort(), Object.keys(files).sort());
  for (const entry of entries) {
    const expected = files[entry.name] ?? Buffer.alloc(1);
    assert.equal(entry.size, expected.length, entry.name);
    assert.ok(tar.subarray(entry.offset, entry.offset + entry.size).equals(expected), entry.name);
  }
}

test('a GNU tar is indexed in one pass: every file at its offset', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-index-'));
  try {
    const path = makeShard(dir, '.tar', files);
    const entries = await indexTar(createReadStream(path));
    assertOffsets(readFileSync(path), entries);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a tar written here is indexed as it passes', async () => {
  const writer = createArchiveWriter('.tar');
  const indexer = new TarIndexer();
  const chunks: Buffer[] = [];
  const collected = pipeline(writer.output, indexer, async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) chunks.push(chunk);
  });
  for (const [name, data] of Object.entries(files))
    await writer.add(name, data.length, Readable.from([data]), 1_700_000_000_000);
  writer.finish();
  await collected;
  assertOffsets(Buffer.concat(chunks), await indexer.entries);
});

test("an observer's chunks may be filled again once handed on: tar-stream's part indexes the same", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-index-'));
  try {
    // GNU tar's long pax name hands the rest to tar-stream, which may keep views of what it was
    // given; a shard's writer fills each slab again once the file has it (`reuseSlabs`).
    const tar = readFileSync(makeShard(dir, '.tar', files));
    const indexer = new TarIndexer();
    const observer = indexer.observer();
    const slab = Buffer.alloc(700);
    for (let at = 0; at < tar.length; at += slab.length) {
      const length = tar.copy(slab, 0, at, at + slab.length);
      observer.chunk(slab.subarray(0, length));
      slab.fill(0);
    }
    observer.end();
    assertOffsets(tar, await indexer.entries);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bytes that are not a tar fail the index, not the stream', async () => {
  const indexer = new TarIndexer();
  const passed: Buffer[] = [];
  indexer.on('data', (chunk: Buffer) => passed.push(chunk));
  const garbage = Buffer.alloc(2048, 0x41);
  indexer.end(garbage);
  await assert.rejects(indexer.entries);
  assert.ok(Buffer.concat(passed).equals(garbage));
});

test('the encoding round-trips; another version or a cut index is not used', async () => {
  const entries = Array.from({ length: 2500 }, (_, i) => ({
    name: `s/${i}.jpg`,
    offset: 512 + i * 1024,
    size: i,
  }));
  entries.push({ name: 's/0.jpg', offset: 9, size: 9 });
  const index = new ShardIndex(shard, entries);
  let text = '';
  for (const chunk of encodeShardIndex(index)) text += chunk;
  const decoded = await decodeShardIndex(Readable.from([text]));
  assert.ok(decoded);
  assert.deepEqual(decoded.shard, shard);
  assert.deepEqual(decoded.entries, entries);
  // The first file of a name is the one found, as a scan finds it.
  assert.deepEqual(decoded.find('s/0.jpg'), { name: 's/0.jpg', offset: 512, size: 0 });
  assert.equal(decoded.find('s/none'), undefined);
  const cut = text.slice(0, text.lastIndexOf('\n', text.length - 2) + 1);
  assert.equal(await decodeShardIndex(Readable.from([cut])), undefined);
  const other = text.replace('"version":1', '"version":99');
  assert.equal(await decodeShardIndex(Readable.from([other])), undefined);
  assert.equal(await decodeShardIndex(Readable.from(['not json\n'])), undefined);
  assert.ok(isIndexable('.tar'));
  assert.ok(!isIndexable('.tgz') && !isIndexable('.zip') && !isIndexable('.tar.lz4'));
});

test('a tar cut in the middle of a file fails the index, not the process', async () => {
  // The uploader of a PUT into a shard hangs up mid-file: the indexer is destroyed with the error
  // while the parser is inside that file's bytes. The file's body stream errors too; unheard, that
  // 'error' event ended the process.
  const writer = createArchiveWriter('.tar');
  const indexer = new TarIndexer();
  // Its consumer (the store's PUT) hears the indexer's own error.
  indexer.on('error', () => undefined);
  indexer.resume();
  writer.output.pipe(indexer);
  const added = writer.add('big.bin', 1 << 20, Readable.from([Buffer.alloc(64 << 10)]), 1);
  added?.catch(() => undefined);
  await new Promise((resolve) => setTimeout(resolve, 20));
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown): number => uncaught.push(error);
  process.on('uncaughtException', onUncaught);
  try {
    indexer.destroy(new Error('client hung up'));
    await assert.rejects(indexer.entries, /client hung up/);
    await new Promise((resolve) => setTimeout(resolve, 20));
  } finally {
    process.off('uncaughtException', onUncaught);
    writer.abort(new Error('client hung up'));
  }
  assert.deepEqual(uncaught, []);
});

/** The files tar-stream's parser finds in `tar` (the index before it walked plain headers itself). */
async function parsedByTarStream(
  tar: Buffer,
): Promise<{ name: string; size: number; offset: number }[]> {
  const extract = tarStream.extract();
  const found: { name: string; size: number; offset: number }[] = [];
  extract.on('entry', (header, body, next) => {
    if (header.type === 'file' || header.type === 'contiguous-file')
      found.push({ name: header.name, size: header.size ?? 0, offset: body.offset + 512 });
    body.on('end', next);
    body.resume();
  });
  await pipeline(Readable.from([tar]), extract);
  return found;
}

test('the index walks plain headers itself and agrees with tar-stream on every GNU tar format', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-index-'));
  try {
    const root = join(dir, 'files');
    const names = [
      'a.txt',
      `ustar-split/${'p'.repeat(90)}/${'q'.repeat(60)}.bin`,
      longName,
      'z/empty',
      'z/last.bin',
    ];
    for (const [index, name] of names.entries()) {
      mkdirSync(join(root, name, '..'), { recursive: true });
      writeFileSync(join(root, name), Buffer.alloc(index === 3 ? 0 : 700 * index + 1, index + 1));
    }
    symlinkSync('a.txt', join(root, 'link'));
    for (const format of ['gnu', 'ustar', 'posix', 'oldgnu']) {
      const path = join(dir, `${format}.tar`);
      // ustar cannot hold the long name: that archive leaves it out.
      const members = format === 'ustar' ? names.filter((n) => n !== longName) : names;
      execFileSync('tar', [`--format=${format}`, '-cf', path, '-C', root, 'z', ...members, 'link']);
      const tar = readFileSync(path);
      const expected = await parsedByTarStream(tar);
      // Chunks that end inside a header and inside a file.
      const entries = await indexTar(Readable.from([tar.subarray(0, 700), tar.subarray(700)]));
      assert.deepEqual(entries, expected, format);
      assert.ok(entries.length >= members.length, format);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a header with a wrong checksum fails the index, as tar-stream does', async () => {
  const writer = createArchiveWriter('.tar');
  const chunks: Buffer[] = [];
  const collected = pipeline(writer.output, async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) chunks.push(chunk);
  });
  for (const name of ['one', 'two']) await writer.add(name, 3, [Buffer.from('abc')], 1);
  writer.finish();
  await collected;
  const tar = Buffer.concat(chunks);
  tar[1024 + 10] = 0x41; // inside the second file's header name: its checksum no longer holds
  await assert.rejects(indexTar(Readable.from([tar])), /Invalid tar header/);
  await assert.rejects(parsedByTarStream(tar), /Invalid tar header/);
});

test('a file header named with a trailing slash is a file to the index, as to tar-stream', async () => {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  const collected = pipeline(pack as unknown as Readable, async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) chunks.push(chunk);
  });
  pack.entry({ name: 'empty-odd/', type: 'file', size: 0 }, Buffer.alloc(0));
  pack.entry({ name: 'sized-odd/', type: 'file', size: 3 }, Buffer.from('abc'));
  pack.entry({ name: 'after.txt', type: 'file', size: 2 }, Buffer.from('hi'));
  pack.finalize();
  await collected;
  const tar = Buffer.concat(chunks);
  const expected = await parsedByTarStream(tar);
  assert.deepEqual(
    expected.map((entry) => entry.name),
    ['empty-odd/', 'sized-odd/', 'after.txt'],
  );
  assert.deepEqual(await indexTar(Readable.from([tar])), expected);
});
