// Unit tests: the record store's memory accounting. Records fill at most recordsBudget of the
// job's `max_mem_usage` (the rest is for what the job holds besides them), files past it go to the spill file,
// and a file kept in memory is let go once read (each record goes into one output shard).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { MemoryBody } from '../util/streams/memory-body.js';
import { RecordStore, recordsBudget, type StoredFile } from './record-store.js';

const mib = 1 << 20;

async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

test('records get all of a budget but 128 MiB, and at least a third of it', () => {
  assert.equal(recordsBudget(200 * mib), 72 * mib);
  assert.equal(recordsBudget(1024 * mib), 896 * mib);
  assert.equal(recordsBudget(9 * 1024), 3 * 1024);
});

test('files past the records budget spill; a file in memory is let go once read', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-record-store-'));
  const store = new RecordStore(join(dir, 'job'), 12 * 1024); // 4 KiB for records
  try {
    const bodies = [0, 1, 2].map((seed) => Buffer.alloc(1500, seed + 1));
    const files: StoredFile[] = [];
    for (const [index, body] of bodies.entries())
      files.push(await store.storeFile(`f${index}`, body.length, new MemoryBody(body)));
    // 1500 + 1500 fit in 4 KiB, the third does not.
    assert.deepEqual(
      files.map((file) => ('memory' in file.placement ? 'memory' : 'spill')),
      ['memory', 'memory', 'spill'],
    );
    assert.equal(store.spilledFiles, 1);
    assert.equal(store.hasRoom(), true);
    for (const [index, file] of files.entries())
      assert.deepEqual(await readAll(store.open(file)), bodies[index]);
    // Read once: the memory is the reader's now, a second read has nothing to give.
    assert.deepEqual(files[0]?.placement, { taken: true });
    assert.throws(() => store.open(files[0] as StoredFile), /read already/);
    // A spilled file is read from disk each time.
    assert.deepEqual(await readAll(store.open(files[2] as StoredFile)), bodies[2]);
    // What was let go makes room again for records still to come.
    const later = await store.storeFile('f3', 3000, new MemoryBody(Buffer.alloc(3000, 9)));
    assert.equal('memory' in later.placement, true);
  } finally {
    await store.clear();
    await rm(dir, { recursive: true, force: true });
  }
});
