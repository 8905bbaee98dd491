// Unit tests of the `.tar.lz4` block index: shards made by Debian's `lz4` (4 MiB and 64 KiB
// blocks, block checksums, compressible and incompressible data) are indexed in one pass; a file
// is then read by decoding only the blocks that hold it (the bytes read from the shard are
// counted); linked blocks (`-BD`) get no block table; the encoding keeps the table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import {
  decodeShardIndex,
  encodeShardIndex,
  indexLz4Tar,
  indexTar,
  openIndexedEntry,
  ShardIndex,
  type ArchiveSource,
} from './index.js';
import { makeShard } from '../../test/harness/shard-files.js';

const files: Record<string, Buffer> = {
  'big/0.bin': randomBytes(5 << 20),
  'big/1.txt': Buffer.alloc(6 << 20, 'compressible '),
  'big/2.bin': randomBytes(3 << 20),
  'small/last.txt': Buffer.from('the last file of the shard\n'),
};

/** Reads a file by range and counts the bytes handed out. */
function countingSource(path: string): ArchiveSource & { bytesRead: number } {
  const source = {
    size: statSync(path).size,
    bytesRead: 0,
    read(start: number, end: number): Promise<Readable> {
      source.bytesRead += end - start + 1;
      return Promise.resolve(createReadStream(path, { start, end }));
    },
  };
  return source;
}

async function text(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const identity = { size: 1, checksum: 'xxhash:1', version: '1', modifiedMs: 5 };

for (const options of [[], ['-B4'], ['-BX']]) {
  test(`lz4 ${options.join(' ') || '(defaults)'}: each file read from the blocks that hold it`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-lz4-'));
    try {
      const tarPath = makeShard(dir, '.tar', files);
      const path = join(dir, 'shard.tar.lz4');
      execFileSync('lz4', ['-q', '-f', ...options, tarPath, path]);
      const { entries, blocks } = await indexLz4Tar(createReadStream(path));
      assert.deepEqual(entries, await indexTar(createReadStream(tarPath)));
      assert.ok(blocks !== undefined && blocks.blocks.length > 1, 'independent blocks are indexed');
      assert.equal(blocks.tarSize, statSync(tarPath).size);
      const index = new ShardIndex(identity, entries, blocks);
      const decoded = await decodeShardIndex(Readable.from(encodeShardIndex(index)));
      assert.deepEqual(decoded?.blocks, blocks);
      for (const entry of entries) {
        const source = countingSource(path);
        const opened = await openIndexedEntry(source, entry, blocks);
        assert.ok((await text(opened.body)).equals(files[entry.name] as Buffer), entry.name);
        // The blocks spanning the file, at most one block more on either side.
        const blockBytes = options.includes('-B4') ? 64 << 10 : 4 << 20;
        assert.ok(
          source.bytesRead <= entry.size + 2 * (blockBytes + 64),
          `${entry.name}: ${source.bytesRead} bytes read`,
        );
      }
      const last = index.find('small/last.txt');
      assert.ok(last !== undefined);
      const source = countingSource(path);
      await text((await openIndexedEntry(source, last, blocks)).body);
      assert.ok(source.bytesRead < source.size / 3, `${source.bytesRead} of ${source.size}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('lz4 -BD (linked blocks): the files are indexed, the blocks are not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-lz4-'));
  try {
    const tarPath = makeShard(dir, '.tar', files);
    const path = join(dir, 'linked.tar.lz4');
    execFileSync('lz4', ['-q', '-f', '-BD', tarPath, path]);
    const { entries, blocks } = await indexLz4Tar(createReadStream(path));
    assert.equal(entries.length, Object.keys(files).length);
    assert.equal(blocks, undefined);
    const index = new ShardIndex(identity, entries, blocks);
    const decoded = await decodeShardIndex(Readable.from(encodeShardIndex(index)));
    assert.equal(decoded?.blocks, undefined);
    assert.equal(decoded?.entries.length, entries.length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bytes that are not LZ4 frames are refused (400)', async () => {
  await assert.rejects(indexLz4Tar(Readable.from([readFileSync(import.meta.filename)])), {
    code: 'BadRequest',
  });
});
