// Write-through on a real cluster over an aws:// bucket in s3rver: PUT and DELETE reach the remote
// first and only then change what the cluster holds; a remote that is down fails the write and
// leaves the cluster as it was; writes without a write-through yet answer 501.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import {
  createRemoteBucket,
  errorMessage,
  objectUrl,
  startRemoteSetup,
  type RemoteSetup,
} from './remote-bucket-helpers.js';

const bucket = 'through-bucket';

describe('write-through to an aws:// bucket', () => {
  let setup: RemoteSetup;

  before(async () => {
    setup = await startRemoteSetup({ proxies: 1, targets: 2, mountpaths: 1 });
    await createRemoteBucket(setup, bucket);
  });
  after(() => setup?.stop());

  async function remoteBytes(name: string): Promise<Buffer | undefined> {
    try {
      const answer = await setup.direct.send(new GetObjectCommand({ Bucket: bucket, Key: name }));
      return Buffer.from(await answer.Body!.transformToByteArray());
    } catch {
      return undefined;
    }
  }

  test('PUT stores in the remote and here; reads are then local, with the remote ETag', async () => {
    const body = randomBytes(2 * 1024 * 1024 + 5);
    // The SDK: it resends the body after the gateway's redirect.
    await setup.cluster.client(0).putObject({ name: bucket, provider: 'aws' }, 'written', body);
    assert.ok((await remoteBytes('written'))?.equals(body), 'the remote has the bytes');
    const get = await fetch(objectUrl(setup, bucket, 'written'));
    assert.ok(Buffer.from(await get.arrayBuffer()).equals(body));
    assert.equal(setup.proxy.gets(bucket, 'written'), 0, 'read from the cluster, not the remote');
    const head = await setup.direct.send(new HeadObjectCommand({ Bucket: bucket, Key: 'written' }));
    const etag = (head.ETag ?? '').replaceAll('"', '');
    assert.match(get.headers.get('ais-custom-md') ?? '', new RegExp(`ETag=${etag}`));
  });

  test('a PUT while the remote is down: 502, nothing stored anywhere', async () => {
    setup.proxy.mode = { kind: 'refuse' };
    let put: Response;
    try {
      put = await fetch(objectUrl(setup, bucket, 'refused'), { method: 'PUT', body: 'data' });
    } finally {
      setup.proxy.mode = { kind: 'pass' };
    }
    assert.equal(put.status, 502);
    assert.match(await errorMessage(put), /backend aws:\/\/through-bucket at/);
    assert.equal(await remoteBytes('refused'), undefined);
    const head = await fetch(objectUrl(setup, bucket, 'refused'), { method: 'HEAD' });
    assert.equal(head.status, 404, 'nothing stored in the cluster');
  });

  test('DELETE removes the remote object first; a remote that is down keeps both', async () => {
    const url = objectUrl(setup, bucket, 'doomed');
    assert.equal((await fetch(url, { method: 'PUT', body: 'bye' })).status, 200);
    setup.proxy.mode = { kind: 'refuse' };
    let refused: Response;
    try {
      refused = await fetch(url, { method: 'DELETE' });
    } finally {
      setup.proxy.mode = { kind: 'pass' };
    }
    assert.equal(refused.status, 502);
    assert.equal((await fetch(url)).status, 200, 'still in the cluster');
    assert.equal((await remoteBytes('doomed'))?.toString(), 'bye', 'still in the remote');
    const deleted = await fetch(url, { method: 'DELETE' });
    assert.equal(deleted.status, 200, await deleted.text());
    assert.equal(await remoteBytes('doomed'), undefined, 'gone from the remote');
    assert.equal((await fetch(url)).status, 404, 'gone from the cluster');
  });

  test('writes with no write-through yet answer 501 naming them', async () => {
    const append = await fetch(`${objectUrl(setup, bucket, 'appended')}&append_type=append`, {
      method: 'PUT',
      body: 'x',
    });
    assert.equal(append.status, 501);
    assert.match(await errorMessage(append), /APPEND on remote buckets \(aws:\/\/through-bucket\)/);
  });
});
