// Unit tests: archives made by GNU tar, gzip, lz4 and Info-ZIP are listed and read back byte for
// byte in every format; selections by mode; archives written here are read by the same tools.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  archiveFormats,
  createArchiveWriter,
  detectFormat,
  entryMatcher,
  findEntry,
  listArchive,
  selectEntries,
  splitAtExtension,
  type ArchiveSource,
} from './index.js';
import { MemoryBody } from '../util/streams/memory-body.js';
import { makeShard, sampleFiles as samples } from '../../test/harness/shard-files.js';

function fileSource(path: string): ArchiveSource {
  return {
    size: statSync(path).size,
    read: (start, end) => Promise.resolve(createReadStream(path, { start, end })),
  };
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

for (const format of archiveFormats) {
  test(`${format}: made by the Debian tools, listed and read back byte for byte`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-archive-'));
    try {
      const source = fileSource(makeShard(dir, format));
      assert.equal(await detectFormat(source, 'x', ''), format === '.tar.gz' ? '.tgz' : format);
      assert.equal(await detectFormat(source, `s${format}`, ''), format);
      const list = await listArchive(source, format);
      assert.deepEqual(
        list.map((entry) => [entry.name, entry.size]).sort(),
        Object.entries(samples)
          .map(([name, data]) => [name, data.length])
          .sort(),
      );
      for (const [name, data] of Object.entries(samples)) {
        const entry = await findEntry(source, format, `/${name}`);
        assert.ok(entry, name);
        assert.equal(entry.size, data.length);
        assert.ok((await collect(entry.body)).equals(data), name);
      }
      assert.equal(await findEntry(source, format, 'a/none'), undefined);
      const keys: string[] = [];
      for await (const entry of selectEntries(source, format, entryMatcher('a/000', 'wdskey'))) {
        keys.push(entry.name);
        assert.ok((await collect(entry.body)).equals(samples[entry.name] ?? Buffer.alloc(1)));
      }
      assert.deepEqual(keys.sort(), ['a/000.cls', 'a/000.jpg']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test(`${format}: written here, read by the Debian tools`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-archive-'));
    try {
      const writer = createArchiveWriter(format);
      const out = join(dir, `made${format}`);
      const written = (async () => {
        const { createWriteStream } = await import('node:fs');
        const { pipeline } = await import('node:stream/promises');
        await pipeline(writer.output, createWriteStream(out));
      })();
      for (const [name, data] of Object.entries(samples))
        await writer.add(name, data.length, Readable.from([data]), 1_700_000_000_000);
      writer.finish();
      await written;
      const extracted = join(dir, 'x');
      mkdirSync(extracted);
      if (format === '.zip') execFileSync('unzip', ['-q', out, '-d', extracted]);
      else if (format === '.tar.lz4')
        execFileSync('sh', ['-c', `lz4 -dc "${out}" | tar -xf - -C "${extracted}"`]);
      else execFileSync('tar', ['-xf', out, '-C', extracted]);
      for (const [name, data] of Object.entries(samples))
        assert.ok((await readFile(join(extracted, name))).equals(data), name);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('matchers and names', () => {
  assert.ok(entryMatcher('a/', '').call(undefined, 'a/x'));
  assert.ok(entryMatcher('\\.jpg$', 'regexp')('a/000.jpg'));
  assert.ok(!entryMatcher('\\.jpg$', 'regexp')('a/000.cls'));
  assert.ok(entryMatcher('.cls', 'suffix')('a/000.cls'));
  assert.ok(entryMatcher('000', 'substr')('a/000.cls'));
  assert.throws(() => entryMatcher('x', 'glob'), /archmode/);
  assert.deepEqual(splitAtExtension('d/s.tar.gz/a/b.txt'), {
    shard: 'd/s.tar.gz',
    path: 'a/b.txt',
  });
  assert.deepEqual(splitAtExtension('s.tar/x'), { shard: 's.tar', path: 'x' });
  assert.equal(splitAtExtension('s.tar'), undefined);
});

test('an archive aborted before anyone reads it does not end the process', async () => {
  // A dSort shard's source failed (a peer refused the connection) before its PUT had attached to
  // the output: this used to be an unhandled 'error' event that killed the target.
  for (const format of ['.tar', '.tgz', '.zip', '.tar.lz4'] as const) {
    const writer = createArchiveWriter(format);
    writer.abort(new Error('source failed'));
    await new Promise((resolve) => setImmediate(resolve));
    // A reader attaching afterwards still learns of the failure.
    await assert.rejects(
      (async () => {
        for await (const chunk of writer.output) void chunk;
      })(),
    );
  }
});

test('a tar: the small files of a turn come out as one chunk, a large file as its own chunks', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-archive-'));
  try {
    const writer = createArchiveWriter('.tar');
    const chunks: Buffer[] = [];
    // 'data' events, one per chunk handed on (an async iterator would join what is buffered).
    writer.output.on('data', (chunk: Buffer) => chunks.push(chunk));
    const read = new Promise((resolve) => writer.output.once('end', resolve));
    const small = Array.from({ length: 8 }, (_, index) => Buffer.alloc(1000 + index, index + 1));
    // As a peer's socket delivers a large file: chunks just under 64 KiB.
    const pieces = Array.from({ length: 4 }, (_, index) => Buffer.alloc(60_000, index + 20));
    const large = Buffer.concat(pieces);
    for (const [index, data] of small.entries())
      await writer.add(`s/${index}`, data.length, new MemoryBody(data), 1_700_000_000_000);
    await writer.add('large', large.length, Readable.from(pieces), 1_700_000_000_000);
    writer.finish();
    await read;
    // Eight headers, bodies and paddings, then the large file's header: one chunk; the large
    // file's chunks as they were given (not copied); its padding and the archive's end: one chunk.
    assert.deepEqual(
      chunks.map((chunk) => chunk.length),
      [8 * 1536 + 512, 60_000, 60_000, 60_000, 60_000, 128 + 1024],
    );
    for (const [index, piece] of pieces.entries()) assert.ok(chunks[index + 1]?.equals(piece));
    const out = join(dir, 'made.tar');
    writeFileSync(out, Buffer.concat(chunks));
    const extracted = join(dir, 'x');
    mkdirSync(extracted);
    execFileSync('tar', ['-xf', out, '-C', extracted]);
    for (const [index, data] of small.entries())
      assert.ok((await readFile(join(extracted, 's', String(index)))).equals(data));
    assert.ok((await readFile(join(extracted, 'large'))).equals(large));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
