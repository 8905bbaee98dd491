// The downloader on a real cluster (1 gateway, 3 targets) from a local HTTP origin: one link (the
// bucket created on the way), a URL range template of 20 objects checked byte for byte and spread
// over the targets, a list of links and a map of names with an origin 404 reported per object,
// an MD5 the origin vouches for checked, a per-object timeout, abort, remove, the list with a
// regex, bad requests, and the CLI.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import type { Client, DownloadStatusJson, DownloadTaskJson } from '../../src/sdk/index.js';
import { cairnEntry } from '../harness/node-process.js';
import { rawRequest } from '../harness/raw-http.js';
import { TestCluster } from '../harness/test-cluster.js';
import { waitFor } from '../harness/wait.js';

const run = promisify(execFile);
const files = new Map<string, Buffer>();
for (let i = 1; i <= 30; i += 1)
  files.set(`f-${String(i).padStart(4, '0')}.bin`, randomBytes(1 + ((i * 7919) % 200_000)));
const md5 = (data: Buffer): string => createHash('md5').update(data).digest('base64');

/** The origin: `/data/<file>`, `/md5-good/<file>` and `/md5-bad/<file>` (with Content-MD5), `/slow/<file>` (1 KiB per 100 ms), `/hang/<x>` (never answers); anything else 404. */
function startOrigin(): Promise<{ server: Server; url: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const [, route = '', name = ''] = (req.url ?? '').split('/');
    const data = files.get(name.split('?')[0] ?? '');
    if (route === 'hang') return;
    if (data === undefined || !['data', 'md5-good', 'md5-bad', 'slow'].includes(route)) {
      res.writeHead(404).end('not here');
      return;
    }
    const headers: Record<string, string | number> = { 'content-length': data.length };
    if (route === 'md5-good') headers['content-md5'] = md5(data);
    if (route === 'md5-bad') headers['content-md5'] = md5(Buffer.from('other'));
    res.writeHead(200, headers);
    if (route !== 'slow') return res.end(data);
    let offset = 0;
    const timer = setInterval(() => {
      if (res.destroyed || offset >= data.length) {
        clearInterval(timer);
        res.end();
        return;
      }
      res.write(data.subarray(offset, offset + 1024));
      offset += 1024;
    }, 100);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `http://127.0.0.1:${port}`, requests });
    });
  });
}

describe('download', () => {
  let cluster: TestCluster;
  let client: Client;
  let origin: Awaited<ReturnType<typeof startOrigin>>;
  const bucket = { name: 'dl', provider: 'ais' };

  before(async () => {
    origin = await startOrigin();
    cluster = await TestCluster.start({ proxies: 1, targets: 3, mountpaths: 1 });
    client = cluster.client();
    await client.createBucket(bucket);
  });
  after(async () => {
    await cluster?.destroy();
    origin?.server.closeAllConnections();
    origin?.server.close();
  });

  const wait = (id: string): Promise<DownloadStatusJson> =>
    client.download.wait(id, { timeoutMs: 300_000 });

  test('one link: the object under its base name, in a bucket created for it', async () => {
    const auto = { name: 'dl-auto', provider: 'ais' };
    const id = await client.download.single(auto, `${origin.url}/data/f-0001.bin?token=x`);
    assert.match(id, /^dnl-/);
    const status = await wait(id);
    assert.equal(status.finished_cnt, 1);
    assert.equal(status.error_cnt, 0);
    assert.equal(status.total, 1);
    assert.equal(status.aborted, false);
    assert.deepEqual(await client.getObjectBytes(auto, 'f-0001.bin'), files.get('f-0001.bin'));
    const props = await client.headObject(auto, 'f-0001.bin');
    assert.equal(props.customMetadata.source, 'web');
    // Named explicitly.
    const named = await client.download.single(bucket, `${origin.url}/data/f-0002.bin`, {
      objectName: 'named/two.bin',
    });
    assert.equal((await wait(named)).finished_cnt, 1);
    assert.deepEqual(await client.getObjectBytes(bucket, 'named/two.bin'), files.get('f-0002.bin'));
  });

  test('a range template of 20 links: every object byte for byte, fetched by its owner', async () => {
    const id = await client.download.range(bucket, `${origin.url}/data/f-{0001..0020}.bin`, {
      subdir: 'range',
      description: 'range-of-twenty',
    });
    const status = await wait(id);
    assert.equal(status.finished_cnt, 20);
    assert.equal(status.scheduled_cnt, 20);
    assert.equal(status.total, 20);
    assert.equal(status.error_cnt, 0);
    assert.equal(status.all_dispatched, true);
    assert.equal(status.finished_tasks?.length, 20);
    assert.equal(status.download_errors, undefined);
    for (const [name, data] of [...files].slice(0, 20)) {
      const task: DownloadTaskJson | undefined = status.finished_tasks?.find(
        (entry) => entry.name === `range/${name}`,
      );
      assert.equal(task?.downloaded, String(data.length), name);
      assert.deepEqual(await client.getObjectBytes(bucket, `range/${name}`), data, name);
    }
    // Each target fetched its own: the job's objects are spread over more than one target.
    const snapshots = await client.jobs.snapshots({ id });
    const perTarget = Object.values(snapshots).map((list) =>
      list.reduce((sum, snapshot) => sum + Number(snapshot.stats['loc-objs']), 0),
    );
    assert.equal(
      perTarget.reduce((a, b) => a + b, 0),
      20,
    );
    assert.ok(perTarget.filter((count) => count > 0).length >= 2, String(perTarget));
    assert.equal((await client.jobs.status(id)).kind, 'download');
  });

  test('a list and a map of links; an origin 404 is that object error, the rest stored', async () => {
    const list = await client.download.multi(bucket, [
      `${origin.url}/data/f-0021.bin`,
      `${origin.url}/data/f-0022.bin`,
    ]);
    assert.equal((await wait(list)).finished_cnt, 2);
    assert.deepEqual(await client.getObjectBytes(bucket, 'f-0022.bin'), files.get('f-0022.bin'));
    const map = await client.download.multi(bucket, {
      'map/a': `${origin.url}/data/f-0023.bin`,
      'map/b': `${origin.url}/data/f-0024.bin`,
      'map/missing': `${origin.url}/nothing/here.bin`,
    });
    const status = await wait(map);
    assert.equal(status.finished_cnt, 2);
    assert.equal(status.error_cnt, 1);
    assert.equal(status.download_errors?.length, 1);
    assert.equal(status.download_errors?.[0]?.name, 'map/missing');
    assert.match(status.download_errors?.[0]?.error ?? '', /404/);
    assert.deepEqual(await client.getObjectBytes(bucket, 'map/b'), files.get('f-0024.bin'));
    await assert.rejects(
      client.headObject(bucket, 'map/missing'),
      (error: { status?: number }) => error.status === 404,
    );
  });

  test("the origin's Content-MD5 is checked: a mismatch stores nothing", async () => {
    const id = await client.download.multi(bucket, {
      'md5/good': `${origin.url}/md5-good/f-0025.bin`,
      'md5/bad': `${origin.url}/md5-bad/f-0026.bin`,
    });
    const status = await wait(id);
    assert.equal(status.finished_cnt, 1);
    assert.equal(status.download_errors?.[0]?.name, 'md5/bad');
    assert.match(status.download_errors?.[0]?.error ?? '', /checksum|md5/i);
    assert.deepEqual(await client.getObjectBytes(bucket, 'md5/good'), files.get('f-0025.bin'));
    await assert.rejects(
      client.headObject(bucket, 'md5/bad'),
      (error: { status?: number }) => error.status === 404,
    );
  });

  test('a per-object timeout fails that object, after the configured attempts', async () => {
    const before = origin.requests.filter((url) => url.startsWith('/hang/')).length;
    const id = await client.download.single(bucket, `${origin.url}/hang/x.bin`, {
      timeout: '1s',
    });
    const status = await wait(id);
    assert.equal(status.error_cnt, 1);
    assert.match(status.download_errors?.[0]?.error ?? '', /timed out after 1000 ms/);
    const attempts = origin.requests.filter((url) => url.startsWith('/hang/')).length - before;
    assert.equal(attempts, 3);
  });

  test('abort stops a job (what is done stays), remove forgets it; the list and its regex', async () => {
    const id = await client.download.range(bucket, `${origin.url}/slow/f-{0001..0010}.bin`, {
      subdir: 'slow',
      description: 'slow-abort',
      limits: { connections: 1 },
    });
    await waitFor('a slow object to be downloading', 60_000, async () => {
      const status = await client.download.status(id, { onlyActive: true });
      return (status.current_tasks ?? []).some((task) => Number(task.downloaded) > 0);
    });
    await assert.rejects(
      client.download.remove(id),
      (error: { status?: number; message: string }) =>
        error.status === 400 && /still running/.test(error.message),
    );
    const running = await client.download.list({ regex: 'slow-a', onlyActive: true });
    assert.deepEqual(
      running.map((job) => job.id),
      [id],
    );
    await client.download.abort(id);
    const status = await wait(id);
    assert.equal(status.aborted, true);
    assert.ok(status.finished_cnt < 10, String(status.finished_cnt));
    const all = await client.download.list();
    assert.ok(all.some((job) => job.id === id && job.aborted));
    assert.ok(all.some((job) => job.description === 'range-of-twenty'));
    assert.deepEqual(
      (await client.download.list({ regex: '^range-of' })).map((job) => job.description),
      ['range-of-twenty'],
    );
    await client.download.remove(id);
    await assert.rejects(
      client.download.status(id),
      (error: { status?: number }) => error.status === 404,
    );
    assert.ok((await client.download.list()).every((job) => job.id !== id));
    await assert.rejects(
      client.download.abort(id),
      (error: { status?: number }) => error.status === 404,
    );
  });

  test('bad requests: clear 4xx, nothing started', async () => {
    const url = cluster.primary.publicUrl;
    const post = (body: object): Promise<{ status: number; body: string }> =>
      rawRequest(url, 'POST', '/v1/download', { body: JSON.stringify(body) });
    const bad: Array<[object, RegExp]> = [
      [{ bucket }, /'type' field is empty/],
      [{ type: 'nope', bucket }, /supported formats/],
      [{ type: 'single', bucket }, /missing 'link'/],
      [{ type: 'single', link: `${origin.url}/data/f-0001.bin` }, /bucket/],
      [{ type: 'range', bucket, template: `${origin.url}/{9..1}` }, /cannot be greater/],
      [{ type: 'range', bucket, template: `${origin.url}/plain` }, /no range/],
      [{ type: 'multi', bucket, objects: 7 }, /map|array/],
      [{ type: 'single', bucket, link: 'ftp://x/y' }, /only http/],
      [{ type: 'single', bucket, link: `${origin.url}/a`, timeout: 'soon' }, /timeout/],
      [
        { type: 'single', bucket, link: `${origin.url}/a`, limits: { connections: -1 } },
        /non-negative/,
      ],
      [{ type: 'backend', bucket }, /requires a remote bucket/],
    ];
    for (const [body, message] of bad) {
      const answer = await post(body);
      assert.equal(answer.status, 400, `${JSON.stringify(body)}: ${answer.body}`);
      assert.match(answer.body, message, JSON.stringify(body));
    }
    const both = await rawRequest(url, 'GET', '/v1/download', {
      body: JSON.stringify({ id: 'dnl-x', regex: 'x' }),
    });
    assert.equal(both.status, 400);
    assert.match(both.body, /cannot be defined together/);
    const noId = await rawRequest(url, 'DELETE', '/v1/download/abort', { body: '{}' });
    assert.equal(noId.status, 400);
    assert.equal((await rawRequest(url, 'GET', '/v1/download?id=dnl-none')).status, 404);
  });

  test('CLI: download a link and follow it; a failed object makes it exit 1', async () => {
    const env = { ...process.env, CAIRN_ENDPOINT: cluster.primary.publicUrl };
    const { stdout } = await run(
      process.execPath,
      [cairnEntry, 'download', `${origin.url}/data/f-0027.bin`, 'ais://dl/cli/one.bin', '--wait'],
      { env },
    );
    assert.match(stdout.trim(), /^dnl-/);
    assert.deepEqual(await client.getObjectBytes(bucket, 'cli/one.bin'), files.get('f-0027.bin'));
    await assert.rejects(
      run(
        process.execPath,
        [cairnEntry, 'download', `${origin.url}/gone.bin`, 'ais://dl', '--wait'],
        {
          env,
        },
      ),
      (error: { code?: number; stderr?: string }) =>
        error.code === 1 && /failed gone\.bin/.test(error.stderr ?? ''),
    );
    const listed = await run(process.execPath, [cairnEntry, 'download', 'ls', '--regex', 'gone'], {
      env,
    });
    assert.match(listed.stdout, /gone\.bin/);
  });
});
