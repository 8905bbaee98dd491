// ht:// buckets on a real cluster (1 gateway, 2 targets) in front of a plain Node HTTP server (the
// origin, on a port the system picks): cold GET through the origin and warm GETs after it, HEAD of
// an object not cached, ranges, nested names, the listing of what the cluster holds, 404 for what
// the origin lacks, PUT refused, evict, a bucket without an origin refused, AIStore's `original_url`
// query, and the origin down.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Client } from '../../src/sdk/index.js';
import { EntryFlag, type BucketJson } from '../../src/wire/index.js';
import { TestCluster } from '../harness/test-cluster.js';
import { waitFor } from '../harness/wait.js';

const bucket: BucketJson = { name: 'dataset', provider: 'ht' };

/** Files under `/data/`, with the GETs each got. */
class Origin {
  readonly files = new Map<string, Buffer>();
  readonly gets = new Map<string, number>();
  #server: Server | undefined;
  port = 0;

  async start(): Promise<void> {
    const server = createServer((request, response) => {
      const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
      response.on('error', () => undefined);
      if (path === '/data/' || path === '/data') {
        response.writeHead(200, { 'content-type': 'text/html' }).end('index');
        return;
      }
      const body = path.startsWith('/data/') ? this.files.get(path.slice(6)) : undefined;
      if (body === undefined) {
        response.writeHead(404).end('not here');
        return;
      }
      const headers = {
        etag: `"${createHash('md5').update(body).digest('hex')}"`,
        'last-modified': new Date(Date.UTC(2025, 0, 2)).toUTCString(),
      };
      if (request.method === 'HEAD') {
        response.writeHead(200, { ...headers, 'content-length': body.length }).end();
        return;
      }
      this.gets.set(path.slice(6), (this.gets.get(path.slice(6)) ?? 0) + 1);
      const range = /^bytes=(\d+)-(\d+)$/.exec(request.headers.range ?? '');
      if (range !== null) {
        const [start, end] = [Number(range[1]), Number(range[2])];
        response.writeHead(206, {
          ...headers,
          'content-range': `bytes ${start}-${end}/${body.length}`,
          'content-length': end - start + 1,
        });
        response.end(body.subarray(start, end + 1));
        return;
      }
      response.writeHead(200, { ...headers, 'content-length': body.length }).end(body);
    });
    this.#server = server;
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('ht:// buckets (an HTTP origin)', () => {
  const origin = new Origin();
  let cluster: TestCluster;
  let client: Client;

  before(async () => {
    await origin.start();
    origin.files.set('a.bin', randomBytes(300 * 1024));
    origin.files.set('b.bin', randomBytes(70 * 1024));
    origin.files.set('dir/c d.txt', Buffer.from('nested name with a space\n'));
    origin.files.set('range.bin', randomBytes(200 * 1024));
    origin.files.set('down.bin', randomBytes(1024));
    cluster = await TestCluster.start({
      proxies: 1,
      targets: 2,
      mountpaths: 1,
      config: { 'backend.request_timeout_ms': 3000 },
    });
    client = cluster.client(0);
    await client.createBucket(bucket, {
      extra: { http: { original_url: `http://127.0.0.1:${origin.port}/data/` } },
    });
  });
  after(async () => {
    await cluster?.destroy();
    await origin.stop();
  });

  function url(name: string, query = ''): string {
    const path = name.split('/').map(encodeURIComponent).join('/');
    return `${cluster.primary.publicUrl}/v1/objects/${bucket.name}/${path}?provider=ht${query}`;
  }

  async function cached(name: string): Promise<boolean> {
    const head = await fetch(url(name, '&presence=1'), { method: 'HEAD' });
    return head.status === 200;
  }

  test('a cold GET fetches from the origin once; later GETs are local', async () => {
    const body = origin.files.get('a.bin');
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const bytes = await client.getObjectBytes(bucket, 'a.bin');
      assert.ok(bytes.equals(body ?? Buffer.alloc(0)), `GET ${attempt}: bytes`);
      await waitFor('a.bin cached', 10_000, () => cached('a.bin'));
    }
    assert.equal(origin.gets.get('a.bin'), 1, 'one GET reached the origin');
    const nested = await client.getObjectBytes(bucket, 'dir/c d.txt');
    assert.equal(nested.toString(), 'nested name with a space\n');
  });

  test('HEAD of an object not cached describes it from the origin, without fetching it', async () => {
    const head = await fetch(url('b.bin'), { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('ais-size') ?? head.headers.get('content-length'), '71680');
    assert.equal(origin.gets.get('b.bin'), undefined, 'no GET');
    assert.equal(await cached('b.bin'), false);
  });

  test('a ranged GET is answered from the whole object, then cached', async () => {
    const response = await fetch(url('range.bin'), { headers: { range: 'bytes=1000-1999' } });
    assert.equal(response.status, 206);
    const bytes = Buffer.from(await response.arrayBuffer());
    assert.ok(bytes.equals(origin.files.get('range.bin')?.subarray(1000, 2000) ?? Buffer.alloc(0)));
    await waitFor('range.bin cached', 10_000, () => cached('range.bin'));
  });

  test('the listing is what the cluster holds (an origin cannot be listed)', async () => {
    const page = await client.listObjectsPage(bucket, { props: 'name,size' });
    const names = page.entries.map((entry) => entry.name).sort();
    assert.deepEqual(names, ['a.bin', 'dir/c d.txt', 'range.bin']);
    for (const entry of page.entries) assert.ok(((entry.flags ?? 0) & EntryFlag.isCached) !== 0);
  });

  test('what the origin lacks is a 404 naming it; PUT and DELETE are refused', async () => {
    const missing = await fetch(url('nope.bin'));
    assert.equal(missing.status, 404);
    assert.match(
      await missing.text(),
      /ht:\/\/dataset\/nope\.bin does not exist in ht:\/\/dataset at http:\/\/127\.0\.0\.1/,
    );
    const put = await fetch(url('new.bin'), { method: 'PUT', body: 'x', redirect: 'follow' });
    assert.equal(put.status, 400);
    assert.match(await put.text(), /cannot be written to ht:\/\/dataset/);
    assert.equal(await cached('new.bin'), false);
  });

  test('evict removes the cached copy; the next GET fetches it again', async () => {
    await client.jobs.wait(await client.jobs.evictObjects(bucket, { objnames: ['a.bin'] }), {
      timeoutMs: 60_000,
    });
    assert.equal(await cached('a.bin'), false);
    await client.getObjectBytes(bucket, 'a.bin');
    assert.equal(origin.gets.get('a.bin'), 2);
  });

  test('a bucket without an origin is refused', async () => {
    await assert.rejects(
      client.createBucket({ name: 'no-origin', provider: 'ht' }),
      /no origin: set extra.http.original_url/,
    );
    await assert.rejects(
      client.createBucket(
        { name: 'bad-origin', provider: 'ht' },
        { extra: { http: { original_url: 'ftp://x/' } } },
      ),
      /must be an http\(s\) URL/,
    );
  });

  test("original_url: an unknown bucket takes the URL's origin; another object's URL is refused", async () => {
    origin.files.set('sub/e.bin', randomBytes(10 * 1024));
    const at = (path: string): string =>
      encodeURIComponent(`http://127.0.0.1:${origin.port}/data/${path}`);
    const objects = `${cluster.primary.publicUrl}/v1/objects`;
    // A bucket nobody created: its origin is what precedes the object's name in the URL.
    const added = await fetch(
      `${objects}/by-url/e.bin?provider=ht&original_url=${at('sub/e.bin')}`,
    );
    assert.equal(added.status, 200);
    const body = Buffer.from(await added.arrayBuffer());
    assert.ok(body.equals(origin.files.get('sub/e.bin') ?? Buffer.alloc(0)));
    const props = await client.bucketProps({ name: 'by-url', provider: 'ht' });
    assert.equal(props.extra?.http?.original_url, `http://127.0.0.1:${origin.port}/data/sub/`);
    // The bucket's own URL of the object is accepted...
    const own = await fetch(url('b.bin', `&original_url=${at('b.bin')}`), { method: 'HEAD' });
    assert.equal(own.status, 200);
    // ...another is refused (its bytes would be cached under this name), as on other providers.
    for (const refused of [
      url('b.bin', `&original_url=${at('sub/e.bin')}`),
      url('b.bin', `&original_url=${encodeURIComponent('ftp://127.0.0.1/data/b.bin')}`),
      `${objects}/by-url/other.bin?provider=ht&original_url=${at('sub/e.bin')}`,
      `${objects}/x/b.bin?provider=ais&original_url=${at('b.bin')}`,
    ]) {
      const response = await fetch(refused);
      assert.equal(response.status, 400, refused);
      assert.match(await response.text(), /original_url/);
    }
    assert.equal(origin.gets.get('b.bin') ?? 0, 0, 'nothing fetched for the refused URLs');
  });

  test('the origin down: 502 naming it, nothing cached', async () => {
    await origin.stop();
    const response = await fetch(url('down.bin'));
    assert.equal(response.status, 502);
    assert.match(
      await response.text(),
      /backend ht:\/\/dataset at http:\/\/127\.0\.0\.1:\d+\/data failed/,
    );
    assert.equal(await cached('down.bin'), false);
    // What is cached is still served.
    const bytes = await client.getObjectBytes(bucket, 'range.bin');
    assert.equal(bytes.length, 200 * 1024);
  });
});
