// Evicting an aws:// bucket's cached objects on a real cluster (1 gateway, 2 targets): listed
// names, a template, the whole bucket with and without its metadata. Evicted objects are no longer
// in the cluster, the remote still has every one, and the next GET of each is a cold GET again
// (one more remote GET through the counting proxy); an ais:// bucket is refused.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { BucketJson, ListRangeJson } from '../../src/wire/index.js';
import {
  createRemoteBucket,
  errorMessage,
  objectUrl,
  startRemoteSetup,
  type RemoteSetup,
} from './remote-bucket-helpers.js';
import { cairnEntry } from '../harness/node-process.js';

const run = promisify(execFile);

const bucketName = 'evict-bucket';
const remoteBucket: BucketJson = { name: bucketName, provider: 'aws' };

describe('evict on an aws:// bucket', () => {
  let setup: RemoteSetup;

  before(async () => {
    setup = await startRemoteSetup({ proxies: 1, targets: 2, mountpaths: 1 });
    await createRemoteBucket(setup, bucketName);
  });
  after(() => setup?.stop());

  /** Puts each object in the remote and reads it once through the cluster (one cold GET each). */
  async function cache(bucket: string, names: readonly string[]): Promise<Map<string, Buffer>> {
    const bodies = new Map<string, Buffer>();
    for (const name of names) {
      const body = randomBytes(64 * 1024 + names.indexOf(name));
      await setup.direct.send(new PutObjectCommand({ Bucket: bucket, Key: name, Body: body }));
      await read(bucket, name, body);
      assert.equal(setup.proxy.gets(bucket, name), 1, `${name}: one cold GET`);
      assert.ok(await cachedSoon(bucket, name), `${name} cached`);
      bodies.set(name, body);
    }
    return bodies;
  }

  async function read(bucket: string, name: string, body: Buffer): Promise<void> {
    const response = await fetch(objectUrl(setup, bucket, name));
    assert.equal(response.status, 200, `GET ${name}`);
    assert.ok(Buffer.from(await response.arrayBuffer()).equals(body), `${name}: bytes`);
  }

  async function cached(bucket: string, name: string): Promise<boolean> {
    const head = await fetch(`${objectUrl(setup, bucket, name)}&presence=1`, { method: 'HEAD' });
    assert.ok(head.status === 200 || head.status === 404, `HEAD ${name}: ${head.status}`);
    return head.status === 200;
  }

  /** The remote still has the object, and the next GET through the cluster fetches it once more. */
  async function evicted(bucket: string, name: string, body: Buffer): Promise<void> {
    assert.equal(await cached(bucket, name), false, `${name} evicted`);
    const remote = await setup.direct.send(new HeadObjectCommand({ Bucket: bucket, Key: name }));
    assert.equal(remote.ContentLength, body.length, `${name} still in the remote`);
    const before = setup.proxy.gets(bucket, name);
    await read(bucket, name, body);
    assert.equal(setup.proxy.gets(bucket, name), before + 1, `${name}: a cold GET again`);
    assert.ok(await cachedSoon(bucket, name), `${name} cached again`);
  }

  /** A cold GET's copy is committed once the whole object is in (just after the client got it). */
  async function cachedSoon(bucket: string, name: string): Promise<boolean> {
    for (let attempt = 0; attempt < 100; attempt += 1) {
      if (await cached(bucket, name)) return true;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return false;
  }

  async function kept(bucket: string, name: string, body: Buffer): Promise<void> {
    assert.equal(await cached(bucket, name), true, `${name} still cached`);
    const before = setup.proxy.gets(bucket, name);
    await read(bucket, name, body);
    assert.equal(setup.proxy.gets(bucket, name), before, `${name}: read locally`);
  }

  async function evictObjects(selection: ListRangeJson): Promise<void> {
    const client = setup.cluster.client(0);
    const id = await client.jobs.evictObjects(remoteBucket, selection);
    assert.match(id, /^[\w-]+$/, 'a plain-text job ID');
    const status = await client.jobs.wait(id, { timeoutMs: 120_000 });
    assert.equal(status.err, '');
    assert.equal(status.kind, 'evict-listrange');
  }

  test('listed objects: only those leave the cluster; the remote keeps them', async () => {
    const bodies = await cache(bucketName, ['list/a', 'list/b', 'list/c', 'list/d']);
    // A name that was never cached is skipped, not an error.
    await evictObjects({ objnames: ['list/a', 'list/c', 'list/never'] });
    for (const name of ['list/a', 'list/c']) await evicted(bucketName, name, bodies.get(name)!);
    for (const name of ['list/b', 'list/d']) await kept(bucketName, name, bodies.get(name)!);
  });

  test('one object: DELETE on the object with evict-listrange', async () => {
    const bodies = await cache(bucketName, ['one/a', 'one/b']);
    const response = await fetch(objectUrl(setup, bucketName, 'one/a'), {
      method: 'DELETE',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'evict-listrange', name: `${bucketName}/one/a` }),
    });
    assert.equal(response.status, 200, await response.text());
    await evicted(bucketName, 'one/a', bodies.get('one/a')!);
    await kept(bucketName, 'one/b', bodies.get('one/b')!);
  });

  test('a template: the names it expands to leave the cluster', async () => {
    const names = ['tpl-0', 'tpl-1', 'tpl-2', 'tpl-3', 'tpl-4'];
    const bodies = await cache(bucketName, names);
    await evictObjects({ template: 'tpl-{1..3}' });
    for (const name of ['tpl-1', 'tpl-2', 'tpl-3'])
      await evicted(bucketName, name, bodies.get(name)!);
    for (const name of ['tpl-0', 'tpl-4']) await kept(bucketName, name, bodies.get(name)!);
  });

  test('the whole bucket with keep_bck_md: every cached object goes, the bucket stays', async () => {
    const bodies = await cache(bucketName, ['keep/x', 'keep/y', 'keep/z']);
    const client = setup.cluster.client(0);
    await client.jobs.evictRemoteBucket(remoteBucket, true);
    const buckets = await client.listBuckets('aws');
    assert.ok(
      buckets.some((bucket) => bucket.name === bucketName),
      'the bucket stays in the cluster map',
    );
    for (const [name, body] of bodies) await evicted(bucketName, name, body);
  });

  test('the whole bucket without keep_bck_md: it leaves the map; added again, GETs are cold', async () => {
    const other = 'evict-whole';
    await createRemoteBucket(setup, other);
    const bodies = await cache(other, ['w/1', 'w/2']);
    const client = setup.cluster.client(0);
    await client.jobs.evictRemoteBucket({ name: other, provider: 'aws' }, false);
    const buckets = await client.listBuckets('aws');
    assert.ok(!buckets.some((bucket) => bucket.name === other), 'the bucket left the map');
    // Not a bucket of the cluster any more; asked not to add it again on access, it is refused.
    const gone = await fetch(`${objectUrl(setup, other, 'w/1')}&dont_add_remote_bck_md=true`);
    assert.equal(gone.status, 501);
    assert.match(await errorMessage(gone), /without adding it to the cluster's buckets/);
    await client.createBucket(
      { name: other, provider: 'aws' },
      { extra: { aws: { profile: 'local' } } },
    );
    for (const [name, body] of bodies) await evicted(other, name, body);
  });

  test('CLI: cairn evict of named objects, then of a prefix (each a job it waits for)', async () => {
    const bodies = await cache(bucketName, ['cli/1', 'cli/2', 'cli/3', 'other/4']);
    const env = { ...process.env, CAIRN_ENDPOINT: setup.cluster.primary.publicUrl };
    const named = await run(
      process.execPath,
      [cairnEntry, 'evict', `s3://${bucketName}/cli/1`, `s3://${bucketName}/cli/2`],
      { env },
    );
    assert.match(named.stdout, /^[\w-]+\n$/, 'prints the job ID');
    for (const name of ['cli/1', 'cli/2']) await evicted(bucketName, name, bodies.get(name)!);
    await kept(bucketName, 'cli/3', bodies.get('cli/3')!);
    await run(process.execPath, [cairnEntry, 'evict', `s3://${bucketName}`, '--prefix', 'cli/'], {
      env,
    });
    for (const name of ['cli/1', 'cli/2', 'cli/3'])
      assert.equal(await cached(bucketName, name), false, `${name} evicted by prefix`);
    await kept(bucketName, 'other/4', bodies.get('other/4')!);
  });

  test('an ais:// bucket is refused; keep_bck_md applies to evict-remote-bck only', async () => {
    const client = setup.cluster.client(0);
    const local: BucketJson = { name: 'evict-local', provider: 'ais' };
    await client.createBucket(local);
    const url = `${setup.cluster.primary.publicUrl}/v1/buckets/${local.name}?provider=ais`;
    const refused = async (action: string, value?: unknown, query = ''): Promise<string> => {
      const response = await fetch(`${url}${query}`, {
        method: 'DELETE',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ action, ...(value === undefined ? {} : { value }) }),
      });
      assert.equal(response.status, 400, action);
      return errorMessage(response);
    };
    assert.match(
      await refused('evict-listrange', { objnames: ['a'] }),
      /evict-listrange: ais:\/\/evict-local is not a remote bucket/,
    );
    assert.match(
      await refused('evict-remote-bck', undefined, '&keep_bck_md=true'),
      /evict-remote-bck: ais:\/\/evict-local is not a remote bucket/,
    );
    assert.match(
      await refused('destroy-bck', undefined, '&keep_bck_md=true'),
      /keep_bck_md applies to evict-remote-bck only/,
    );
    await client.putObject(local, 'kept', Buffer.from('only here'));
    const one = await fetch(
      `${setup.cluster.primary.publicUrl}/v1/objects/${local.name}/kept?provider=ais`,
      {
        method: 'DELETE',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ action: 'evict-listrange', name: `${local.name}/kept` }),
      },
    );
    assert.equal(one.status, 400);
    assert.match(await errorMessage(one), /evict: ais:\/\/evict-local is not a remote bucket/);
    assert.equal((await client.headObject(local, 'kept')).size, 9, 'the object is still there');
    assert.deepEqual(
      (await client.listBuckets('ais')).map((bucket) => bucket.name),
      ['evict-local'],
      'nothing was destroyed',
    );
  });
});
