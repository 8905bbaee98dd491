// Appending to a plain tar in place on a real cluster (1 gateway, 2 targets): a shard made by GNU
// tar takes new files over its end-of-archive blocks — the same file on disk, a new version and
// checksum — and reads back byte for byte through GNU tar, `archpath` and ArchDir (its index holds
// the new files); a compressed tar is rewritten instead, as before. A shard's index goes when the
// shard is deleted or overwritten. Concurrent appends to one shard take turns.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListFlag, type Client } from '../../src/sdk/index.js';
import { filesOf, findFiles } from '../harness/disk.js';
import { bytesOf } from '../harness/raw-http.js';
import { makeShard, sampleFiles } from '../harness/shard-files.js';
import { TestCluster } from '../harness/test-cluster.js';

const bucket = { name: 'appends', provider: 'ais' };

describe('shards: appending to a tar in place', () => {
  let cluster: TestCluster;
  let client: Client;
  let dir: string;

  before(async () => {
    cluster = await TestCluster.start({ proxies: 1, targets: 2, mountpaths: 1 });
    client = cluster.client(0);
    await client.createBucket(bucket);
    dir = mkdtempSync(join(tmpdir(), 'cairn-shards-append-'));
  });
  after(async () => {
    await cluster?.destroy();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  /** The inode of the shard's one object file (the cluster stores it once: no mirror, no EC). */
  async function inodeOf(name: string): Promise<bigint> {
    const files = await filesOf(cluster.dir, '%ob', name);
    assert.equal(files.length, 1, `one replica of ${name}: ${files.join(', ')}`);
    return (await stat(files[0] ?? '', { bigint: true })).ino;
  }

  const read = async (shard: string, path: string): Promise<Buffer> =>
    await bytesOf((await client.getFromShard(bucket, shard, { path })).body);

  test('a GNU tar shard takes new files in place and stays a tar GNU tar reads', async () => {
    await client.putObject(bucket, 'gnu.tar', readFileSync(makeShard(dir, '.tar')));
    const before = await client.headObject(bucket, 'gnu.tar');
    // The first read builds the index the append uses to find the end of the last file.
    assert.deepEqual(await read('gnu.tar', 'a/000.cls'), sampleFiles['a/000.cls']);
    const inode = await inodeOf('gnu.tar');

    const added = Buffer.from(Array.from({ length: 9000 }, (_, i) => (i * 7) % 256));
    const longName = `deep/${'n'.repeat(120)}/sample.bin`;
    await client.putIntoShard(bucket, 'gnu.tar', 'new/1.bin', added, { mode: 'append' });
    await client.putIntoShard(bucket, 'gnu.tar', longName, 'pax', { mode: 'append-or-create' });

    assert.equal(await inodeOf('gnu.tar'), inode, 'appended in place, not rewritten');
    const after = await client.headObject(bucket, 'gnu.tar');
    assert.notEqual(after.checksum.value, before.checksum.value);
    assert.notEqual(after.size, before.size);
    if (before.version !== undefined)
      assert.equal(after.version, String(Number(before.version) + 2));

    // A whole GET verifies the stored checksum; GNU tar reads every file.
    const file = join(dir, 'got-gnu.tar');
    writeFileSync(file, await client.getObjectBytes(bucket, 'gnu.tar'));
    const listing = execFileSync('tar', ['-tf', file]).toString().trim().split('\n');
    assert.deepEqual(listing, [...Object.keys(sampleFiles), 'new/1.bin', longName]);
    assert.ok(execFileSync('tar', ['-xOf', file, 'new/1.bin']).equals(added));
    assert.equal(execFileSync('tar', ['-xOf', file, longName]).toString(), 'pax');
    assert.ok(execFileSync('tar', ['-xOf', file, 'a/001.jpg']).equals(sampleFiles['a/001.jpg']!));

    // Reads by the updated index: one file, and the listing with sizes.
    assert.ok((await read('gnu.tar', 'new/1.bin')).equals(added));
    assert.equal((await read('gnu.tar', longName)).toString(), 'pax');
    assert.ok((await read('gnu.tar', 'a/000.jpg')).equals(sampleFiles['a/000.jpg']!));
    const listed = await client.listObjectsPage(bucket, {
      flags: String(ListFlag.archDir),
      prefix: 'gnu.tar/',
    });
    const sizes = Object.fromEntries(listed.entries.map((entry) => [entry.name, entry.size]));
    assert.equal(sizes['gnu.tar/new/1.bin'], '9000');
    assert.equal(sizes[`gnu.tar/${longName}`], '3');
  });

  test('a shard Cairn wrote is appended to in place too', async () => {
    await client.putIntoShard(bucket, 'made.tar', 'first.txt', 'first');
    const inode = await inodeOf('made.tar');
    for (let i = 0; i < 5; i += 1)
      await client.putIntoShard(bucket, 'made.tar', `more/${i}.txt`, `more ${i}`, {
        mode: 'append',
      });
    assert.equal(await inodeOf('made.tar'), inode);
    const file = join(dir, 'got-made.tar');
    writeFileSync(file, await client.getObjectBytes(bucket, 'made.tar'));
    assert.deepEqual(execFileSync('tar', ['-tf', file]).toString().trim().split('\n'), [
      'first.txt',
      ...[0, 1, 2, 3, 4].map((i) => `more/${i}.txt`),
    ]);
    assert.equal((await read('made.tar', 'more/4.txt')).toString(), 'more 4');
  });

  test('a compressed tar is rewritten (a new file), with the same result', async () => {
    await client.putObject(bucket, 'gnu.tgz', readFileSync(makeShard(dir, '.tgz')));
    const inode = await inodeOf('gnu.tgz');
    await client.putIntoShard(bucket, 'gnu.tgz', 'new.txt', 'new', { mode: 'append' });
    assert.notEqual(await inodeOf('gnu.tgz'), inode);
    assert.equal((await read('gnu.tgz', 'new.txt')).toString(), 'new');
    assert.deepEqual(await read('gnu.tgz', 'a/000.cls'), sampleFiles['a/000.cls']);
  });

  test('concurrent appends to one shard all land: none refused, none dropped', async () => {
    // Each append reads the shard it extends: unserialized, the rewrite of a .tgz acknowledged
    // appends whose files a later commit dropped, and the in-place tar append refused most (409).
    for (const shard of ['busy.tgz', 'busy.tar']) {
      await client.putIntoShard(bucket, shard, 'first.txt', 'first', { mode: 'append-or-create' });
      const names = Array.from({ length: 12 }, (_, i) => `c/${i}.txt`);
      await Promise.all(
        names.map((name) => client.putIntoShard(bucket, shard, name, name, { mode: 'append' })),
      );
      const file = join(dir, `got-${shard}`);
      writeFileSync(file, await client.getObjectBytes(bucket, shard));
      const listing = execFileSync('tar', ['-tf', file]).toString().trim().split('\n');
      assert.deepEqual(listing.sort(), ['first.txt', ...names].sort(), shard);
    }
  });

  test('a tar with something other than zeros after its last file is rewritten, not damaged', async () => {
    // A directory member after the files: its header is where the end blocks would be.
    const root = join(dir, 'with-dir');
    execFileSync('mkdir', ['-p', join(root, 'f'), join(root, 'z-dir')]);
    writeFileSync(join(root, 'f', 'one.txt'), 'one');
    execFileSync('tar', ['-cf', join(dir, 'with-dir.tar'), '-C', root, 'f/one.txt', 'z-dir']);
    await client.putObject(bucket, 'dir.tar', readFileSync(join(dir, 'with-dir.tar')));
    const inode = await inodeOf('dir.tar');
    await client.putIntoShard(bucket, 'dir.tar', 'two.txt', 'two', { mode: 'append' });
    assert.notEqual(await inodeOf('dir.tar'), inode);
    const file = join(dir, 'got-dir.tar');
    writeFileSync(file, await client.getObjectBytes(bucket, 'dir.tar'));
    // The rewrite keeps the files (as every rewrite of a shard does) and adds the new one.
    const listing = execFileSync('tar', ['-tf', file]).toString().trim().split('\n');
    assert.deepEqual(listing, ['f/one.txt', 'two.txt']);
  });

  test('a shard index goes with its shard: deleted or overwritten', async () => {
    const indexFiles = async (shard: string): Promise<string[]> =>
      (await findFiles(cluster.dir, '%ob')).filter(
        (path) => path.includes('/.sys-shardidx/') && path.endsWith(`/${bucket.name}/${shard}`),
      );
    for (const shard of ['gone.tar', 'over.tar']) {
      await client.putObject(bucket, shard, readFileSync(makeShard(dir, '.tar')));
      assert.deepEqual(await read(shard, 'a/000.cls'), sampleFiles['a/000.cls']);
      assert.equal((await indexFiles(shard)).length, 1, `${shard} is indexed by its first read`);
    }
    await client.deleteObject(bucket, 'gone.tar');
    assert.deepEqual(await indexFiles('gone.tar'), []);
    await client.putObject(bucket, 'over.tar', readFileSync(makeShard(dir, '.tar')));
    assert.deepEqual(await indexFiles('over.tar'), []);
    // The next read indexes the new shard again.
    assert.deepEqual(await read('over.tar', 'a/000.cls'), sampleFiles['a/000.cls']);
    assert.equal((await indexFiles('over.tar')).length, 1);
  });
});
