// Shards made by the Debian tools (GNU tar, gzip, lz4, Info-ZIP) from a fixed set of sample files,
// for tests that read them back byte for byte; a TAR stream parsed into its files; a cluster whose
// bucket holds one shard of every format.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import type { BucketJson, Client } from '../../src/sdk/index.js';
import { TestCluster } from './test-cluster.js';

export const shardFormats = ['.tar', '.tgz', '.tar.gz', '.zip', '.tar.lz4'] as const;
export type ShardFormat = (typeof shardFormats)[number];

/** WebDataset-style samples: two files of key `a/000`, one of `a/001`, an empty file. */
export const sampleFiles: Readonly<Record<string, Buffer>> = {
  'a/000.jpg': Buffer.alloc(70_000, 7),
  'a/000.cls': Buffer.from('cat'),
  'a/001.jpg': Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251)),
  'b/empty.txt': Buffer.alloc(0),
};

/** Writes `shard<format>` in `dir` holding `files` (default: the samples); returns its path. */
export function makeShard(
  dir: string,
  format: ShardFormat,
  files: Readonly<Record<string, Buffer>> = sampleFiles,
): string {
  const root = join(dir, `files${format}`);
  for (const [name, data] of Object.entries(files)) {
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), data);
  }
  const names = Object.keys(files);
  const out = join(dir, `shard${format}`);
  const tar = join(dir, `plain${format}.tar`);
  execFileSync('tar', ['-cf', tar, '-C', root, ...names]);
  if (format === '.tar') execFileSync('cp', [tar, out]);
  if (format === '.tgz' || format === '.tar.gz')
    writeFileSync(out, execFileSync('gzip', ['-c', tar], { maxBuffer: 1 << 28 }));
  if (format === '.tar.lz4') execFileSync('lz4', ['-q', '-f', tar, out]);
  if (format === '.zip') execFileSync('zip', ['-q', out, ...names], { cwd: root });
  return out;
}

/** The files of a TAR stream, in order. */
export async function untar(stream: Readable): Promise<{ name: string; data: Buffer }[]> {
  const extract = tarStream.extract();
  stream.pipe(extract);
  stream.once('error', (error) => extract.destroy(error));
  const files: { name: string; data: Buffer }[] = [];
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    files.push({ name: entry.header.name, data: Buffer.concat(chunks) });
  }
  return files;
}

/**
 * A cluster of 1 gateway and 3 targets (one mountpath each) whose `bucket` holds a shard of every
 * format, `s<ext>` (made in `dir`, a scratch directory the test may use too), and `plain.bin`,
 * not a shard. `destroy` stops the cluster and removes `dir`.
 */
export interface ShardsCluster {
  cluster: TestCluster;
  client: Client;
  gateway: string;
  dir: string;
  destroy(): Promise<void>;
}

export async function startShardsCluster(bucket: BucketJson): Promise<ShardsCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-shards-'));
  let cluster: TestCluster | undefined;
  const destroy = async (): Promise<void> => {
    await cluster?.destroy();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    cluster = await TestCluster.start({ proxies: 1, targets: 3, mountpaths: 1 });
    const client = cluster.client(0);
    await client.createBucket(bucket);
    for (const format of shardFormats)
      await client.putObject(bucket, `s${format}`, readFileSync(makeShard(dir, format)));
    await client.putObject(bucket, 'plain.bin', Buffer.from('not a shard'));
    return { cluster, client, gateway: cluster.primary.publicUrl, dir, destroy };
  } catch (error) {
    await destroy();
    throw error;
  }
}
