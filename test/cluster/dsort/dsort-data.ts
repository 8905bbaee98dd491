// Input shards for the dSort tests: records of two files each (`<key>.bin` of seeded random bytes
// and `<key>.cls` holding a number), packed by GNU tar (and gzip for .tgz) into input shards;
// and output shards read back with the Debian tools (tar, gzip, unzip, lz4) into their files.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/**
 * `shardCount` shards of `perShard` records, keys `r-<n>` in a seeded random order, each record's
 * `.bin` file of `bodyBytes` (lowest, highest) random bytes.
 */
export function makeDataset(
  seed: number,
  shardCount: number,
  perShard: number,
  format: '.tar' | '.tgz',
  prefix = 'in-',
  bodyBytes: readonly [number, number] = [100, 3000],
): Dataset {
  const prng = new Prng(seed);
  const total = shardCount * perShard;
  const numbers = Array.from({ length: total }, (_, index) => index);
  for (let index = total - 1; index > 0; index -= 1) {
    const other = prng.int(0, index);
    [numbers[index], numbers[other]] = [numbers[other] ?? 0, numbers[index] ?? 0];
  }
  const dir = mkdtempSync(join(tmpdir(), 'cairn-dsort-data-'));
  const records: InputRecord[] = [];
  const shards = new Map<string, Buffer>();
  try {
    for (let shard = 0; shard < shardCount; shard += 1) {
      const name = `${prefix}${String(shard).padStart(3, '0')}${format}`;
      const root = join(dir, `s${shard}`);
      mkdirSync(join(root, 'd'), { recursive: true });
      const names: string[] = [];
      for (let index = 0; index < perShard; index += 1) {
        const number = numbers[shard * perShard + index] ?? 0;
        const key = `d/r-${String(number).padStart(6, '0')}`;
        const body = Buffer.from(
          Array.from({ length: prng.int(bodyBytes[0], bodyBytes[1]) }, () => prng.int(0, 255)),
        );
        const label = prng.int(0, 9);
        const files = { [`${key}.bin`]: body, [`${key}.cls`]: Buffer.from(String(label)) };
        for (const [file, data] of Object.entries(files)) {
          writeFileSync(join(root, file), data);
          names.push(file);
        }
        records.push({ key, shard: name, files, label });
      }
      const tar = join(dir, `s${shard}.tar`);
      execFileSync('tar', ['-cf', tar, '-C', root, ...names]);
      shards.set(name, format === '.tar' ? readFileSync(tar) : execFileSync('gzip', ['-c', tar]));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { records, shards };
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

/** The output shards of a bucket by name, each as its files in archive order. */
export async function readOutputs(
  client: Client,
  bucket: string,
  format: string,
): Promise<OutputShard[]> {
  const names: string[] = [];
  for await (const entry of client.listObjects({ name: bucket, provider: 'ais' }))
    names.push(entry.name);
  names.sort();
  const shards = [];
  for (const shard of names) {
    const data = await client.getObjectBytes({ name: bucket, provider: 'ais' }, shard);
    shards.push({ shard, files: readArchive(data, format) });
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
