// Reading one file of a large shard reads a bounded number of bytes, counted through the target's
// Disk seam: a plain tar by its shard index (built on the first read, kept across a restart, built
// on write by a PUT into the shard, never used once the shard is overwritten; a small file read
// again comes from the content cache, never once the shard changed), a `.tar.lz4` by its
// index of files and LZ4 blocks (built on the first read: the blocks that hold the file are read),
// a zip by its central directory.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, mkdtempSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Client } from '../../src/sdk/index.js';
import { FaultyDisk } from '../harness/faulty-disk.js';
import { InProcessCluster } from '../harness/in-process-target.js';

const bucket = { name: 'shards', provider: 'ais' };
const bigFiles = 12;
const bigBytes = 4 << 20;
const smallFiles = 1500;

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A big file's bytes (distinct per file). */
function bigFile(index: number): Buffer {
  return Buffer.alloc(bigBytes, index + 1);
}

/** Small files after the big ones; the last is the one read. */
function smallFile(index: number): Buffer {
  return Buffer.from(`sample ${index} `.repeat(20 + (index % 7)));
}

const lastName = `small/${String(smallFiles - 1).padStart(5, '0')}.txt`;

describe('reads of one file of a large shard', () => {
  let dir: string;
  let disk: FaultyDisk;
  let cluster: InProcessCluster;
  let client: Client;
  let tarPath: string;
  let zipPath: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-shardidx-'));
    const root = join(dir, 'files');
    const names: string[] = [];
    mkdirSync(join(root, 'big'), { recursive: true });
    mkdirSync(join(root, 'small'), { recursive: true });
    for (let index = 0; index < bigFiles; index += 1) {
      const name = `big/${index}.bin`;
      writeFileSync(join(root, name), bigFile(index));
      names.push(name);
    }
    for (let index = 0; index < smallFiles; index += 1) {
      const name = `small/${String(index).padStart(5, '0')}.txt`;
      writeFileSync(join(root, name), smallFile(index));
      names.push(name);
    }
    writeFileSync(join(dir, 'names'), names.join('\n'));
    tarPath = join(dir, 'large.tar');
    zipPath = join(dir, 'large.zip');
    execFileSync('tar', ['-cf', tarPath, '-C', root, '-T', join(dir, 'names')]);
    execFileSync('sh', ['-c', `zip -q -0 "${zipPath}" -@ < "${join(dir, 'names')}"`], {
      cwd: root,
    });
    disk = new FaultyDisk();
    cluster = await InProcessCluster.start(disk, 1);
    client = cluster.client();
    await client.createBucket(bucket);
  });
  after(async () => {
    await cluster?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  async function putFile(name: string, path: string): Promise<void> {
    const size = statSync(path).size;
    await client.putObject(bucket, name, { size, open: () => createReadStream(path) });
  }

  /** Reads `path` out of `shard`; returns the bytes and how many bytes the target read. */
  async function readCounted(shard: string, path: string): Promise<{ data: Buffer; read: number }> {
    const counter = disk.countReads(cluster.target.mountpaths[0] ?? '');
    try {
      const { body } = await client.getFromShard(bucket, shard, { path });
      return { data: await collect(body), read: counter.bytes };
    } finally {
      counter.remove();
    }
  }

  test('a plain tar: indexed on the first read, then read by range, also after a restart', async () => {
    const shardBytes = statSync(tarPath).size;
    await putFile('large.tar', tarPath);
    const first = await readCounted('large.tar', lastName);
    assert.ok(first.data.equals(smallFile(smallFiles - 1)));
    assert.ok(first.read >= shardBytes, 'the first read indexed the whole shard');

    const second = await readCounted('large.tar', lastName);
    assert.ok(second.data.equals(smallFile(smallFiles - 1)));
    // The file's bytes and a read-ahead chunk at most: nothing of the 48 MiB before it.
    assert.ok(second.read <= 128 * 1024, `indexed read read ${second.read} bytes`);
    const middle = await readCounted('large.tar', 'big/5.bin');
    assert.ok(middle.data.equals(bigFile(5)));
    assert.ok(middle.read <= bigBytes + 128 * 1024, `read ${middle.read} bytes`);

    // A restart forgets what was in memory: the index comes back from .sys-shardidx.
    await cluster.target.stop();
    await cluster.target.start(disk);
    await cluster.waitForTarget();
    const restarted = await readCounted('large.tar', lastName);
    assert.ok(restarted.data.equals(smallFile(smallFiles - 1)));
    assert.ok(restarted.read <= 1024 * 1024, `read ${restarted.read} bytes after a restart`);
    assert.ok(restarted.read < shardBytes / 20);
  });

  test('a plain tar whose index is in memory: one open of the shard a read, none again', async () => {
    await putFile('large.tar', tarPath);
    await readCounted('large.tar', lastName);
    // The shard's own file (not its index's, in .sys-shardidx).
    const shardFile = execFileSync('find', [
      cluster.target.mountpaths[0] ?? '',
      '-name',
      'large.tar',
    ])
      .toString()
      .split('\n')
      .find((path) => path !== '' && !path.includes('.sys-shardidx'));
    const opens = disk.inject({
      operations: ['open'],
      path: shardFile ?? '',
      fault: { delayMs: 0 },
    });
    try {
      // A small file read again comes from the content cache (kept by its read from disk); a
      // file larger than the cache keeps (1 MiB) is read from the shard each time.
      const reads: [string, number][] = [
        [lastName, 1],
        ['big/3.bin', 2],
        [lastName, 2],
        ['big/3.bin', 3],
      ];
      for (const [index, [name, opened]] of reads.entries()) {
        const read = await readCounted('large.tar', name);
        assert.ok(read.data.equals(name === lastName ? smallFile(smallFiles - 1) : bigFile(3)));
        assert.equal(opens.fired, opened, `opens of the shard after ${index + 1} reads`);
        if (index === 2) assert.equal(read.read, 0, 'read again: from memory');
      }
    } finally {
      opens.remove();
    }
  });

  test('a file put into the shard: indexed on write; an overwrite is never read by a stale index', async () => {
    const added = Buffer.from('appended into the shard');
    await client.putIntoShard(bucket, 'large.tar', 'added/one.txt', added, { mode: 'append' });
    const read = await readCounted('large.tar', 'added/one.txt');
    assert.ok(read.data.equals(added));
    assert.ok(read.read <= 128 * 1024, `read ${read.read} bytes after an append`);
    const old = await readCounted('large.tar', lastName);
    assert.ok(old.data.equals(smallFile(smallFiles - 1)));

    // The same name overwritten by a plain PUT of another tar: the old index no longer applies.
    const other = join(dir, 'other');
    mkdirSync(join(other, 'small'), { recursive: true });
    writeFileSync(join(other, lastName), 'replaced');
    const otherTar = join(dir, 'other.tar');
    execFileSync('tar', ['-cf', otherTar, '-C', other, lastName]);
    await putFile('large.tar', otherTar);
    const replaced = await readCounted('large.tar', lastName);
    assert.equal(replaced.data.toString(), 'replaced');
    await assert.rejects(client.getFromShard(bucket, 'large.tar', { path: 'added/one.txt' }), {
      status: 404,
    });
  });

  test('the one-read path never serves old bytes: the shard overwritten at its size, or appended to', async () => {
    // Three tars of the same size: the same names; in B the two files swapped places, in C the
    // files are where A has them with other bytes. A read by a stale index, record or range
    // would return A's bytes, or the other file's.
    const files = (first: string, second: string, fill: number): string => {
      const root = join(dir, `same-size-${first}`);
      mkdirSync(root, { recursive: true });
      writeFileSync(join(root, 'fill.bin'), Buffer.alloc(2 << 20, fill));
      writeFileSync(join(root, 'one.bin'), Buffer.alloc(8192, first));
      writeFileSync(join(root, 'two.bin'), Buffer.alloc(8192, second));
      return root;
    };
    const tarOf = (root: string, order: string[]): string => {
      const path = `${root}.tar`;
      execFileSync('tar', ['-cf', path, '-C', root, ...order]);
      return path;
    };
    const a = tarOf(files('A', 'a', 1), ['fill.bin', 'one.bin', 'two.bin']);
    const b = tarOf(files('B', 'b', 2), ['fill.bin', 'two.bin', 'one.bin']);
    const c = tarOf(files('C', 'c', 3), ['fill.bin', 'one.bin', 'two.bin']);
    assert.equal(statSync(b).size, statSync(a).size);
    assert.equal(statSync(c).size, statSync(a).size);
    const expectFile = async (path: string, letter: string): Promise<void> => {
      const { data } = await readCounted('same.tar', path);
      assert.ok(
        data.equals(Buffer.alloc(8192, letter)),
        `${path}: ${data.subarray(0, 8).toString()}`,
      );
    };
    await putFile('same.tar', a);
    await expectFile('one.bin', 'A');
    await expectFile('one.bin', 'A'); // index and record in memory: the one-read path
    // Read again: from the content cache, which kept the file's range (no byte from disk).
    const again = await readCounted('same.tar', 'one.bin');
    assert.ok(again.data.equals(Buffer.alloc(8192, 'A')));
    assert.equal(again.read, 0, `read again, ${again.read} bytes from disk`);
    await expectFile('two.bin', 'a');
    await expectFile('two.bin', 'a');
    await putFile('same.tar', b);
    await expectFile('one.bin', 'B');
    await expectFile('two.bin', 'b');
    await putFile('same.tar', c);
    await expectFile('one.bin', 'C');
    await expectFile('two.bin', 'c');
    await expectFile('one.bin', 'C'); // each from memory now
    await expectFile('two.bin', 'c');
    // Appended in place (the same file, longer): the old files where they were, the new one read.
    const added = Buffer.alloc(5000, 'N');
    await client.putIntoShard(bucket, 'same.tar', 'new.bin', added, { mode: 'append' });
    assert.ok((await readCounted('same.tar', 'new.bin')).data.equals(added));
    await expectFile('one.bin', 'C');
    await putFile('same.tar', a);
    await expectFile('two.bin', 'a');
    await assert.rejects(client.getFromShard(bucket, 'same.tar', { path: 'new.bin' }), {
      status: 404,
    });
  });

  test('a .tar.lz4 (the lz4 tool, 4 MiB blocks): indexed on the first read, then its blocks', async () => {
    // Incompressible big files first (the shared ones compress to nearly nothing), then the small.
    const root = join(dir, 'lz4-files');
    mkdirSync(join(root, 'random'), { recursive: true });
    for (let index = 0; index < 16; index += 1)
      writeFileSync(join(root, 'random', `${index}.bin`), randomBytes(1 << 20));
    const lastPath = join(root, lastName);
    mkdirSync(join(lastPath, '..'), { recursive: true });
    writeFileSync(lastPath, smallFile(smallFiles - 1));
    const tar = join(dir, 'random.tar');
    execFileSync('tar', ['-cf', tar, '-C', root, 'random', lastName]);
    const lz4Path = join(dir, 'large.tar.lz4');
    execFileSync('lz4', ['-q', '-f', tar, lz4Path]);
    const shardBytes = statSync(lz4Path).size;
    await putFile('large.tar.lz4', lz4Path);
    const first = await readCounted('large.tar.lz4', lastName);
    assert.ok(first.data.equals(smallFile(smallFiles - 1)));
    assert.ok(first.read >= shardBytes, 'the first read indexed the whole shard');
    const second = await readCounted('large.tar.lz4', lastName);
    assert.ok(second.data.equals(smallFile(smallFiles - 1)));
    // The block that holds the file (4 MiB at most) and a read-ahead chunk, not the blocks before.
    assert.ok(second.read <= (4 << 20) + 128 * 1024, `indexed read read ${second.read} bytes`);
    assert.ok(second.read < shardBytes / 3, `${second.read} of ${shardBytes} bytes`);
    await assert.rejects(client.getFromShard(bucket, 'large.tar.lz4', { path: 'none.txt' }), {
      status: 404,
    });
  });

  test('a zip: its central directory and the file, nothing of the files before it', async () => {
    await putFile('large.zip', zipPath);
    const read = await readCounted('large.zip', lastName);
    assert.ok(read.data.equals(smallFile(smallFiles - 1)));
    // The central directory (about 100 bytes a file) and a chunk or two per range read.
    assert.ok(read.read <= 1024 * 1024, `zip read read ${read.read} bytes`);
  });
});
