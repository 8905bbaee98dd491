// Shards made by the Debian tools (GNU tar, gzip, lz4, Info-ZIP) from a fixed set of sample files,
// for tests that read them back byte for byte; and a TAR stream parsed into its files.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import tarStream from 'tar-stream';

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
