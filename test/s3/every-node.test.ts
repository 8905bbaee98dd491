// S3 at every node (cluster config `s3.serve_on_targets`, MinIO style): the AWS SDK pointed at a
// storage target instead of a gateway. Objects the target owns are served there, the others are
// forwarded to their owner, bucket-level requests are proxied to a gateway; the signature is
// checked the same way, and a write is readable at once through the target and the gateway.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { PlacementMap } from '../../src/sdk/index.js';
import { TestCluster } from '../harness/test-cluster.js';
import { bodyBytes, failure, md5, sdkClient } from '../harness/s3-setup.js';

describe('S3 at every node (s3.serve_on_targets)', () => {
  let cluster: TestCluster;
  let atTarget: S3Client;
  let viaGateway: S3Client;
  const bucket = 'every-node';

  before(async () => {
    cluster = await TestCluster.start({ proxies: 1, targets: 2, mountpaths: 1 });
    atTarget = sdkClient(cluster.targets[0]?.publicUrl ?? '');
    viaGateway = sdkClient(cluster.primary.publicUrl);
  });

  after(async () => {
    atTarget?.destroy();
    viaGateway?.destroy();
    await cluster?.destroy();
  });

  test('off (the default): a bucket-level request at a target answers 501 naming the setting', async () => {
    const refused = await failure(atTarget.send(new CreateBucketCommand({ Bucket: bucket })));
    assert.deepEqual(refused, { name: 'NotImplemented', status: 501 });
    await assert.rejects(viaGateway.send(new HeadBucketCommand({ Bucket: bucket })));
  });

  test('on: every operation at a target, for keys of both owners, read after write', async () => {
    await cluster.setConfig({ 's3.serve_on_targets': true });
    await atTarget.send(new CreateBucketCommand({ Bucket: bucket }));
    await atTarget.send(new HeadBucketCommand({ Bucket: bucket }));

    // Keys until each target owns two: half are served where they arrive, half forwarded.
    const client = cluster.client(0);
    const placement = new PlacementMap(await client.clusterMap({ refresh: true }));
    const byOwner = new Map<string, string[]>();
    for (let index = 0; index < 200; index += 1) {
      const key = `dir/key-${index}`;
      const owner = placement.owner({ name: bucket, provider: 'ais' }, key)?.daemon_id ?? '';
      const keys = byOwner.get(owner) ?? [];
      if (keys.length < 2) byOwner.set(owner, [...keys, key]);
      if (byOwner.size === 2 && [...byOwner.values()].every((list) => list.length === 2)) break;
    }
    const keys = [...byOwner.values()].flat();
    assert.equal(keys.length, 4, 'both targets own two of the keys');

    for (const key of keys) {
      const data = randomBytes(200_000 + keys.indexOf(key));
      const put = await atTarget.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: data }),
      );
      assert.equal(put.ETag, `"${md5(data)}"`);
      const got = await atTarget.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      assert.ok((await bodyBytes(got.Body)).equals(data), `${key} read back at the target`);
      const elsewhere = await viaGateway.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      assert.ok((await bodyBytes(elsewhere.Body)).equals(data), `${key} read via the gateway`);
    }

    // A bucket-level request: the gateway verifies the signature again, over the Host the client
    // signed (the target's), which the target passes on.
    const listed = await atTarget.send(new ListObjectsV2Command({ Bucket: bucket }));
    assert.deepEqual((listed.Contents ?? []).map((entry) => entry.Key).sort(), [...keys].sort());

    // The same signature checks at the target, for bucket-level and object requests.
    const forged = sdkClient(cluster.targets[0]?.publicUrl ?? '', { secret: 'not-the-secret' });
    try {
      for (const request of [
        forged.send(new ListObjectsV2Command({ Bucket: bucket })),
        forged.send(new GetObjectCommand({ Bucket: bucket, Key: keys[0] })),
        forged.send(new PutObjectCommand({ Bucket: bucket, Key: 'forged', Body: 'x' })),
      ]) {
        assert.deepEqual(await failure(request), { name: 'SignatureDoesNotMatch', status: 403 });
      }
    } finally {
      forged.destroy();
    }

    const deleted = await atTarget.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: keys.map((key) => ({ Key: key })) },
      }),
    );
    assert.equal(deleted.Deleted?.length, keys.length);
    await atTarget.send(new DeleteBucketCommand({ Bucket: bucket }));
    const gone = await failure(viaGateway.send(new HeadBucketCommand({ Bucket: bucket })));
    assert.equal(gone.status, 404);
  });
});
