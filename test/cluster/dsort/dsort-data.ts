// Input shards for the dSort tests: records of two files each (`<key>.bin` of seeded random bytes
// and `<key>.cls` holding a number), packed by GNU tar (and gzip for .tgz), or in memory, into
// input shards; and output shards read back with the Debian tools (tar, gzip, unzip, lz4).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tarStream from 'tar-stream';
import type { Client } from '../../../src/sdk/index.js';
import { Prng } from '../../harness/prng.js';

export interface InputRecord {
  key: string;
  shard: string;
  files: Record<string, Buffer>;
  /** The number in its `.cls` file. */
  label: number;
}

export interface Dataset {
  records: InputRecord[];
  /** Shard name → its bytes. */
  shards: Map<string, Buffer>;
}

export interface DatasetOptions {
  /** Lowest and highest size of a record's `.bin` file (default 100, 3000). */
  bodyBytes?: readonly [number, number];
  /**
   * `gnu-tar` (the default) writes every file to disk and packs each shard with GNU tar (and gzip
   * for .tgz); `tar-stream` packs `.tar` shards in memory (fast: no file per record).
   */
  packer?: 'gnu-tar' | 'tar-stream';
}

/**
 * `shardCount` shards `in-<nnn><format>` of `perShard` records, keys `r-<n>` in a seeded random
 * order.
 */
export async function makeDataset(
  seed: number,
  shardCount: number,
  perShard: number,
  format: '.tar' | '.tgz',
  options: DatasetOptions = {},
): Promise<Dataset> {
  const [lowest, highest] = options.bodyBytes ?? [100, 3000];
  const prng = new Prng(seed);
  const total = shardCount * perShard;
  const numbers = Array.from({ length: total }, (_, index) => index);
  for (let index = total - 1; index > 0; index -= 1) {
    const other = prng.int(0, index);
    [numbers[index], numbers[other]] = [numbers[other] ?? 0, numbers[index] ?? 0];
  }
  const records: InputRecord[] = [];
  const shards = new Map<string, Buffer>();
  for (let shard = 0; shard < shardCount; shard += 1) {
    const name = `in-${String(shard).padStart(3, '0')}${format}`;
    const files: Array<[string, Buffer]> = [];
    for (let index = 0; index < perShard; index += 1) {
      const number = numbers[shard * perShard + index] ?? 0;
      const key = `d/r-${String(number).padStart(6, '0')}`;
      const body = prng.fill(Buffer.allocUnsafe(prng.int(lowest, highest)));
      const label = prng.int(0, 9);
      const recordFiles = { [`${key}.bin`]: body, [`${key}.cls`]: Buffer.from(String(label)) };
      files.push(...Object.entries(recordFiles));
      records.push({ key, shard: name, files: recordFiles, label });
    }
    shards.set(
      name,
      options.packer === 'tar-stream' && format === '.tar'
        ? await packInMemory(files)
        : packWithGnuTar(files, format),
    );
  }
  return { records, shards };
}

function packWithGnuTar(files: ReadonlyArray<[string, Buffer]>, format: string): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-dsort-data-'));
  try {
    for (const [file, data] of files) {
      mkdirSync(join(dir, file, '..'), { recursive: true });
      writeFileSync(join(dir, file), data);
    }
    const tar = join(dir, 'shard.tar');
    execFileSync('tar', ['-cf', tar, '-C', dir, ...files.map(([file]) => file)]);
    return format === '.tar' ? readFileSync(tar) : execFileSync('gzip', ['-c', tar]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function packInMemory(files: ReadonlyArray<[string, Buffer]>): Promise<Buffer> {
  const pack = tarStream.pack();
  for (const [name, data] of files) pack.entry({ name, size: data.length }, data);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The files of an archive in archive order, as the Debian tools list and extract them. */
export function readArchive(data: Buffer, format: string): Array<{ name: string; data: Buffer }> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-dsort-out-'));
  try {
    const file = join(dir, `shard${format}`);
    writeFileSync(file, data);
    const out = join(dir, 'x');
    mkdirSync(out);
    let names: string[];
    if (format === '.zip') {
      names = execFileSync('zipinfo', ['-1', file]).toString().split('\n').filter(Boolean);
      execFileSync('unzip', ['-q', file, '-d', out]);
    } else {
      const tar = join(dir, 'plain.tar');
      if (format === '.tar.lz4') execFileSync('lz4', ['-q', '-d', '-f', file, tar]);
      else if (format === '.tgz') writeFileSync(tar, execFileSync('gzip', ['-dc', file]));
      else writeFileSync(tar, data);
      names = execFileSync('tar', ['-tf', tar]).toString().split('\n').filter(Boolean);
      execFileSync('tar', ['-xf', tar, '-C', out]);
    }
    return names.map((name) => ({ name, data: readFileSync(join(out, name)) }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every file of a dataset by name. */
export function filesOf(dataset: Dataset): Map<string, Buffer> {
  return new Map(dataset.records.flatMap((record) => Object.entries(record.files)));
}

export function keyOf(name: string): string {
  return name.replace(/\.[^./]*$/, '');
}

export interface OutputShard {
  shard: string;
  files: Array<{ name: string; data: Buffer }>;
}

/**
 * A `.tar`'s files as GNU tar reads them, without writing them to disk, in one pass: `tar -xvO`
 * prints the names (on stderr, as it does with -O) and the contents back to back (on stdout),
 * cut apart by the sizes the expected `files` have.
 */
export function readTarInMemory(
  data: Buffer,
  files: ReadonlyMap<string, Buffer>,
): OutputShard['files'] {
  const tar = spawnSync('tar', ['-xvOf', '-'], { input: data, maxBuffer: 1 << 30 });
  assert.equal(tar.status, 0, `tar failed: ${String(tar.stderr)}`);
  const names = tar.stderr.toString().split('\n').filter(Boolean);
  const content = tar.stdout;
  let offset = 0;
  const read = names.map((name) => {
    const size = files.get(name)?.length ?? 0;
    offset += size;
    return { name, data: content.subarray(offset - size, offset) };
  });
  assert.equal(offset, content.length, 'the shard holds other bytes than the files expected');
  return read;
}

/** The output shards of a bucket by name, each as its files in archive order. */
export async function readOutputs(
  client: Client,
  bucket: string,
  format: string,
  read: (data: Buffer) => OutputShard['files'] = (data) => readArchive(data, format),
): Promise<OutputShard[]> {
  const names: string[] = [];
  for await (const entry of client.listObjects({ name: bucket, provider: 'ais' }))
    names.push(entry.name);
  names.sort();
  const shards = [];
  for (const shard of names) {
    const data = await client.getObjectBytes({ name: bucket, provider: 'ais' }, shard);
    shards.push({ shard, files: read(data) });
  }
  return shards;
}

/**
 * Every input file exactly once, byte-identical, a record's files side by side; returns the
 * records' keys in output order.
 */
export function checkAllOnce(
  shards: readonly OutputShard[],
  dataset: Dataset,
  files: ReadonlyMap<string, Buffer>,
): string[] {
  const seen = new Set<string>();
  const keys: string[] = [];
  const placed = new Set<string>();
  for (const { shard, files: content } of shards) {
    for (const [index, file] of content.entries()) {
      assert.ok(!seen.has(file.name), `${file.name} twice (in ${shard})`);
      seen.add(file.name);
      assert.ok(files.get(file.name)?.equals(file.data), `${file.name} differs`);
      const key = keyOf(file.name);
      if (keys[keys.length - 1] !== key) {
        assert.ok(!placed.has(key), `${key}: files apart (in ${shard} at ${index})`);
        keys.push(key);
        placed.add(key);
      }
    }
  }
  assert.equal(seen.size, files.size);
  assert.equal(keys.length, dataset.records.length);
  return keys;
}
