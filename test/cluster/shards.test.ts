// Shards on a real cluster (1 gateway, 3 targets): shards made by GNU tar, gzip, lz4 and Info-ZIP
// in every format are PUT as objects, then read back byte for byte through the SDK and raw HTTP:
// one file (`archpath`), files by pattern (`archregx` + `archmode`, a TAR), ArchDir listings
// (paged, a prefix inside a shard); and GetBatch (`/v1/ml/moss`) across the targets.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApiError,
  EntryFlag,
  ListFlag,
  PlacementMap,
  type Client,
  type MossReqJson,
} from '../../src/sdk/index.js';
import { rawRequest, type RawResponse } from '../harness/raw-http.js';
import { makeShard, sampleFiles, shardFormats, untar } from '../harness/shard-files.js';
import { TestCluster } from '../harness/test-cluster.js';
import { fetchClusterMap } from '../harness/placement.js';
import { waitFor } from '../harness/wait.js';

const bucket = { name: 'shards', provider: 'ais' };

/** Follows 307s with the same method and body, as AIStore's clients do. */
async function send(
  base: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawResponse> {
  let url = new URL(path, base);
  for (let hop = 0; hop < 4; hop += 1) {
    const response = await rawRequest(url.origin, method, `${url.pathname}${url.search}`, options);
    if (response.status !== 307 && response.status !== 301) return response;
    url = new URL(String(response.headers.location));
  }
  throw new Error(`${method} ${path}: too many redirects`);
}

async function bytesOf(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A GetBatch sent straight to a target, its answer's headers received and its body not read. */
function openBatch(targetUrl: string, body: string): Promise<IncomingMessage> {
  const url = new URL(targetUrl);
  return new Promise<IncomingMessage>((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: 'GET',
        path: '/v1/ml/moss/shards',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      resolve,
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('shards: archived files, archive listings, GetBatch', () => {
  let cluster: TestCluster;
  let client: Client;
  let gateway: string;
  let dir: string;

  before(async () => {
    cluster = await TestCluster.start({ proxies: 1, targets: 3, mountpaths: 1 });
    client = cluster.client(0);
    gateway = cluster.primary.publicUrl;
    await client.createBucket(bucket);
    dir = mkdtempSync(join(tmpdir(), 'cairn-shards-'));
    for (const format of shardFormats)
      await client.putObject(bucket, `s${format}`, readFileSync(makeShard(dir, format)));
    await client.putObject(bucket, 'plain.bin', Buffer.from('not a shard'));
  });
  after(async () => {
    await cluster?.destroy();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

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

  describe('GetBatch', () => {
    const objects = new Map<string, Buffer>();
    before(async () => {
      for (let i = 0; i < 24; i += 1) {
        const data = Buffer.alloc(1000 + i * 37, i + 1);
        objects.set(`obj-${i}`, data);
        await client.putObject(bucket, `obj-${i}`, data);
      }
    });

    /** The request the tests send, and the files it must come back as (in order). */
    function batch(): { request: MossReqJson; expected: { name: string; data: Buffer }[] } {
      const request: MossReqJson = { in: [], strm: true, coer: true };
      const expected: { name: string; data: Buffer }[] = [];
      for (const [name, data] of objects) {
        request.in.push({ objname: name });
        expected.push({ name: `shards/${name}`, data });
      }
      request.in.push({ objname: 'obj-3', start: 10, length: 20 });
      expected.push({
        name: 'shards/obj-3',
        data: objects.get('obj-3')?.subarray(10, 30) ?? Buffer.alloc(0),
      });
      request.in.push({ objname: 'obj-5', start: 100, length: -1 });
      expected.push({
        name: 'shards/obj-5',
        data: objects.get('obj-5')?.subarray(100) ?? Buffer.alloc(0),
      });
      for (const format of shardFormats) {
        request.in.push({ objname: `s${format}`, archpath: 'a/001.jpg' });
        expected.push({
          name: `shards/s${format}/a/001.jpg`,
          data: sampleFiles['a/001.jpg'] ?? Buffer.alloc(0),
        });
      }
      request.in.push({ objname: 's.zip', archpath: 'a/000.jpg', start: 5, length: 10 });
      expected.push({
        name: 'shards/s.zip/a/000.jpg',
        data: sampleFiles['a/000.jpg']?.subarray(5, 15) ?? Buffer.alloc(0),
      });
      request.in.push({ objname: 'no-such-object' });
      expected.push({ name: '__404__/shards/no-such-object', data: Buffer.alloc(0) });
      request.in.push({ objname: 's.tar', archpath: 'no/such/file' });
      expected.push({ name: '__404__/shards/s.tar/no/such/file', data: Buffer.alloc(0) });
      return { request, expected };
    }

    /** The files of a batch's TAR are those expected, in order, byte for byte. */
    function assertFiles(
      files: { name: string; data: Buffer }[],
      expected: { name: string; data: Buffer }[],
    ): void {
      assert.deepEqual(
        files.map((file) => file.name),
        expected.map((file) => file.name),
      );
      files.forEach((file, index) =>
        assert.ok(file.data.equals(expected[index]?.data ?? Buffer.alloc(1)), file.name),
      );
    }

    test('objects, ranges, archived files and misses across 3 targets, in request order', async () => {
      const { request, expected } = batch();
      const answer = await client.getBatch(request, bucket);
      assert.equal(answer.contentType, 'application/x-tar');
      assertFiles(await untar(answer.body), expected);
    });

    test('objects from the content cache: the same bytes, and an overwrite seen at once', async () => {
      // The batch before read every object whole: the targets hold their bytes now (hits).
      const { request, expected } = batch();
      for (let round = 0; round < 2; round += 1)
        assertFiles(await untar((await client.getBatch(request, bucket)).body), expected);
      // Batches racing an overwrite get the old bytes or the new whole; once it is answered, the new.
      const name = 'obj-7';
      const old = objects.get(name) ?? Buffer.alloc(0);
      const fresh = Buffer.alloc(old.length + 5, 0xee);
      const single: MossReqJson = { in: [{ objname: name }], strm: true };
      const racing = Array.from({ length: 6 }, async () =>
        untar((await client.getBatch(single, bucket)).body),
      );
      await client.putObject(bucket, name, fresh);
      for (const files of await Promise.all(racing)) {
        const data = files[0]?.data ?? Buffer.alloc(0);
        assert.ok(data.equals(old) || data.equals(fresh), `${name}: ${data.length} bytes`);
      }
      objects.set(name, fresh);
      const overwritten = batch();
      for (let round = 0; round < 2; round += 1) {
        const answer = await client.getBatch(overwritten.request, bucket);
        assertFiles(await untar(answer.body), overwritten.expected);
      }
    });

    for (const mime of ['.tgz', '.tar.lz4', '.zip']) {
      test(`output as ${mime}, read by the Debian tools`, async () => {
        const { request, expected } = batch();
        // Misses are empty entries; the tools would extract those too, so leave them out here.
        request.in = request.in.slice(0, -2);
        const answer = await client.getBatch({ ...request, mime, onob: true }, bucket);
        const out = join(dir, `batch${mime}`);
        writeFileSync(out, await bytesOf(answer.body));
        const extracted = mkdtempSync(join(dir, 'x-'));
        if (mime === '.zip') execFileSync('unzip', ['-q', '-o', out, '-d', extracted]);
        else if (mime === '.tar.lz4')
          execFileSync('sh', ['-c', `lz4 -dc "${out}" | tar -xf - -C "${extracted}"`]);
        else execFileSync('tar', ['-xzf', out, '-C', extracted]);
        // A name given twice (a range after the whole object) is extracted last-wins.
        const last = new Map(
          expected.slice(0, -2).map((file) => [file.name.slice('shards/'.length), file.data]),
        );
        for (const [name, data] of last)
          assert.ok(readFileSync(join(extracted, name)).equals(data), name);
      });
    }

    for (const format of ['.tar', '.zip', '.tar.lz4']) {
      test(`the archive job builds a ${format} shard from objects across targets`, async () => {
        const other = { name: 'shards-out', provider: 'ais' };
        if (format === '.tar') await client.createBucket(other);
        const byTemplate = await client.jobs.archive(bucket, {
          archname: `built${format}`,
          template: 'obj-{0..3}',
          tobck: other,
          isbn: true,
        });
        await client.jobs.wait(byTemplate, { timeoutMs: 120_000 });
        const listed = await client.jobs.archive(bucket, {
          archname: `listed${format}`,
          objnames: ['obj-7', 'missing', 'obj-8'],
          coer: true,
        });
        await client.jobs.wait(listed, { timeoutMs: 120_000 });
        const file = join(dir, `built${format}`);
        writeFileSync(file, await client.getObjectBytes(other, `built${format}`));
        const extracted = mkdtempSync(join(dir, 'built-'));
        if (format === '.zip') execFileSync('unzip', ['-q', file, '-d', extracted]);
        else if (format === '.tar.lz4')
          execFileSync('sh', ['-c', `lz4 -dc "${file}" | tar -xf - -C "${extracted}"`]);
        else execFileSync('tar', ['-xf', file, '-C', extracted]);
        for (let i = 0; i <= 3; i += 1)
          assert.ok(
            readFileSync(join(extracted, 'shards', `obj-${i}`)).equals(
              objects.get(`obj-${i}`) ?? Buffer.alloc(1),
            ),
          );
        const page = await client.listObjectsPage(bucket, {
          flags: String(ListFlag.archDir),
          prefix: `listed${format}/`,
        });
        assert.deepEqual(
          page.entries.map((entry) => entry.name),
          [`listed${format}/obj-7`, `listed${format}/obj-8`],
        );
      });
    }

    test('the archive job with aate appends to the shard, which stays indexed', async () => {
      for (const [names, aate] of [
        [['obj-1', 'obj-2'], false],
        [['obj-3'], true],
      ] as const) {
        const id = await client.jobs.archive(bucket, {
          archname: 'grown.tar',
          objnames: [...names],
          ...(aate ? { aate } : {}),
        });
        await client.jobs.wait(id, { timeoutMs: 120_000 });
      }
      const files = await untar((await client.getObject(bucket, 'grown.tar')).body);
      assert.deepEqual(
        files.map((file) => file.name),
        ['obj-1', 'obj-2', 'obj-3'],
      );
      const { body } = await client.getFromShard(bucket, 'grown.tar', { path: 'obj-3' });
      assert.ok((await bytesOf(body)).equals(objects.get('obj-3') ?? Buffer.alloc(1)));
      // aate onto a shard that is not there yet creates it.
      const fresh = await client.jobs.archive(bucket, {
        archname: 'fresh.tar',
        objnames: ['obj-4'],
        aate: true,
      });
      await client.jobs.wait(fresh, { timeoutMs: 120_000 });
      const made = await client.getFromShard(bucket, 'fresh.tar', { path: 'obj-4' });
      assert.ok((await bytesOf(made.body)).equals(objects.get('obj-4') ?? Buffer.alloc(1)));
    });

    test('the archive job selects a prefix (non-recurs) or the whole bucket across targets', async () => {
      const source = { name: 'prefixed', provider: 'ais' };
      await client.createBucket(source);
      const names = ['d/a', 'd/b', 'd/sub/c', 'e/x', 'top'];
      for (const name of names)
        await client.putObject(source, name, Buffer.from(`data of ${name}`));
      const archived = async (
        archname: string,
        value: { template?: string; 'non-recurs'?: boolean },
      ): Promise<string[]> => {
        const id = await client.jobs.archive(source, { archname, ...value });
        await client.jobs.wait(id, { timeoutMs: 120_000 });
        const files = await untar((await client.getObject(source, archname)).body);
        for (const file of files) assert.equal(file.data.toString(), `data of ${file.name}`);
        return files.map((file) => file.name);
      };
      // The whole bucket: every object, in name order, but not the shard itself.
      assert.deepEqual(await archived('whole.tar', { template: '' }), names);
      assert.deepEqual(await archived('p1.tar', { template: 'd/' }), ['d/a', 'd/b', 'd/sub/c']);
      assert.deepEqual(await archived('p2.tar', { template: 'd/*', 'non-recurs': true }), [
        'd/a',
        'd/b',
      ]);
    });

    test('the archive job refuses a bad name', async () => {
      const bad = await send(gateway, 'PUT', '/v1/buckets/shards', {
        body: JSON.stringify({
          action: 'archive',
          value: { archname: 'x.rar', objnames: ['obj-1'] },
        }),
      });
      assert.equal(bad.status, 400, bad.body);
    });

    test('multipart answer (strm false): metadata (sizes, misses, opaque) then the archive', async () => {
      const { request, expected } = batch();
      request.strm = false;
      request.in[0] = {
        ...request.in[0],
        objname: 'obj-0',
        opaque: Buffer.from('ctx-0').toString('base64url'),
      };
      request.in[1] = {
        ...request.in[1],
        objname: 'obj-1',
        opaque: Buffer.from([0xfb, 0xff]).toString('base64'),
      };
      const answer = await client.getBatch(request, bucket);
      const metadata = answer.metadata;
      assert.ok(metadata !== undefined);
      assert.ok(metadata.uuid !== '');
      assert.equal(metadata.out.length, expected.length);
      metadata.out.forEach((out, index) => {
        const item = request.in[index];
        assert.equal(out.objname, item?.objname);
        assert.equal(out.bucket, 'shards');
        assert.equal(out.provider, 'ais');
        assert.equal(out.size, expected[index]?.data.length, out.objname);
        assert.equal(out.archpath, item?.archpath);
      });
      assert.equal(metadata.out[0]?.opaque, Buffer.from('ctx-0').toString('base64'));
      assert.equal(metadata.out[1]?.opaque, Buffer.from([0xfb, 0xff]).toString('base64'));
      const misses = metadata.out.filter((out) => out.err_msg !== undefined);
      assert.deepEqual(
        misses.map((out) => out.objname),
        ['no-such-object', 's.tar'],
      );
      const files = await untar(answer.body);
      assert.deepEqual(
        files.map((file) => file.name),
        expected.map((file) => file.name),
      );
      files.forEach((file, index) =>
        assert.ok(file.data.equals(expected[index]?.data ?? Buffer.alloc(1)), file.name),
      );

      // On the wire: the gateway redirects to `.../<xid>/<wid>/<nat>`; Go's multipart framing.
      const body = JSON.stringify({ in: [{ objname: 'obj-2' }], mime: '.tar' });
      const first = await rawRequest(gateway, 'GET', '/v1/ml/moss/shards', { body });
      assert.equal(first.status, 307, first.body);
      const location = new URL(String(first.headers.location));
      const [xid] = location.pathname.split('/').slice(-3);
      assert.match(location.pathname, /^\/v1\/ml\/moss\/shards\/\w+\/\w+\/3$/);
      const raw = await send(gateway, 'GET', '/v1/ml/moss/shards', { body });
      const contentType = String(raw.headers['content-type']);
      const boundary = /^multipart\/mixed; boundary=(\S+)$/.exec(contentType)?.[1];
      assert.ok(boundary !== undefined, contentType);
      const text = raw.bytes.toString('latin1');
      assert.ok(
        text.startsWith(
          `--${boundary}\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n{`,
        ),
      );
      assert.match(
        text,
        /Content-Disposition: form-data; name="archive"; filename="get-batch\[\w+\]"\r\nContent-Type: application\/octet-stream\r\n\r\n/,
      );
      assert.ok(text.endsWith(`\r\n--${boundary}--\r\n`));
      assert.ok(xid !== undefined && xid !== '');
    });

    test('a target over its limit of batches in progress answers 429', async () => {
      await client.putObject(bucket, 'slow', Buffer.alloc(24 << 20, 3));
      const placement = new PlacementMap(await fetchClusterMap(gateway));
      const ownerId = placement.owner(bucket, 'slow')?.daemon_id;
      const owner = cluster.targets.find((node) => node.id === ownerId);
      assert.ok(owner !== undefined);
      const body = JSON.stringify({ in: [{ objname: 'slow' }], strm: true });
      // Unread answers stay in progress (the target waits on the socket): 16 fill the target.
      const held: IncomingMessage[] = [];
      try {
        for (let index = 0; index < 16; index += 1)
          held.push(await openBatch(owner.publicUrl, body));
        assert.ok(held.every((response) => response.statusCode === 200));
        const over = await rawRequest(owner.publicUrl, 'GET', '/v1/ml/moss/shards', { body });
        assert.equal(over.status, 429, over.body);
        assert.match(over.body, /try again later/);
      } finally {
        for (const response of held) response.destroy();
      }
      // Once they are gone, batches are served again.
      await waitFor('batches admitted again', 60_000, async () => {
        const again = await send(gateway, 'GET', '/v1/ml/moss/shards', {
          body: JSON.stringify({ in: [{ objname: 'obj-1' }], strm: true }),
        });
        return again.status === 200;
      });
    });

    test('raw HTTP through the gateway: a 307 to a target, the body re-sent', async () => {
      const body = JSON.stringify({
        in: [
          { objname: 'obj-1', bucket: 'shards' },
          { ObjName: 'obj-2', Bucket: 'shards' },
        ],
        strm: true,
      });
      const first = await rawRequest(gateway, 'GET', '/v1/ml/moss', {
        body,
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(first.status, 307, first.body);
      assert.match(String(first.headers.location), /[?&]tid=/);
      const answer = await send(gateway, 'GET', '/v1/ml/moss', {
        body,
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(answer.status, 200, answer.body);
      const { Readable } = await import('node:stream');
      const files = await untar(Readable.from([answer.bytes]));
      assert.deepEqual(
        files.map((file) => file.name),
        ['shards/obj-1', 'shards/obj-2'],
      );
      assert.ok(files[1]?.data.equals(objects.get('obj-2') ?? Buffer.alloc(1)));
    });

    test('coloc 1 and 2 pick the owner of most items; coloc 2 (shards opened once) answers as 0', async () => {
      const placement = new PlacementMap(await fetchClusterMap(gateway));
      const ownerOf = (name: string): string => placement.owner(bucket, name)?.daemon_id ?? '';
      const names = [...objects.keys()];
      const counts = new Map<string, number>();
      for (const name of names) counts.set(ownerOf(name), (counts.get(ownerOf(name)) ?? 0) + 1);
      const [most] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0] ?? [''];
      const mine = names.filter((name) => ownerOf(name) === most);
      const others = names.filter((name) => ownerOf(name) !== most).slice(0, mine.length - 1);
      // The first item is another target's: the designated target is chosen over all items.
      const ordered = [others[0] ?? '', ...mine, ...others.slice(1)];
      const body = JSON.stringify({ in: ordered.map((objname) => ({ objname })), strm: true });
      for (const coloc of [1, 2]) {
        const redirect = await rawRequest(gateway, 'GET', `/v1/ml/moss/shards?coloc=${coloc}`, {
          body,
          headers: { 'content-type': 'application/json' },
        });
        assert.equal(redirect.status, 307, redirect.body);
        const location = new URL(String(redirect.headers.location));
        assert.equal(location.searchParams.get('tid'), most, `coloc ${coloc}`);
      }
      // Many files of the same shards (on every target), with misses: the answer of coloc 0.
      const { request } = batch();
      for (const format of shardFormats)
        for (const path of ['a/000.cls', 'a/000.jpg', 'no/such', 'b/empty.txt'])
          request.in.push({ objname: `s${format}`, archpath: path });
      request.in.push({ objname: 'no-such.tar', archpath: 'a/000.cls' });
      const plain = await untar((await client.getBatch({ ...request, coloc: 0 }, bucket)).body);
      const reused = await untar((await client.getBatch({ ...request, coloc: 2 }, bucket)).body);
      assert.equal(reused.length, request.in.length);
      assert.deepEqual(
        reused.map((file) => file.name),
        plain.map((file) => file.name),
      );
      reused.forEach((file, index) =>
        assert.ok(file.data.equals(plain[index]?.data ?? Buffer.alloc(1)), file.name),
      );
      const multipart = await client.getBatch({ ...request, coloc: 2, strm: false }, bucket);
      assert.equal((await untar(multipart.body)).length, request.in.length);
      const invalid = await send(gateway, 'GET', '/v1/ml/moss/shards?coloc=3', {
        body: JSON.stringify({ in: [{ objname: 'obj-1' }] }),
      });
      assert.equal(invalid.status, 400, invalid.body);
    });

    test('without coer a miss fails the request (either answer); bad requests 400/405', async () => {
      const miss = await send(gateway, 'GET', '/v1/ml/moss/shards', {
        body: JSON.stringify({ in: [{ objname: 'no-such-object' }], strm: true }),
      });
      assert.equal(miss.status, 404, miss.body);
      const multipart = await send(gateway, 'GET', '/v1/ml/moss/shards', {
        body: JSON.stringify({ in: [{ objname: 'obj-1' }, { objname: 'no-such-object' }] }),
      });
      assert.equal(multipart.status, 404, multipart.body);
      const empty = await send(gateway, 'GET', '/v1/ml/moss/shards', {
        body: JSON.stringify({ in: [] }),
      });
      assert.equal(empty.status, 400, empty.body);
      const badRange = await send(gateway, 'GET', '/v1/ml/moss/shards', {
        body: JSON.stringify({ in: [{ objname: 'obj-1', start: 5, length: 0 }], strm: true }),
      });
      assert.equal(badRange.status, 400, badRange.body);
      const post = await rawRequest(gateway, 'POST', '/v1/ml/moss/shards', { body: '{}' });
      assert.equal(post.status, 405, post.body);
    });
  });
  // Last: it kills a target.
  test('a target killed during a GetBatch: the answer fails, never a complete-looking TAR', async () => {
    const big = Buffer.alloc(48 * 1024 * 1024, 9);
    await client.putObject(bucket, 'big', big);
    const placement = new PlacementMap(await fetchClusterMap(gateway));
    const ownerId = placement.owner(bucket, 'big')?.daemon_id;
    const owner = cluster.targets.find((node) => node.id === ownerId);
    const designated = cluster.targets.find((node) => node.id !== ownerId);
    assert.ok(owner !== undefined && designated !== undefined);
    const body = JSON.stringify({ in: [{ objname: 'obj-1' }, { objname: 'big' }], strm: true });
    const response = await openBatch(designated.publicUrl, body);
    assert.equal(response.statusCode, 200);
    let received = 0;
    let killed = false;
    await assert.rejects(async () => {
      for await (const chunk of response) {
        received += (chunk as Buffer).length;
        if (!killed) {
          killed = true;
          await owner.stop('SIGKILL');
        }
      }
    });
    assert.ok(killed && received < big.length, `received ${received}`);
  });
});
