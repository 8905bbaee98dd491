// The downloader's `backend` type on an aws:// bucket (s3rver behind the counting proxy, 1
// gateway, 2 targets): the remote's objects under a prefix and with a suffix are brought into the
// cluster by their owners, one remote GET each; one cached already is skipped; the rest of the
// bucket is left alone; `synchronize` evicts what the remote no longer has. An ais:// bucket is
// refused.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { BucketJson } from '../../src/wire/index.js';
import { rawRequest } from '../harness/raw-http.js';
import {
  createRemoteBucket,
  objectUrl,
  startRemoteSetup,
  type RemoteSetup,
} from './remote-bucket-helpers.js';

const bucketName = 'download-backend';
const remote: BucketJson = { name: bucketName, provider: 'aws' };

describe('download of a remote bucket (type backend)', () => {
  let setup: RemoteSetup;
  const bodies = new Map<string, Buffer>();
  const selected = Array.from({ length: 8 }, (_, index) => `ds/part-${index}.bin`);

  before(async () => {
    setup = await startRemoteSetup({ proxies: 1, targets: 2, mountpaths: 1 });
    await createRemoteBucket(setup, bucketName);
    for (const name of [...selected, 'ds/readme.txt', 'other/x.bin']) {
      const body = randomBytes(8 * 1024 + name.length);
      bodies.set(name, body);
      await setup.direct.send(new PutObjectCommand({ Bucket: bucketName, Key: name, Body: body }));
    }
  });
  after(() => setup?.stop());

  async function cached(name: string): Promise<boolean> {
    const head = await fetch(`${objectUrl(setup, bucketName, name)}&presence=1`, {
      method: 'HEAD',
    });
    return head.status === 200;
  }

  test('objects under the prefix with the suffix are fetched once each; a cached one is skipped', async () => {
    const first = selected[0] ?? '';
    await (await fetch(objectUrl(setup, bucketName, first))).arrayBuffer();
    for (let attempt = 0; attempt < 100 && !(await cached(first)); attempt += 1)
      await new Promise((resolve) => setTimeout(resolve, 100));
    const client = setup.cluster.client(0);
    const id = await client.download.backend(remote, { prefix: 'ds/', suffix: '.bin' });
    const status = await client.download.wait(id, { timeoutMs: 120_000 });
    assert.equal(status.error_cnt, 0, JSON.stringify(status.download_errors));
    assert.equal(status.finished_cnt, selected.length);
    assert.equal(status.skipped_cnt, 1);
    assert.ok(status.total < 0, 'a listing: the total is not known up front');
    assert.equal(status.aborted, false);
    for (const name of selected) {
      assert.ok(await cached(name), `${name} cached`);
      assert.equal(setup.proxy.gets(bucketName, name), 1, `${name}: one remote GET`);
      const response = await fetch(objectUrl(setup, bucketName, name));
      assert.ok(
        Buffer.from(await response.arrayBuffer()).equals(bodies.get(name) ?? Buffer.alloc(0)),
      );
    }
    assert.equal(await cached('ds/readme.txt'), false, 'another suffix');
    assert.equal(await cached('other/x.bin'), false, 'another prefix');
  });

  test('synchronize: a cached object the remote no longer has is evicted', async () => {
    const gone = selected[1] ?? '';
    assert.ok(await cached(gone));
    await setup.direct.send(new DeleteObjectCommand({ Bucket: bucketName, Key: gone }));
    const client = setup.cluster.client(0);
    const id = await client.download.backend(remote, {
      prefix: 'ds/',
      suffix: '.bin',
      synchronize: true,
    });
    const status = await client.download.wait(id, { timeoutMs: 120_000 });
    assert.equal(status.error_cnt, 0, JSON.stringify(status.download_errors));
    assert.equal(status.skipped_cnt, selected.length - 1, 'the others are cached and unchanged');
    assert.equal(await cached(gone), false, `${gone} evicted`);
    for (const name of selected.filter((name) => name !== gone))
      assert.ok(await cached(name), `${name} kept`);
  });

  test('refused: an ais:// bucket (400)', async () => {
    const url = setup.cluster.primary.publicUrl;
    const post = (body: object): Promise<{ status: number; body: string }> =>
      rawRequest(url, 'POST', '/v1/download', { body: JSON.stringify(body) });
    const ais = await post({ type: 'backend', bucket: { name: 'plain', provider: 'ais' } });
    assert.equal(ais.status, 400);
    assert.match(ais.body, /requires a remote bucket/);
  });
});
