// Shards on a real cluster (1 gateway, 3 targets): shards made by GNU tar, gzip, lz4 and Info-ZIP
// in every format are PUT as objects, then read back byte for byte through the SDK and raw HTTP:
// one file (`archpath`), files by pattern (`archregx` + `archmode`, a TAR), ArchDir listings
// (paged, a prefix inside a shard) (GetBatch: get-batch.test.ts).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError, EntryFlag, ListFlag, type Client } from '../../src/sdk/index.js';
import { bytesOf, sendFollowing as send } from '../harness/raw-http.js';
import {
  sampleFiles,
  shardFormats,
  startShardsCluster,
  untar,
  type ShardsCluster,
} from '../harness/shard-files.js';

const bucket = { name: 'shards', provider: 'ais' };

describe('shards: archived files, archive listings', () => {
  let shards: ShardsCluster | undefined;
  let client: Client;
  let gateway: string;
  let dir: string;

  before(async () => {
    shards = await startShardsCluster(bucket);
    ({ client, gateway, dir } = shards);
  });
  after(() => shards?.destroy());

  for (const format of shardFormats) {
    test(`${format}: one file by archpath, through the SDK and raw HTTP`, async () => {
      for (const [name, data] of Object.entries(sampleFiles)) {
        const read = await client.getFromShard(bucket, `s${format}`, { path: name });
        assert.equal(read.contentType, 'application/octet-stream');
        assert.ok((await bytesOf(read.body)).equals(data), name);
      }
      const path = `/v1/objects/shards/s${format}?provider=ais&archpath=${encodeURIComponent(`/s${format}/a/001.jpg`)}`;
      const raw = await send(gateway, 'GET', path);
      assert.equal(raw.status, 200, raw.body);
      assert.equal(raw.headers['content-length'], String(sampleFiles['a/001.jpg']?.length));
      assert.ok(raw.bytes.equals(sampleFiles['a/001.jpg'] ?? Buffer.alloc(0)));
      const missing = await send(gateway, 'GET', `/v1/objects/shards/s${format}?archpath=a/none`);
      assert.equal(missing.status, 404, missing.body);
    });

    test(`${format}: files by archregx and archmode come back as a TAR`, async () => {
      const byKey = await client.getFromShard(bucket, `s${format}`, {
        regex: 'a/000',
        mode: 'wdskey',
      });
      assert.equal(byKey.contentType, 'application/x-tar');
      const files = await untar(byKey.body);
      assert.deepEqual(files.map((file) => file.name).sort(), ['a/000.cls', 'a/000.jpg']);
      for (const file of files)
        assert.ok(file.data.equals(sampleFiles[file.name] ?? Buffer.alloc(1)));
      const raw = await send(
        gateway,
        'GET',
        `/v1/objects/shards/s${format}?archregx=${encodeURIComponent('\\.jpg$')}&archmode=regexp`,
      );
      assert.equal(raw.status, 200, raw.body);
      const { Readable } = await import('node:stream');
      const jpgs = await untar(Readable.from([raw.bytes]));
      assert.deepEqual(jpgs.map((file) => file.name).sort(), ['a/000.jpg', 'a/001.jpg']);
      const none = await send(
        gateway,
        'GET',
        `/v1/objects/shards/s${format}?archregx=zzz&archmode=prefix`,
      );
      assert.equal(none.status, 404, none.body);
    });
  }

  test('archive reads refuse what AIStore refuses', async () => {
    const both = await send(gateway, 'GET', '/v1/objects/shards/s.tar?archpath=a&archmode=prefix');
    assert.equal(both.status, 400, both.body);
    const ranged = await send(gateway, 'GET', '/v1/objects/shards/s.tar?archpath=a/000.cls', {
      headers: { range: 'bytes=0-1' },
    });
    // ais/tgtobj.go: a range with archpath is a range error (ais-native-extras.md).
    assert.equal(ranged.status, 416, ranged.body);
    const badMode = await send(gateway, 'GET', '/v1/objects/shards/s.tar?archregx=a&archmode=glob');
    assert.equal(badMode.status, 400, badMode.body);
    await assert.rejects(
      client.getFromShard(bucket, 'plain.bin', { path: 'x' }),
      (error: unknown) => error instanceof ApiError && error.status === 400,
    );
    // Named a tar, not one: its index cannot be built, and that is the request's problem.
    await client.putObject(bucket, 'garbage.tar', Buffer.alloc(3000, 0x41));
    await assert.rejects(
      client.getFromShard(bucket, 'garbage.tar', { path: 'x' }),
      (error: unknown) => error instanceof ApiError && error.status === 400,
    );
    await client.deleteObject(bucket, 'garbage.tar');
  });

  test('ArchDir lists every shard with its files, paged, and a prefix inside a shard', async () => {
    const flags = String(ListFlag.archDir);
    const all: { name: string; size?: string; flags?: number }[] = [];
    for await (const entry of client.listObjects(bucket, { flags, pagesize: 3 })) all.push(entry);
    const names = all.map((entry) => entry.name);
    assert.deepEqual(names, [...names].sort());
    for (const format of shardFormats) {
      const shard = all.find((entry) => entry.name === `s${format}`);
      assert.ok(shard !== undefined && ((shard.flags ?? 0) & EntryFlag.isArchive) !== 0, format);
      for (const [name, data] of Object.entries(sampleFiles)) {
        const file = all.find((entry) => entry.name === `s${format}/${name}`);
        assert.ok(file !== undefined, `${format} ${name}`);
        assert.equal(file.size, String(data.length));
        assert.equal(
          (file.flags ?? 0) & (EntryFlag.inArchive | EntryFlag.isArchive),
          EntryFlag.inArchive,
        );
      }
    }
    assert.equal(all.length, 1 + shardFormats.length * (1 + Object.keys(sampleFiles).length));
    // Whatever the page size, a page boundary between `s.tar` and its files (which sort after
    // `s.tar.gz` and `s.tar.lz4` and theirs) loses nothing.
    for (const pagesize of [1, 2, 5]) {
      const paged: string[] = [];
      for await (const entry of client.listObjects(bucket, { flags, pagesize }))
        paged.push(entry.name);
      assert.deepEqual(paged, names, `page size ${pagesize}`);
    }
    const inside = await client.listObjectsPage(bucket, { flags, prefix: 's.zip/a/' });
    assert.deepEqual(inside.entries.map((entry) => entry.name).sort(), [
      's.zip/a/000.cls',
      's.zip/a/000.jpg',
      's.zip/a/001.jpg',
    ]);
    const plain = await client.listObjectsPage(bucket, {});
    assert.equal(plain.entries.length, 1 + shardFormats.length);
  });

  test('ArchDir lists a path a tar holds twice (tar -r) once, as GET by archpath serves it', async () => {
    const work = join(dir, 'twice');
    execFileSync('sh', [
      '-c',
      `mkdir -p "${work}" && cd "${work}" && printf one > x.txt && tar -cf d.tar x.txt && printf two2 > x.txt && tar -rf d.tar x.txt`,
    ]);
    await client.putObject(bucket, 'twice/d.tar', readFileSync(join(work, 'd.tar')));
    const page = await client.listObjectsPage(bucket, {
      flags: String(ListFlag.archDir),
      prefix: 'twice/',
    });
    assert.deepEqual(
      page.entries.map((entry) => [entry.name, entry.size]),
      [
        ['twice/d.tar', page.entries[0]?.size],
        ['twice/d.tar/x.txt', '3'],
      ],
    );
    const got = await client.getFromShard(bucket, 'twice/d.tar', { path: 'x.txt' });
    assert.equal((await bytesOf(got.body)).toString(), 'one');
    await client.deleteObject(bucket, 'twice/d.tar');
  });

  for (const format of shardFormats) {
    test(`${format}: PUT with archpath creates, appends, appends-or-creates`, async () => {
      const shard = `made${format}`;
      await client.putIntoShard(bucket, shard, 'x/1.txt', 'one');
      await client.putIntoShard(bucket, shard, 'x/2.bin', Buffer.alloc(3000, 2), {
        mode: 'append',
      });
      const raw = await send(gateway, 'PUT', `/v1/objects/shards/${shard}?archpath=x/3.txt`, {
        headers: { 'ais-pine': '2' },
        body: 'three',
      });
      assert.equal(raw.status, 200, raw.body);
      const read = async (path: string): Promise<string> =>
        (await bytesOf((await client.getFromShard(bucket, shard, { path })).body)).toString();
      assert.equal(await read('x/1.txt'), 'one');
      assert.equal(await read('x/2.bin'), '\u0002'.repeat(3000));
      assert.equal(await read('x/3.txt'), 'three');
      // The object is an archive the Debian tools read.
      const file = join(dir, `got-${shard}`);
      writeFileSync(file, await client.getObjectBytes(bucket, shard));
      const listing =
        format === '.zip'
          ? execFileSync('unzip', ['-Z1', file]).toString()
          : execFileSync('sh', [
              '-c',
              format === '.tar.lz4' ? `lz4 -dc "${file}" | tar -tf -` : `tar -tf "${file}"`,
            ]).toString();
      assert.deepEqual(listing.trim().split('\n'), ['x/1.txt', 'x/2.bin', 'x/3.txt']);
      // Create replaces the shard with one holding only the new file.
      await client.putIntoShard(bucket, shard, 'only.txt', 'only');
      const after = await client.listObjectsPage(bucket, {
        flags: String(ListFlag.archDir),
        prefix: `${shard}/`,
      });
      assert.deepEqual(
        after.entries.map((entry) => entry.name),
        [`${shard}/only.txt`],
      );
      const fresh = `fresh${format}`;
      await client.putIntoShard(bucket, fresh, 'f.txt', 'f', { mode: 'append-or-create' });
      assert.equal(
        (
          await bytesOf((await client.getFromShard(bucket, fresh, { path: 'f.txt' })).body)
        ).toString(),
        'f',
      );
    });
  }

  test('PUT into a shard refuses what AIStore refuses', async () => {
    await assert.rejects(
      client.putIntoShard(bucket, 'absent.tar', 'a', 'x', { mode: 'append' }),
      (error: unknown) => error instanceof ApiError && error.status === 404,
    );
    const empty = await send(gateway, 'PUT', '/v1/objects/shards/e.tar?archpath=a', { body: '' });
    assert.equal(empty.status, 400, empty.body);
    const badFlags = await send(gateway, 'PUT', '/v1/objects/shards/e.tar?archpath=a', {
      headers: { 'ais-pine': '7' },
      body: 'x',
    });
    assert.equal(badFlags.status, 400, badFlags.body);
    const noFormat = await send(gateway, 'PUT', '/v1/objects/shards/e.bin?archpath=a', {
      body: 'x',
    });
    assert.equal(noFormat.status, 400, noFormat.body);
  });
});
