// GetBatch (`/v1/ml/moss`) on a real cluster (1 gateway, 3 targets): objects, byte ranges and
// files of shards made by GNU tar, gzip, lz4 and Info-ZIP, gathered across the targets in request
// order, as TAR streams and multipart in every archive format, misses under `coer`, the in-flight
// bound, and a target killed mid-batch.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ListFlag, PlacementMap, type Client, type MossReqJson } from '../../src/sdk/index.js';
import { bytesOf, rawRequest, sendFollowing as send } from '../harness/raw-http.js';
import {
  sampleFiles,
  shardFormats,
  startShardsCluster,
  untar,
  type ShardsCluster,
} from '../harness/shard-files.js';
import type { TestCluster } from '../harness/test-cluster.js';
import { fetchClusterMap } from '../harness/placement.js';
import { waitFor } from '../harness/wait.js';

const bucket = { name: 'shards', provider: 'ais' };

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

describe('GetBatch on 3 targets', () => {
  let shards: ShardsCluster | undefined;
  let cluster: TestCluster;
  let client: Client;
  let gateway: string;
  let dir: string;

  before(async () => {
    shards = await startShardsCluster(bucket);
    ({ cluster, client, gateway, dir } = shards);
  });
  after(() => shards?.destroy());
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
        // Wrapped as Python's base64.encodebytes does: Go skips the line breaks, so do we.
        opaque: `${Buffer.from([0xfb, 0xff]).toString('base64')}\n`,
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
      // Node's base64 decoder would skip the bad characters and echo what is left; Go's is a 400.
      for (const opaque of ['!!!', 'QUJD!', 'QUJDR', 'QQ=A']) {
        const badOpaque = await send(gateway, 'GET', '/v1/ml/moss/shards', {
          body: JSON.stringify({ in: [{ objname: 'obj-1', opaque }], strm: true }),
        });
        assert.equal(badOpaque.status, 400, `${opaque}: ${badOpaque.body}`);
        assert.match(badOpaque.body, /in\[0\].*invalid opaque/);
      }
      const post = await rawRequest(gateway, 'POST', '/v1/ml/moss/shards', { body: '{}' });
      assert.equal(post.status, 405, post.body);
      // Through the gateway and straight to a target (each its own check): an item in a bucket
      // that does not exist after items in one that does, by name, provider or namespace, fails
      // the batch (each looks a bucket up once per run of items in it, not once per item).
      const target = cluster.targets[0]?.publicUrl ?? '';
      for (const node of [gateway, target])
        for (const other of [
          { bucket: 'no-such-bucket' },
          { bucket: 'shards', provider: 'aws' },
          { uname: 'ais/@#other-ns/shards/obj-1' },
        ]) {
          const late = await rawRequest(node, 'GET', '/v1/ml/moss/shards', {
            body: JSON.stringify({
              in: [{ objname: 'obj-1' }, { objname: 'obj-2' }, { objname: 'obj-1', ...other }],
              strm: true,
            }),
          });
          const what = `${node === gateway ? 'gateway' : 'target'} ${JSON.stringify(other)}`;
          assert.ok(late.status >= 400, `${what}: ${late.status}`);
          assert.match(late.body, /bucket/i, what);
        }
      // A malformed item is named by its index.
      const third = await rawRequest(target, 'GET', '/v1/ml/moss/shards', {
        body: JSON.stringify({ in: [{ objname: 'obj-1' }, { objname: 'obj-2' }, { objname: 7 }] }),
      });
      assert.equal(third.status, 400, third.body);
      assert.match(third.body, /GetBatch: in\[2\]: \\"objname\\" must be a string/);
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
