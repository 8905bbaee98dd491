// A GET of a whole object the content cache holds is served at once (ObjectService.getCached, no
// async read of the store): its response must be the one a read from disk gives — every header,
// native and S3 — its conditions still answered on the object it got, a range still served, and a
// GET racing an overwrite must get the old or the new bytes whole.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { FaultyDisk } from '../harness/faulty-disk.js';
import { InProcessCluster } from '../harness/in-process-target.js';
import { signedHeaders } from '../harness/s3-signer.js';
import { waitFor } from '../harness/wait.js';
import type { Client } from '../../src/sdk/index.js';

const bucket = { name: 'hits', provider: 'ais' };

/** Every header but the date and S3's request ID (they change between two answers). */
function headersOf(response: Response): Record<string, string> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'date' && name !== 'x-amz-request-id') headers[name] = value;
  });
  return headers;
}

describe('a GET of a content hit, served at once', () => {
  let disk: FaultyDisk;
  let cluster: InProcessCluster;
  let client: Client;
  let nativeUrl: string;
  let s3Url: string;

  before(async () => {
    disk = new FaultyDisk();
    cluster = await InProcessCluster.start(disk, 1);
    client = cluster.client();
    await client.createBucket(bucket);
    nativeUrl = `${cluster.target.publicUrl}/v1/objects/${bucket.name}`;
    s3Url = `${cluster.target.publicUrl}/s3/${bucket.name}`;
  });
  after(async () => {
    await cluster?.destroy();
  });

  /** A GET; signed when it is an S3 one (conditions and range signed with it). */
  async function get(url: string, headers: Record<string, string> = {}): Promise<Response> {
    if (!url.startsWith(s3Url)) return await fetch(url, { headers });
    const { origin, pathname } = new URL(url);
    return await fetch(url, { headers: await signedHeaders(origin, 'GET', pathname, headers) });
  }

  async function put(name: string, data: Buffer): Promise<void> {
    const response = await fetch(`${nativeUrl}/${name}?provider=ais`, {
      method: 'PUT',
      body: data,
    });
    assert.equal(response.status, 200, await response.text());
  }

  test('a hit answers with the headers and bytes of the read from disk (native and S3)', async () => {
    const data = Buffer.from('a cached object '.repeat(256));
    for (const [name, url] of [
      ['a', `${nativeUrl}/a?provider=ais`],
      ['b', `${s3Url}/b`],
    ] as const) {
      await put(name, data);
      await client.setCustomMetadata(bucket, name, { colour: 'blue' });
      const reads = disk.countReads(cluster.target.dir);
      const first = await get(url);
      const firstBytes = Buffer.from(await first.arrayBuffer());
      const firstReads = reads.bytes;
      const second = await get(url);
      const secondBytes = Buffer.from(await second.arrayBuffer());
      const hitReads = reads.bytes - firstReads;
      reads.remove();
      assert.equal(second.status, 200, url);
      assert.ok(secondBytes.equals(data), url);
      assert.ok(firstBytes.equals(data), url);
      assert.deepEqual(headersOf(second), headersOf(first), url);
      assert.ok(firstReads > 0, `${url}: the first GET reads the file`);
      assert.equal(hitReads, 0, `${url}: the second GET is a content hit`);
    }
  });

  test('conditions are answered on the hit; a range of it is served', async () => {
    const data = Buffer.from('conditional '.repeat(300));
    await put('c', data);
    const whole = await get(`${s3Url}/c`);
    await whole.arrayBuffer();
    const etag = whole.headers.get('etag') ?? '';
    const modified = Date.parse(whole.headers.get('last-modified') ?? '');
    const later = new Date(modified + 60_000).toUTCString();
    const earlier = new Date(modified - 60_000).toUTCString();
    const status = async (headers: Record<string, string>): Promise<number> => {
      const response = await get(`${s3Url}/c`, headers);
      await response.arrayBuffer();
      return response.status;
    };
    assert.equal(await status({ 'if-none-match': etag }), 304);
    assert.equal(await status({ 'if-none-match': '"other"' }), 200);
    assert.equal(await status({ 'if-match': '"other"' }), 412);
    assert.equal(await status({ 'if-modified-since': later }), 304);
    assert.equal(await status({ 'if-modified-since': earlier }), 200);
    assert.equal(await status({ 'if-unmodified-since': earlier }), 412);
    const notModified = await get(`${s3Url}/c`, { 'if-none-match': etag });
    assert.equal(notModified.headers.get('etag'), etag, 'a 304 names the ETag it matched');

    const ranged = await get(`${nativeUrl}/c?provider=ais`, { range: 'bytes=10-29' });
    assert.equal(ranged.status, 206);
    assert.equal(ranged.headers.get('content-range'), `bytes 10-29/${data.length}`);
    assert.ok(Buffer.from(await ranged.arrayBuffer()).equals(data.subarray(10, 30)));
  });

  test('a hit after an overwrite serves the new bytes, headers and all', async () => {
    const url = `${nativeUrl}/o?provider=ais`;
    const old = Buffer.alloc(4096, 'a');
    const next = Buffer.alloc(4000, 'b');
    await put('o', old);
    for (let round = 0; round < 2; round += 1) await (await get(url)).arrayBuffer();
    await put('o', next);
    await client.setCustomMetadata(bucket, 'o', { shade: 'dark' });
    for (let round = 0; round < 2; round += 1) {
      const response = await get(url);
      const bytes = Buffer.from(await response.arrayBuffer());
      assert.ok(bytes.equals(next), `read ${round}: the new bytes`);
      assert.equal(response.headers.get('content-length'), String(next.length));
      assert.equal(response.headers.get('ais-custom-md'), 'shade=dark');
    }
  });

  test('a hit while a writer holds the name waits for it, then serves the new bytes', async () => {
    const url = `${nativeUrl}/w?provider=ais`;
    const old = Buffer.alloc(4096, 'c');
    const next = Buffer.alloc(4096, 'd');
    await put('w', old);
    for (let round = 0; round < 2; round += 1) await (await get(url)).arrayBuffer();
    // The overwrite's rename into place (under the name's write lock) is held for a while.
    const objectPath = join(cluster.target.mountpaths[0] ?? '', '@ais', bucket.name, '%ob', 'w');
    const held = disk.inject({
      operations: ['rename'],
      path: objectPath,
      fault: { delayMs: 1500 },
      times: 1,
    });
    try {
      const writing = put('w', next);
      await waitFor('the overwrite in its commit', 10_000, () => Promise.resolve(held.fired > 0));
      const response = await get(url);
      const bytes = Buffer.from(await response.arrayBuffer());
      await writing;
      assert.ok(bytes.equals(next), 'the GET waited for the writer: the new bytes');
    } finally {
      held.remove();
    }
  });

  test('a GET racing an overwrite gets the old or the new bytes, whole', async () => {
    const versions = [Buffer.alloc(4096, 'o'), Buffer.alloc(4096, 'n'), Buffer.alloc(3000, 'x')];
    await put('r', versions[0] as Buffer);
    await (await get(`${nativeUrl}/r?provider=ais`)).arrayBuffer();
    for (let round = 0; round < 6; round += 1) {
      const next = versions[(round % 2) + 1] as Buffer;
      const reads = Array.from({ length: 12 }, async () => {
        const response = await get(`${nativeUrl}/r?provider=ais`);
        const bytes = Buffer.from(await response.arrayBuffer());
        assert.equal(Number(response.headers.get('content-length')), bytes.length);
        return bytes;
      });
      const [, ...bodies] = await Promise.all([put('r', next), ...reads]);
      for (const bytes of bodies)
        assert.ok(
          versions.some((version) => version.equals(bytes)),
          'a whole version',
        );
      const settled = Buffer.from(await (await get(`${nativeUrl}/r?provider=ais`)).arrayBuffer());
      assert.ok(settled.equals(next), 'the overwrite is seen once acknowledged');
    }
  });
});
