// Cold-fetched objects get their bucket's protection as a PUT does (mirror copies, EC pieces), and
// evicting them removes all of it: the next GET fetches from the remote again rather than being
// restored from a copy or a piece. aws:// buckets in s3rver, 3 targets with 2 mountpaths each.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { BucketJson } from '../../src/wire/index.js';
import { waitFor } from '../harness/wait.js';
import {
  createRemoteBucket,
  objectUrl,
  startRemoteSetup,
  type RemoteSetup,
} from './remote-bucket-helpers.js';

const mirrored: BucketJson = { name: 'cold-mirrored', provider: 'aws' };
const coded: BucketJson = { name: 'cold-coded', provider: 'aws' };

describe('cold GET into protected remote buckets', () => {
  let setup: RemoteSetup;

  before(async () => {
    setup = await startRemoteSetup({ proxies: 1, targets: 3, mountpaths: 2 });
    const client = setup.cluster.client(0);
    for (const bucket of [mirrored, coded]) await createRemoteBucket(setup, bucket.name);
    await client.setBucketProps(mirrored, { mirror: { enabled: true, copies: 2 } });
    await client.setBucketProps(coded, {
      ec: { enabled: true, data_slices: 1, parity_slices: 1, objsize_limit: 0 },
    });
  });
  after(() => setup?.stop());

  async function coldRead(bucket: BucketJson, name: string, body: Buffer): Promise<void> {
    await setup.direct.send(new PutObjectCommand({ Bucket: bucket.name, Key: name, Body: body }));
    const response = await fetch(objectUrl(setup, bucket.name, name));
    assert.equal(response.status, 200);
    assert.ok(Buffer.from(await response.arrayBuffer()).equals(body));
  }

  async function cached(bucket: BucketJson, name: string): Promise<boolean> {
    const url = `${objectUrl(setup, bucket.name, name)}&presence=1`;
    return (await fetch(url, { method: 'HEAD' })).status === 200;
  }

  test('a cold-fetched object gets mirror copies and EC pieces', async () => {
    const client = setup.cluster.client(0);
    const body = randomBytes(256 * 1024 + 1);
    await coldRead(mirrored, 'm', body);
    await coldRead(coded, 'c', body);
    // Protected before the commit is acknowledged, which a client that has every byte may precede.
    await waitFor('mirror copies of the cold object', 20_000, async () => {
      return (await client.headObject(mirrored, 'm')).mirrorCopies === 2;
    });
    await waitFor('EC pieces of the cold object', 20_000, async () => {
      return (await client.headObject(coded, 'c')).ec?.pieces.length === 3;
    });
    assert.equal((await client.headObject(coded, 'c')).ec?.dataSlices, 1);
  });

  test('evicting a protected object removes its copies and pieces: the next GET is cold', async () => {
    const client = setup.cluster.client(0);
    for (const [bucket, name] of [
      [mirrored, 'm'],
      [coded, 'c'],
    ] as const) {
      assert.equal(await cached(bucket, name), true);
      const response = await fetch(objectUrl(setup, bucket.name, name), {
        method: 'DELETE',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ action: 'evict-listrange', name: `${bucket.name}/${name}` }),
      });
      assert.equal(response.status, 200);
      assert.equal(await cached(bucket, name), false);
      assert.equal(setup.proxy.gets(bucket.name, name), 1);
      await client.getObjectBytes(bucket, name);
      assert.equal(setup.proxy.gets(bucket.name, name), 2, `${bucket.name}: fetched again`);
    }
  });
});
