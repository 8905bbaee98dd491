// Warm GETs that check the remote (`latest-ver`, `versioning.validate_warm_get`,
// `versioning.synchronize`) on an aws:// bucket in s3rver: a changed object is fetched again, one
// deleted remotely is a 404, and `synchronize` evicts the cached copy of it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { EntryFlag, ListFlag, type BucketJson } from '../../src/wire/index.js';
import { waitFor } from '../harness/wait.js';
import {
  createRemoteBucket,
  errorMessage,
  objectUrl,
  startRemoteSetup,
  type RemoteSetup,
} from './remote-bucket-helpers.js';

const bucketName = 'latest-bucket';
const bucket: BucketJson = { name: bucketName, provider: 'aws' };

describe('warm GET validated against the remote', () => {
  let setup: RemoteSetup;

  before(async () => {
    setup = await startRemoteSetup({ proxies: 1, targets: 2, mountpaths: 1 });
    await createRemoteBucket(setup, bucketName);
  });
  after(() => setup?.stop());

  async function putRemote(name: string, body: string): Promise<void> {
    await setup.direct.send(new PutObjectCommand({ Bucket: bucketName, Key: name, Body: body }));
  }

  async function read(name: string, query = ''): Promise<{ status: number; text: string }> {
    const response = await fetch(`${objectUrl(setup, bucketName, name)}${query}`);
    const text = response.ok ? await response.text() : await errorMessage(response);
    return { status: response.status, text };
  }

  async function cached(name: string): Promise<boolean> {
    const url = `${objectUrl(setup, bucketName, name)}&presence=1`;
    const response = await fetch(url, { method: 'HEAD' });
    return response.status === 200;
  }

  /**
   * A cold GET, then until the object is committed: a client holds every byte of an answer whose
   * length was announced before the target's commit is visible.
   */
  async function coldRead(name: string): Promise<string> {
    const { status, text } = await read(name);
    assert.equal(status, 200, text);
    await waitFor(`${name} cached`, 20_000, () => cached(name));
    return text;
  }

  test('latest-ver: an unchanged object is read locally, a changed one is fetched again', async () => {
    await putRemote('changing', 'first version');
    assert.equal(await coldRead('changing'), 'first version');
    assert.deepEqual(await read('changing', '&latest-ver=true'), {
      status: 200,
      text: 'first version',
    });
    assert.equal(setup.proxy.gets(bucketName, 'changing'), 1, 'unchanged: no second fetch');
    await putRemote('changing', 'second, longer version');
    assert.equal((await read('changing')).text, 'first version', 'a plain warm GET is local');
    assert.deepEqual(await read('changing', '&latest-ver=true'), {
      status: 200,
      text: 'second, longer version',
    });
    assert.equal(setup.proxy.gets(bucketName, 'changing'), 2);
    assert.equal((await read('changing')).text, 'second, longer version', 'the new one is kept');
    assert.equal(setup.proxy.gets(bucketName, 'changing'), 2);
  });

  test('HEAD with latest-ver: a changed object is fetched again, a removed one is a 404', async () => {
    const headSize = async (name: string, query = ''): Promise<string | number> => {
      const url = `${objectUrl(setup, bucketName, name)}${query}`;
      const response = await fetch(url, { method: 'HEAD' });
      return response.ok ? (response.headers.get('content-length') ?? '') : response.status;
    };
    await putRemote('head-changing', 'first');
    await coldRead('head-changing');
    assert.equal(await headSize('head-changing', '&latest-ver=true'), '5');
    assert.equal(setup.proxy.gets(bucketName, 'head-changing'), 1, 'unchanged: no fetch');
    await putRemote('head-changing', 'the second version');
    assert.equal(await headSize('head-changing'), '5', 'a plain HEAD describes the cached copy');
    assert.equal(await headSize('head-changing', '&latest-ver=true'), '18');
    assert.equal(setup.proxy.gets(bucketName, 'head-changing'), 2, 'fetched again');
    assert.equal((await read('head-changing')).text, 'the second version');
    assert.equal(setup.proxy.gets(bucketName, 'head-changing'), 2, 'and kept');
    await setup.direct.send(new DeleteObjectCommand({ Bucket: bucketName, Key: 'head-changing' }));
    assert.equal(await headSize('head-changing', '&latest-ver=true'), 404);
    assert.equal(await headSize('head-changing'), '18', 'the cached copy stays');
  });

  test('latest-ver on an object deleted remotely: 404, the cached copy stays', async () => {
    await putRemote('removed', 'soon gone');
    await coldRead('removed');
    await setup.direct.send(new DeleteObjectCommand({ Bucket: bucketName, Key: 'removed' }));
    const answer = await read('removed', '&latest-ver=true');
    assert.equal(answer.status, 404, answer.text);
    assert.match(answer.text, /aws:\/\/latest-bucket\/removed does not exist/);
    assert.equal(await cached('removed'), true);
    assert.equal((await read('removed')).text, 'soon gone', 'without latest-ver: the cached copy');
  });

  test('bucket props validate_warm_get and synchronize', async () => {
    const client = setup.cluster.client(0);
    await putRemote('validated', 'one');
    await putRemote('synced', 'kept until deleted remotely');
    assert.equal(await coldRead('validated'), 'one');
    await coldRead('synced');
    await client.setBucketProps(bucket, { versioning: { validate_warm_get: true } });
    await putRemote('validated', 'two!');
    assert.equal((await read('validated')).text, 'two!', 'every warm GET checks the remote');
    await setup.direct.send(new DeleteObjectCommand({ Bucket: bucketName, Key: 'synced' }));
    assert.equal((await read('synced')).status, 404);
    assert.equal(await cached('synced'), true, 'validate_warm_get alone keeps the copy');
    await client.setBucketProps(bucket, {
      versioning: { validate_warm_get: false, synchronize: true },
    });
    assert.equal((await read('synced')).status, 404);
    assert.equal(await cached('synced'), false, 'synchronize evicts what the remote deleted');
    await client.setBucketProps(bucket, { versioning: { synchronize: false } });
  });

  test('listing with Diff: VerChanged and VerRemoved against the remote', async () => {
    for (const name of ['diff/changed', 'diff/gone', 'diff/same']) {
      await putRemote(name, `${name} as cached`);
      await coldRead(name);
    }
    await putRemote('diff/changed', 'another object now');
    await setup.direct.send(new DeleteObjectCommand({ Bucket: bucketName, Key: 'diff/gone' }));
    const page = await setup.cluster.client(0).listObjectsPage(bucket, {
      prefix: 'diff/',
      flags: String(ListFlag.diff),
    });
    const { isCached, verChanged, verRemoved } = EntryFlag;
    assert.deepEqual(
      page.entries.map((entry) => [entry.name, (entry.flags ?? 0) & ~0x1f]),
      [
        ['diff/changed', isCached | verChanged],
        ['diff/gone', isCached | verRemoved],
        ['diff/same', isCached],
      ],
    );
  });
});
