// Cold GET on a real cluster (1 gateway, 2 targets) over an aws:// bucket in s3rver: the first
// read fetches and keeps the object (with the remote's ETag and metadata), later reads are local,
// concurrent cold reads share one fetch, and a remote that fails leaves nothing partial behind.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { EntryFlag, ListFlag } from '../../src/wire/index.js';
import { ApiError } from '../../src/sdk/index.js';
import {
  createRemoteBucket,
  errorMessage,
  objectUrl,
  startRemoteSetup,
  type RemoteSetup,
} from './remote-bucket-helpers.js';

const bucket = 'cold-bucket';
const mib = 1024 * 1024;

describe('cold GET from an aws:// bucket', () => {
  let setup: RemoteSetup;

  before(async () => {
    setup = await startRemoteSetup({ proxies: 1, targets: 2, mountpaths: 1 });
    await createRemoteBucket(setup, bucket);
  });
  after(() => setup?.stop());

  async function putRemote(name: string, body: Buffer, metadata?: Record<string, string>) {
    await setup.direct.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: name,
        Body: body,
        ...(metadata === undefined ? {} : { Metadata: metadata }),
      }),
    );
  }

  test('first GET fetches and keeps the object with its remote metadata; then reads are local', async () => {
    const body = randomBytes(3 * mib + 17);
    await putRemote('first', body, { colour: 'green' });
    const url = objectUrl(setup, bucket, 'first');
    const cold = await fetch(url);
    assert.equal(cold.status, 200);
    assert.ok(Buffer.from(await cold.arrayBuffer()).equals(body), 'cold GET bytes');
    assert.equal(setup.proxy.gets(bucket, 'first'), 1);
    const warm = await fetch(url);
    assert.equal(warm.status, 200);
    assert.ok(Buffer.from(await warm.arrayBuffer()).equals(body), 'warm GET bytes');
    assert.equal(setup.proxy.gets(bucket, 'first'), 1, 'a warm GET does not reach the remote');
    assert.equal(warm.headers.get('ais-checksum-type'), 'xxhash', 'stored with a checksum');
    const custom = warm.headers.get('ais-custom-md') ?? '';
    assert.match(custom, /colour=green/);
    assert.match(custom, /source=aws/);
    assert.match(custom, /ETag=[0-9a-f]{32}/);
    const props = await setup.cluster
      .client(0)
      .headObject({ name: bucket, provider: 'aws' }, 'first');
    assert.equal(props.size, body.length);
    assert.equal(props.present, true);
  });

  test('HEAD of an object only the remote holds: its remote properties, not present', async () => {
    await putRemote('remote-only', Buffer.from('twelve bytes'), { kind: 'far' });
    const url = objectUrl(setup, bucket, 'remote-only');
    const head = await fetch(url, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('ais-present'), 'false');
    assert.equal(head.headers.get('content-length'), '12');
    assert.match(head.headers.get('ais-custom-md') ?? '', /kind=far/);
    const inCluster = await fetch(`${url}&presence=1`, { method: 'HEAD' });
    assert.equal(inCluster.status, 404, 'presence 1 asks about the cluster only');
    assert.equal(setup.proxy.gets(bucket, 'remote-only'), 0, 'a HEAD fetches nothing');
  });

  test('concurrent cold GETs of one object share one remote fetch', async () => {
    const body = randomBytes(4 * mib);
    await putRemote('shared', body);
    const url = objectUrl(setup, bucket, 'shared');
    const reads = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const response = await fetch(url);
        return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()) };
      }),
    );
    for (const read of reads) {
      assert.equal(read.status, 200);
      assert.ok(read.bytes.equals(body), 'every reader gets the whole object');
    }
    assert.equal(setup.proxy.gets(bucket, 'shared'), 1, 'one remote GET for all readers');
  });

  test('a ranged cold GET stores the whole object and answers the range', async () => {
    const body = randomBytes(mib);
    await putRemote('ranged', body);
    const response = await fetch(objectUrl(setup, bucket, 'ranged'), {
      headers: { range: 'bytes=1000-1999' },
    });
    assert.equal(response.status, 206);
    assert.ok(Buffer.from(await response.arrayBuffer()).equals(body.subarray(1000, 2000)));
    const whole = await fetch(objectUrl(setup, bucket, 'ranged'));
    assert.ok(Buffer.from(await whole.arrayBuffer()).equals(body));
    assert.equal(setup.proxy.gets(bucket, 'ranged'), 1);
  });

  test('an object the remote does not have: 404 naming it', async () => {
    const response = await fetch(objectUrl(setup, bucket, 'nowhere'));
    assert.equal(response.status, 404);
    assert.match(await errorMessage(response), /aws:\/\/cold-bucket\/nowhere does not exist/);
  });

  test('the remote failing mid-GET, down, or silent: 502/504 naming it, nothing partial kept', async () => {
    const body = randomBytes(4 * mib);
    await putRemote('faulty', body);
    const url = objectUrl(setup, bucket, 'faulty');
    setup.proxy.mode = { kind: 'cut', afterBytes: mib };
    try {
      await failingRemote(url, body);
      // A ranged GET fetches with no client stream: the store reads the remote's body itself.
      setup.proxy.mode = { kind: 'cut', afterBytes: mib };
      const ranged = await fetch(url, { headers: { range: 'bytes=0-9' } });
      assert.equal(ranged.status, 502);
      assert.match(await errorMessage(ranged), new RegExp(`backend aws://${bucket}`));
      const head = await fetch(`${url}&presence=1`, { method: 'HEAD' });
      assert.equal(head.status, 404, 'nothing of the failed ranged fetch is visible');
    } finally {
      setup.proxy.mode = { kind: 'pass' };
    }
    const healed = await fetch(url);
    assert.equal(healed.status, 200);
    assert.ok(Buffer.from(await healed.arrayBuffer()).equals(body));
  });

  async function failingRemote(url: string, body: Buffer): Promise<void> {
    const cut = await fetch(url)
      .then(
        async (response) => {
          const bytes = Buffer.from(await response.arrayBuffer());
          return bytes.length === body.length ? 'whole' : 'short';
        },
        () => 'failed',
      )
      .catch(() => 'failed');
    assert.notEqual(cut, 'whole', 'a cut transfer never looks complete');
    setup.proxy.mode = { kind: 'refuse' };
    const down = await fetch(url);
    assert.equal(down.status, 502);
    assert.match(
      await errorMessage(down),
      new RegExp(`backend aws://${bucket} at ${setup.proxy.endpoint}`),
    );
    const head = await fetch(`${url}&presence=1`, { method: 'HEAD' });
    assert.equal(head.status, 404, 'nothing of the failed fetch is visible');
    setup.proxy.mode = { kind: 'silent' };
    const silent = await fetch(url);
    assert.equal(silent.status, 504);
    assert.match(await errorMessage(silent), /timed out/);
  }

  test('listing merges the remote pages with what the cluster holds (Cached, NotCached)', async () => {
    for (let index = 0; index < 5; index += 1)
      await putRemote(`ls/${index}`, Buffer.from(`o${index}`));
    for (const name of ['ls/1', 'ls/3']) {
      const read = await fetch(objectUrl(setup, bucket, name));
      assert.equal(read.status, 200);
      await read.arrayBuffer();
    }
    const client = setup.cluster.client(0);
    const remoteBucket = { name: bucket, provider: 'aws' };
    const list = async (flags: bigint): Promise<Array<[string, boolean]>> => {
      const seen: Array<[string, boolean]> = [];
      let token = '';
      for (let pages = 0; pages < 10; pages += 1) {
        const page = await client.listObjectsPage(remoteBucket, {
          prefix: 'ls/',
          pagesize: 2,
          flags: String(flags),
          continuation_token: token,
        });
        for (const entry of page.entries)
          seen.push([entry.name, ((entry.flags ?? 0) & EntryFlag.isCached) !== 0]);
        token = page.continuation_token;
        if (token === '') return seen;
      }
      throw new Error('listing did not end');
    };
    assert.deepEqual(await list(0n), [
      ['ls/0', false],
      ['ls/1', true],
      ['ls/2', false],
      ['ls/3', true],
      ['ls/4', false],
    ]);
    assert.deepEqual(await list(ListFlag.notCached), [
      ['ls/0', false],
      ['ls/2', false],
      ['ls/4', false],
    ]);
    assert.deepEqual(await list(ListFlag.cached), [
      ['ls/1', true],
      ['ls/3', true],
    ]);
    // The first page from start_after: the remote is asked from there, cached flags hold.
    const after = await client.listObjectsPage(remoteBucket, {
      prefix: 'ls/',
      start_after: 'ls/2',
    });
    assert.deepEqual(
      after.entries.map((entry) => [entry.name, ((entry.flags ?? 0) & EntryFlag.isCached) !== 0]),
      [
        ['ls/3', true],
        ['ls/4', false],
      ],
    );
    // The remote listing does not roll up directories: refused (501), never listed recursively;
    // with Cached (what the cluster holds, through the targets) it is served.
    await assert.rejects(list(ListFlag.noRecursion), (error: unknown) => {
      assert.ok(error instanceof ApiError && error.status === 501, String(error));
      assert.match(error.detail, /NoRecursion/);
      return true;
    });
    assert.deepEqual(await list(ListFlag.cached | ListFlag.noRecursion), [
      ['ls/1', true],
      ['ls/3', true],
    ]);
  });

  test('buckets: one the remote lacks is refused; providers without a backend answer 501', async () => {
    const client = setup.cluster.client(0);
    await assert.rejects(
      client.createBucket(
        { name: 'not-in-remote', provider: 'aws' },
        { extra: { aws: { profile: 'local' } } },
      ),
      /does not exist/,
    );
    const gateway = setup.cluster.primary.publicUrl;
    const unchecked = await fetch(
      `${gateway}/v1/buckets/not-in-remote?provider=aws&dont_head_remote_bck=true`,
      { method: 'POST', body: JSON.stringify({ action: 'create-bck' }) },
    );
    assert.equal(unchecked.status, 200, 'dont_head_remote_bck skips the check');
    const onAis = await fetch(`${gateway}/v1/buckets/plain?dont_head_remote_bck=true`, {
      method: 'POST',
      body: JSON.stringify({ action: 'create-bck' }),
    });
    assert.equal(onAis.status, 400, 'the flag is for remote buckets only');
    await assert.rejects(
      client.createBucket({ name: 'gbucket', provider: 'gcp' }),
      (error: Error) => {
        assert.match(error.message, /gcp:\/\//);
        assert.match(error.message, /not implemented/);
        return true;
      },
    );
  });
});
