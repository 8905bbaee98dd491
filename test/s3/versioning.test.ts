// S3 bucket versioning through the AWS SDK v3 on a real cluster: status, version IDs on every
// answer, reads by version, delete markers, permanent deletes (the next version becomes latest),
// Suspended `null` versions, copies and tags of versions, multipart versions, version listings with
// markers, and the native API's view of the same bucket.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  UploadPartCommand,
  type ListObjectVersionsCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { TestCluster } from '../harness/test-cluster.js';
import { sdkClient } from '../harness/s3-setup.js';
import type { Client } from '../../src/sdk/index.js';

async function text(body: unknown): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString();
}

/** An SDK call's failure: S3 code, HTTP status and the delete-marker header. */
async function failure(
  promise: Promise<unknown>,
): Promise<{ name: string; status: number; deleteMarker?: string }> {
  try {
    await promise;
  } catch (error) {
    const typed = error as {
      name: string;
      $metadata?: { httpStatusCode?: number };
      $response?: { headers?: Record<string, string> };
    };
    const marker = typed.$response?.headers?.['x-amz-delete-marker'];
    return {
      name: typed.name,
      status: typed.$metadata?.httpStatusCode ?? 0,
      ...(marker === undefined ? {} : { deleteMarker: marker }),
    };
  }
  throw new Error('expected the call to fail');
}

/** Versions and markers of one listing as `[key, id or "null", latest, "v"|"m"]`, in S3's order. */
function rows(listing: ListObjectVersionsCommandOutput): Array<[string, string, boolean, string]> {
  const all = [
    ...(listing.Versions ?? []).map((entry) => ({ ...entry, kind: 'v' })),
    ...(listing.DeleteMarkers ?? []).map((entry) => ({ ...entry, kind: 'm' })),
  ];
  // The XML lists versions and markers in two groups; S3's order is by key, newest first.
  const order = (entry: { LastModified?: Date | undefined }) => entry.LastModified?.getTime() ?? 0;
  all.sort((a, b) =>
    (a.Key ?? '') < (b.Key ?? '') ? -1 : a.Key === b.Key ? order(b) - order(a) : 1,
  );
  return all.map((entry) => [
    entry.Key ?? '',
    entry.VersionId ?? '',
    entry.IsLatest ?? false,
    entry.kind,
  ]);
}

describe('S3 bucket versioning', () => {
  let cluster: TestCluster;
  let s3: S3Client;
  let native: Client;
  const bucket = 'versions';
  const nativeBucket = { name: bucket, provider: 'ais' };
  const get = async (Key: string, VersionId?: string): Promise<string> =>
    text((await s3.send(new GetObjectCommand({ Bucket: bucket, Key, VersionId }))).Body);
  const put = async (Key: string, Body: string): Promise<string> =>
    (await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body }))).VersionId ?? '';
  const versions = async (Prefix: string) =>
    rows(await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix })));

  before(async () => {
    cluster = await TestCluster.start({ proxies: 1, targets: 2, mountpaths: 2 });
    s3 = sdkClient(cluster.primary.publicUrl);
    native = cluster.client(0);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  after(async () => {
    s3?.destroy();
    await cluster?.destroy();
  });

  test('enable: old versions kept, read by ID; delete markers; permanent deletes', async () => {
    assert.equal(await put('k', 'one'), '', 'no version ID before versioning');
    const status = await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }));
    assert.equal(status.Status, undefined);
    await s3.send(
      new PutBucketVersioningCommand({
        Bucket: bucket,
        VersioningConfiguration: { Status: 'Enabled' },
      }),
    );
    const enabled = await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }));
    assert.equal(enabled.Status, 'Enabled');
    const two = await put('k', 'two');
    const three = await put('k', 'three');
    assert.match(two, /^[A-Za-z0-9]{32}$/);
    assert.notEqual(two, three);
    const latest = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
    assert.equal(latest.VersionId, three);
    assert.equal(await text(latest.Body), 'three');
    assert.equal(await get('k', 'null'), 'one');
    assert.equal(await get('k', two), 'two');
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k', VersionId: two }));
    assert.equal(head.VersionId, two);
    assert.equal(head.ContentLength, 3);
    assert.deepEqual(await versions('k'), [
      ['k', three, true, 'v'],
      ['k', two, false, 'v'],
      ['k', 'null', false, 'v'],
    ]);
    assert.equal((await native.getObjectBytes(nativeBucket, 'k')).toString(), 'three');

    const deleted = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'k' }));
    assert.equal(deleted.DeleteMarker, true);
    const marker = deleted.VersionId ?? '';
    assert.match(marker, /^[A-Za-z0-9]{32}$/);
    assert.deepEqual(await failure(get('k')), {
      name: 'NoSuchKey',
      status: 404,
      deleteMarker: 'true',
    });
    assert.equal((await failure(get('k', marker))).status, 405);
    await assert.rejects(native.getObjectBytes(nativeBucket, 'k'), /404|not found|does not exist/i);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'k' }));
    assert.equal(listed.KeyCount, 0);
    assert.deepEqual(await versions('k'), [
      ['k', marker, true, 'm'],
      ['k', three, false, 'v'],
      ['k', two, false, 'v'],
      ['k', 'null', false, 'v'],
    ]);

    // Removing the marker brings the newest version back; removing the latest promotes the next.
    const undelete = await s3.send(
      new DeleteObjectCommand({ Bucket: bucket, Key: 'k', VersionId: marker }),
    );
    assert.equal(undelete.DeleteMarker, true);
    assert.equal(undelete.VersionId, marker);
    assert.equal(await get('k'), 'three');
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'k', VersionId: three }));
    assert.equal(await get('k'), 'two');
    assert.equal((await native.getObjectBytes(nativeBucket, 'k')).toString(), 'two');
    assert.equal((await failure(get('k', three))).name, 'NoSuchVersion');
    assert.deepEqual(await versions('k'), [
      ['k', two, true, 'v'],
      ['k', 'null', false, 'v'],
    ]);
  });

  test('a malformed or empty version ID is 400 InvalidArgument, an unknown one 404 NoSuchVersion', async () => {
    const version = await put('ids', 'v');
    const invalid = { name: 'InvalidArgument', status: 400 };
    // S3 checks the ID's form before looking for the version (it was 404 NoSuchVersion).
    assert.deepEqual(await failure(get('ids', 'bogus')), invalid);
    assert.deepEqual(await failure(get('ids', `${version}x`)), invalid);
    assert.equal(
      (
        await failure(
          s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'ids', VersionId: 'bogus' })),
        )
      ).status,
      400,
    );
    assert.deepEqual(
      await failure(
        s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'ids', VersionId: 'bogus' })),
      ),
      invalid,
    );
    assert.deepEqual(
      await failure(
        s3.send(
          new CopyObjectCommand({
            Bucket: bucket,
            Key: 'ids-copy',
            CopySource: `${bucket}/ids?versionId=bogus`,
          }),
        ),
      ),
      invalid,
    );
    assert.deepEqual(
      await failure(
        s3.send(
          new ListObjectVersionsCommand({
            Bucket: bucket,
            KeyMarker: 'ids',
            VersionIdMarker: 'bogus',
          }),
        ),
      ),
      invalid,
    );
    assert.deepEqual(await failure(get('ids', 'A'.repeat(32))), {
      name: 'NoSuchVersion',
      status: 404,
    });
    assert.equal(await get('ids', version), 'v');
  });

  test('copy from a version, tags of a version, batch deletes with version IDs', async () => {
    const first = await put('c/src', 'first');
    await put('c/src', 'second');
    const copied = await s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: 'c/dst',
        CopySource: `${bucket}/c/src?versionId=${first}`,
      }),
    );
    assert.equal(copied.CopySourceVersionId, first);
    assert.match(copied.VersionId ?? '', /^[A-Za-z0-9]{32}$/);
    assert.equal(await get('c/dst'), 'first');
    await s3.send(
      new PutObjectTaggingCommand({
        Bucket: bucket,
        Key: 'c/src',
        VersionId: first,
        Tagging: { TagSet: [{ Key: 'old', Value: 'yes' }] },
      }),
    );
    const tags = await s3.send(
      new GetObjectTaggingCommand({ Bucket: bucket, Key: 'c/src', VersionId: first }),
    );
    assert.deepEqual(tags.TagSet, [{ Key: 'old', Value: 'yes' }]);
    assert.equal(tags.VersionId, first);
    const latestTags = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: 'c/src' }));
    assert.deepEqual(latestTags.TagSet ?? [], []);

    const batch = await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: [{ Key: 'c/src', VersionId: first }, { Key: 'c/dst' }] },
      }),
    );
    const byKey = new Map(batch.Deleted?.map((entry) => [entry.Key, entry]));
    assert.equal(byKey.get('c/src')?.VersionId, first);
    assert.equal(byKey.get('c/dst')?.DeleteMarker, true);
    assert.match(byKey.get('c/dst')?.DeleteMarkerVersionId ?? '', /^[A-Za-z0-9]{32}$/);
    assert.equal((await failure(get('c/src', first))).name, 'NoSuchVersion');
    assert.equal(await get('c/src'), 'second');
    assert.equal((await failure(get('c/dst'))).status, 404);

    // A delete marker is no copy source, whichever target serves the copy (destinations spread
    // over the targets, so both the source's owner and the others answer): nothing is written.
    const marker = byKey.get('c/dst')?.DeleteMarkerVersionId;
    for (let index = 0; index < 6; index += 1) {
      const Key = `c/from-marker-${index}`;
      const latest = new CopyObjectCommand({ Bucket: bucket, Key, CopySource: `${bucket}/c/dst` });
      assert.deepEqual(await failure(s3.send(latest)), { name: 'NoSuchKey', status: 404 });
      const byId = new CopyObjectCommand({
        Bucket: bucket,
        Key,
        CopySource: `${bucket}/c/dst?versionId=${marker}`,
      });
      assert.deepEqual(await failure(s3.send(byId)), { name: 'InvalidRequest', status: 400 });
      assert.equal((await failure(get(Key))).status, 404);
    }
  });

  test('listing versions page by page with key and version-ID markers, and a delimiter', async () => {
    for (const key of ['p/a', 'p/b', 'p/d/x']) {
      await put(key, `${key} 1`);
      await put(key, `${key} 2`);
    }
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'p/b' }));
    const whole = await versions('p/');
    assert.equal(whole.length, 7);
    const paged: Array<[string, string, boolean, string]> = [];
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    for (let page = 0; page < 10; page += 1) {
      const listing = await s3.send(
        new ListObjectVersionsCommand({
          Bucket: bucket,
          Prefix: 'p/',
          MaxKeys: 2,
          KeyMarker: keyMarker,
          VersionIdMarker: versionIdMarker,
        }),
      );
      paged.push(...rows(listing));
      if (listing.IsTruncated !== true) break;
      keyMarker = listing.NextKeyMarker;
      versionIdMarker = listing.NextVersionIdMarker;
    }
    assert.deepEqual(paged, whole);
    const rolled = await s3.send(
      new ListObjectVersionsCommand({ Bucket: bucket, Prefix: 'p/', Delimiter: '/' }),
    );
    assert.deepEqual(rolled.CommonPrefixes, [{ Prefix: 'p/d/' }]);
    assert.equal(rows(rolled).length, 5);
    // As S3: a version-ID marker means nothing without its key marker.
    assert.deepEqual(
      await failure(
        s3.send(new ListObjectVersionsCommand({ Bucket: bucket, VersionIdMarker: 'null' })),
      ),
      { name: 'InvalidArgument', status: 400 },
    );
  });

  test('suspended: writes and deletes replace the null version, other versions stay', async () => {
    const kept = await put('s', 'kept');
    await s3.send(
      new PutBucketVersioningCommand({
        Bucket: bucket,
        VersioningConfiguration: { Status: 'Suspended' },
      }),
    );
    assert.equal(
      (await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status,
      'Suspended',
    );
    assert.equal(await put('s', 'null one'), 'null');
    assert.equal(await put('s', 'null two'), 'null');
    assert.deepEqual(await versions('s'), [
      ['s', 'null', true, 'v'],
      ['s', kept, false, 'v'],
    ]);
    const deleted = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 's' }));
    assert.equal(deleted.DeleteMarker, true);
    assert.equal(deleted.VersionId, 'null');
    assert.deepEqual(await versions('s'), [
      ['s', 'null', true, 'm'],
      ['s', kept, false, 'v'],
    ]);
    assert.equal(await get('s', kept), 'kept');
    await s3.send(
      new PutBucketVersioningCommand({
        Bucket: bucket,
        VersioningConfiguration: { Status: 'Enabled' },
      }),
    );
  });

  test('suspended: a delete over a null delete marker leaves a null marker latest', async () => {
    const setStatus = (Status: 'Enabled' | 'Suspended') =>
      s3.send(
        new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status } }),
      );
    const key = 'twice';
    const deleted = async (): Promise<void> => {
      const answer = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      assert.equal(answer.VersionId, 'null');
      assert.deepEqual(await failure(get(key)), {
        name: 'NoSuchKey',
        status: 404,
        deleteMarker: 'true',
      });
    };
    const kept = await put(key, 'kept');
    await setStatus('Suspended');
    await deleted();
    // The new null marker's file replaces the old one's: it must not be removed with it.
    await deleted();
    assert.deepEqual(await versions(key), [
      [key, 'null', true, 'm'],
      [key, kept, false, 'v'],
    ]);
    // The same with the null marker no longer the latest: a newer version in between.
    await setStatus('Enabled');
    const newer = await put(key, 'newer');
    await setStatus('Suspended');
    await deleted();
    assert.deepEqual(await versions(key), [
      [key, 'null', true, 'm'],
      [key, newer, false, 'v'],
      [key, kept, false, 'v'],
    ]);
    assert.equal(await get(key, newer), 'newer');
    await setStatus('Enabled');
  });

  test('multipart objects and odd names keep their versions too', async () => {
    const upload = async (body: string): Promise<string> => {
      const { UploadId } = await s3.send(
        new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'mp' }),
      );
      const part = await s3.send(
        new UploadPartCommand({ Bucket: bucket, Key: 'mp', UploadId, PartNumber: 1, Body: body }),
      );
      const done = await s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: 'mp',
          UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
        }),
      );
      return done.VersionId ?? '';
    };
    const first = await upload('multi one');
    const second = await upload('multi two');
    assert.notEqual(first, second);
    assert.equal(await get('mp', first), 'multi one');
    assert.equal(await get('mp'), 'multi two');
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'mp', VersionId: second }));
    assert.equal(await get('mp'), 'multi one');

    const odd = 'odd//name/';
    const oddFirst = await put(odd, 'odd 1');
    await put(odd, 'odd 2');
    assert.equal(await get(odd, oddFirst), 'odd 1');
    assert.deepEqual(
      (await versions(odd)).map((row) => row[1]),
      [(await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: odd }))).VersionId, oddFirst],
    );
  });

  test('the native API sees the latest version; a bucket with versions is not empty', async () => {
    await native.putObject(nativeBucket, 'n', Buffer.from('native 1'));
    await native.putObject(nativeBucket, 'n', Buffer.from('native 2'));
    assert.equal((await versions('n')).length, 2);
    await native.deleteObject(nativeBucket, 'n');
    assert.equal((await versions('n'))[0]?.[3], 'm', 'a native delete leaves a delete marker');
    await s3.send(new CreateBucketCommand({ Bucket: 'versions-doomed' }));
    await s3.send(
      new PutBucketVersioningCommand({
        Bucket: 'versions-doomed',
        VersioningConfiguration: { Status: 'Enabled' },
      }),
    );
    await s3.send(new PutObjectCommand({ Bucket: 'versions-doomed', Key: 'x', Body: 'x' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'versions-doomed', Key: 'x' }));
    assert.equal(
      (await failure(s3.send(new DeleteBucketCommand({ Bucket: 'versions-doomed' })))).name,
      'BucketNotEmpty',
    );
  });
});
