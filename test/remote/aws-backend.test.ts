// The aws:// backend adapter against s3rver (a third-party S3 server): every operation of the
// Backend interface, paging, ranges, and failures typed and naming the remote.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { after, before, describe, test } from 'node:test';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Backends, type Backend, type BackendSettings } from '../../src/backends/index.js';
import { isStoreError } from '../../src/errors/index.js';
import type { BucketPropsJson } from '../../src/wire/index.js';
import { S3rverProcess, s3rverCredentials } from '../harness/s3rver.js';

/** Props as a remote bucket has them; only `extra` matters to the backends. */
function remoteProps(extra: BucketPropsJson['extra']): BucketPropsJson {
  return { provider: 'aws', ...(extra === undefined ? {} : { extra }) } as BucketPropsJson;
}

function settingsFor(endpoint: string): BackendSettings {
  return {
    remoteClusters: [],
    awsProfiles: {
      local: {
        endpoint,
        region: 'us-east-1',
        access_key_id: s3rverCredentials.accessKey,
        secret_access_key: s3rverCredentials.secretKey,
        path_style: true,
      },
    },
    requestTimeoutMs: 5000,
    maxAttempts: 1,
    maxRetryAfterMs: 30_000,
  };
}

async function expectCode(
  promise: Promise<unknown>,
  code: string,
  mention?: string,
): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isStoreError(error), `a StoreError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (mention !== undefined) assert.ok(error.message.includes(mention), error.message);
    return true;
  });
}

describe('aws:// backend over s3rver', () => {
  let dir: string;
  let s3: S3rverProcess;
  let backends: Backends;
  let backend: Backend;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cairn-aws-backend-'));
    s3 = await S3rverProcess.start(join(dir, 's3rver'));
    const admin = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    await admin.send(new CreateBucketCommand({ Bucket: 'remote' }));
    admin.destroy();
    backends = new Backends(() => settingsFor(s3.endpoint));
    backend = backends.for(
      { name: 'remote', provider: 'aws' },
      remoteProps({ aws: { profile: 'local' } }),
    );
  });
  after(async () => {
    await backends.close();
    await s3.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('put, head, get whole and ranged, delete', async () => {
    await backend.headBucket();
    const body = 'hello remote world';
    const put = await backend.put('dir/a.txt', Readable.from([Buffer.from(body)]), {
      size: body.length,
      customMetadata: { colour: 'blue' },
    });
    assert.ok(put.etag !== undefined && !put.etag.includes('"'), `ETag unquoted: ${put.etag}`);
    const head = await backend.head('dir/a.txt');
    assert.equal(head.size, body.length);
    assert.equal(head.etag, put.etag);
    assert.equal(head.customMetadata.colour, 'blue');
    assert.ok(head.lastModifiedMs !== undefined && head.lastModifiedMs > 0);
    const whole = await backend.get('dir/a.txt');
    assert.equal(await text(whole.body), body);
    const ranged = await backend.get('dir/a.txt', { start: 6, end: 11 });
    assert.equal(await text(ranged.body), 'remote');
    assert.equal(ranged.object.size, body.length, 'the whole size of a ranged read');
    await backend.delete('dir/a.txt');
    await expectCode(backend.head('dir/a.txt'), 'ObjectNotFound', 'aws://remote/dir/a.txt');
    await expectCode(backend.get('dir/a.txt'), 'ObjectNotFound', s3.endpoint);
    await backend.delete('dir/a.txt');
  });

  test('listing pages follow the continuation token', async () => {
    for (let index = 0; index < 5; index += 1) {
      const name = `list/${index}`;
      await backend.put(name, Readable.from([Buffer.from(name)]), { size: name.length });
    }
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await backend.list({
        prefix: 'list/',
        limit: 2,
        ...(token === undefined ? {} : { continuationToken: token }),
      });
      names.push(...page.entries.map((entry) => entry.name));
      for (const entry of page.entries) assert.equal(entry.size, entry.name.length);
      token = page.continuationToken;
      pages += 1;
    } while (token !== undefined && pages < 10);
    assert.deepEqual(names, ['list/0', 'list/1', 'list/2', 'list/3', 'list/4']);
    assert.equal(pages, 3);
    const after = await backend.list({ prefix: 'list/', startAfter: 'list/2', limit: 10 });
    assert.deepEqual(
      after.entries.map((entry) => entry.name),
      ['list/3', 'list/4'],
    );
  });

  test('a missing bucket, an unknown profile, and providers without an adapter', async () => {
    const missing = backends.for(
      { name: 'nosuch', provider: 'aws' },
      remoteProps({ aws: { profile: 'local' } }),
    );
    await expectCode(missing.headBucket(), 'BucketNotFound', 'aws://nosuch');
    assert.throws(
      () => backends.for({ name: 'b', provider: 'aws' }, remoteProps({ aws: { profile: 'x' } })),
      (error: unknown) => isStoreError(error) && error.code === 'InvalidBucketProps',
    );
    for (const provider of ['gcp', 'azure', 'oci']) {
      assert.throws(
        () => backends.for({ name: 'b', provider }, remoteProps(undefined)),
        (error: unknown) =>
          isStoreError(error) &&
          error.code === 'NotImplemented' &&
          error.message.includes(`${provider}://`),
      );
    }
    // ht:// has an adapter; a bucket of it needs its origin.
    assert.throws(
      () => backends.for({ name: 'b', provider: 'ht' }, remoteProps(undefined)),
      (error: unknown) => isStoreError(error) && /has no origin/.test(error.message),
    );
  });

  test('an endpoint that does not answer: BackendUnreachable naming it', async () => {
    const down = new Backends(() => settingsFor('http://127.0.0.1:9'));
    try {
      const unreachable = down.for(
        { name: 'remote', provider: 'aws' },
        remoteProps({ aws: { profile: 'local', endpoint: 'http://127.0.0.1:9' } }),
      );
      await expectCode(unreachable.head('x'), 'BackendUnreachable', 'http://127.0.0.1:9');
    } finally {
      await down.close();
    }
  });
});
