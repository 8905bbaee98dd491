// Object writes beyond a plain PUT on a real cluster (2 gateways, 3 targets x 2 mountpaths), through
// the SDK and raw HTTP with AIStore's wire shapes: single-object copy (same and cross bucket, across
// targets, into mirrored and EC buckets), APPEND (invisible until flush, atomic flush, bad handles,
// abandoned appends swept), native multipart upload, and HEAD V2 with every property.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { xxh64 } from '@node-rs/xxhash';
import { ApiError, PlacementMap, type BucketJson, type Client } from '../../src/sdk/index.js';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
} from '@aws-sdk/client-s3';
import { fetchClusterMap } from '../harness/placement.js';
import { sdkClient } from '../harness/s3-setup.js';
import { sendFollowing as send, type RawResponse } from '../harness/raw-http.js';
import { TestCluster } from '../harness/test-cluster.js';
import { waitFor } from '../harness/wait.js';

const source = { name: 'writes', provider: 'ais' };
const other = { name: 'writes-other', provider: 'ais' };
const mirrored = { name: 'writes-mirror', provider: 'ais' };
const coded = { name: 'writes-ec', provider: 'ais' };
const mib = 1024 * 1024;

function messageOf(response: RawResponse): string {
  const text = response.body !== '' ? response.body : String(response.headers['hdr-error'] ?? '');
  return (JSON.parse(text) as { message: string }).message;
}

function xxhash(data: Buffer): string {
  return xxh64(data, 0n).toString(16).padStart(16, '0');
}

async function rejectsWith(
  promise: Promise<unknown>,
  status: number,
  pattern: RegExp,
): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ApiError, String(error));
    assert.equal(error.status, status, error.message);
    assert.match(error.detail, pattern);
    return true;
  });
}

describe('object writes: copy, append, native multipart, HEAD V2', () => {
  let cluster: TestCluster;
  let client: Client;
  let viaGateway: Client;
  let gateway: string;
  /** The target that owns `bucket/name` under the current map. */
  let ownerOf: (bucket: BucketJson, name: string) => string;

  before(async () => {
    cluster = await TestCluster.start({ proxies: 2, targets: 3, mountpaths: 2 });
    client = cluster.client(0);
    viaGateway = cluster.client(1, { direct: false });
    gateway = cluster.proxies[1]?.publicUrl ?? '';
    for (const bucket of [source, other, mirrored, coded]) await client.createBucket(bucket);
    await client.setBucketProps(mirrored, { mirror: { enabled: true, copies: 2 } });
    await client.setBucketProps(coded, {
      ec: { enabled: true, data_slices: 1, parity_slices: 1, objsize_limit: 0 },
    });
    const placement = new PlacementMap(await fetchClusterMap(cluster.primary.publicUrl));
    ownerOf = (bucket, name) => placement.owner(bucket, name)?.daemon_id ?? '';
  });
  after(() => cluster?.destroy());

  test('copy: same and cross bucket, across targets, metadata kept, protected at the destination', async () => {
    const data = randomBytes(2 * mib + 3);
    await client.putObject(source, 'copy/src', data);
    await client.setCustomMetadata(source, 'copy/src', { origin: 'copy-test' });
    // A destination name owned by another target than the source's.
    const sourceOwner = ownerOf(source, 'copy/src');
    const names = Array.from({ length: 20 }, (_, i) => `copy/dst-${i}`);
    const remote = names.find((name) => ownerOf(other, name) !== sourceOwner) ?? '';
    const local = names.find((name) => ownerOf(source, name) === sourceOwner) ?? '';
    assert.ok(remote !== '' && local !== '');

    await client.copyObject(source, 'copy/src', { bucket: source, name: local });
    await viaGateway.copyObject(source, 'copy/src', { bucket: other, name: remote });
    for (const [bucket, name] of [
      [source, local],
      [other, remote],
    ] as const) {
      assert.deepEqual(await viaGateway.getObjectBytes(bucket, name), data);
      const props = await client.headObject(bucket, name);
      assert.equal(props.customMetadata.origin, 'copy-test');
      assert.equal(props.checksum.value, xxhash(data));
      assert.equal(props.version, '1');
    }
    assert.equal(ownerOf(other, remote) !== sourceOwner, true);

    // Into protected buckets: mirror copies and EC pieces exist before the copy is acknowledged.
    await client.copyObject(source, 'copy/src', { bucket: mirrored, name: 'copied' });
    assert.equal((await client.headObject(mirrored, 'copied')).mirrorCopies, 2);
    await client.copyObject(source, 'copy/src', { bucket: coded, name: 'copied' });
    const ec = (await client.headObject(coded, 'copied')).ec;
    assert.equal(ec?.dataSlices, 1);
    assert.equal(ec?.pieces.length, 3);

    // Raw wire: the uname percent-encoded, flags as the Python SDK sends them, no body.
    const uname = encodeURIComponent('ais/@#/writes-other/copy/raw');
    const path = `/v1/objects/writes/copy/src?provider=ais&object_to=${uname}&latest-ver=false&synchronize=false`;
    const raw = await send(gateway, 'PUT', path);
    assert.equal(raw.status, 200, raw.body);
    assert.equal(raw.body, '');
    assert.deepEqual(await client.getObjectBytes(other, 'copy/raw'), data);
  });

  test('copy: missing destination bucket is a 404 naming it; missing source 404; onto itself a no-op', async () => {
    await client.putObject(source, 'copy/self', 'self');
    const path = (to: string): string =>
      `/v1/objects/writes/copy/self?provider=ais&object_to=${encodeURIComponent(to)}`;
    const missing = await send(gateway, 'PUT', path('ais/@#/no-such-bucket/x'));
    assert.equal(missing.status, 404);
    assert.equal(messageOf(missing), 'bucket "ais://no-such-bucket" does not exist');
    const noName = await send(gateway, 'PUT', path('ais/@#/writes-other/'));
    assert.equal(noName.status, 400);
    assert.match(messageOf(noName), /parse-uname .*missing object name/);
    await rejectsWith(
      client.copyObject(source, 'copy/none', { bucket: other, name: 'x' }),
      404,
      /writes\/copy\/none does not exist/,
    );
    await client.copyObject(source, 'copy/self', { bucket: source, name: 'copy/self' });
    await client.copyObject(
      source,
      'copy/self',
      { bucket: source, name: 'copy/self' },
      { latest: true, sync: true },
    );
    const props = await client.headObject(source, 'copy/self');
    assert.equal(props.version, '1');
    assert.equal((await client.getObjectBytes(source, 'copy/self')).toString(), 'self');
  });

  test('append: invisible until flush, starts from the current content, flush is atomic', async () => {
    await client.putObject(source, 'append/log', 'head;');
    let handle = await viaGateway.appendObject(source, 'append/log', 'one;');
    handle = await viaGateway.appendObject(source, 'append/log', 'two;', { handle });
    // Raw wire: the handle is four `|` fields naming the owner target; sent back percent-encoded.
    const fields = handle.split('|');
    assert.equal(fields.length, 4);
    assert.equal(fields[0], ownerOf(source, 'append/log'));
    assert.equal(fields[2], 'xxhash');
    const raw = await send(
      gateway,
      'PUT',
      `/v1/objects/writes/append/log?provider=ais&append_type=append&append_handle=${encodeURIComponent(handle)}`,
      { body: 'three;' },
    );
    assert.equal(raw.status, 200, raw.body);
    handle = String(raw.headers['ais-append-handle']);
    assert.notEqual(handle, 'undefined');
    // Readers still see the object as it was.
    assert.equal((await client.getObjectBytes(source, 'append/log')).toString(), 'head;');
    assert.equal((await client.headObject(source, 'append/log')).size, 5);
    const names: string[] = [];
    for await (const entry of client.listObjects(source, { prefix: 'append/' }))
      names.push(entry.name);
    assert.deepEqual(names, ['append/log']);

    const whole = Buffer.from('head;one;two;three;');
    // A wrong checksum fails the flush and changes nothing; the append goes on.
    await rejectsWith(
      client.flushObject(source, 'append/log', handle, {
        checksum: { type: 'xxhash', value: '0123456789abcdef' },
      }),
      400,
      /BAD DATA CHECKSUM/,
    );
    assert.equal((await client.getObjectBytes(source, 'append/log')).toString(), 'head;');
    await client.flushObject(source, 'append/log', handle, {
      checksum: { type: 'xxhash', value: xxhash(whole) },
    });
    assert.deepEqual(await viaGateway.getObjectBytes(source, 'append/log'), whole);
    assert.equal((await client.headObject(source, 'append/log')).version, '2');
    // The handle is spent.
    await rejectsWith(
      client.flushObject(source, 'append/log', handle),
      400,
      /no append in progress/,
    );

    // A new object: 404 until the flush.
    const first = await client.appendObject(source, 'append/new', 'a');
    const second = await client.appendObject(source, 'append/new', 'b', { handle: first });
    await rejectsWith(client.getObjectBytes(source, 'append/new'), 404, /does not exist/);
    // A stale handle (not the last one) is refused and leaves the append as it was.
    await rejectsWith(
      client.appendObject(source, 'append/new', 'x', { handle: first }),
      409,
      /stale handle/,
    );
    await client.flushObject(source, 'append/new', second);
    assert.equal((await client.getObjectBytes(source, 'append/new')).toString(), 'ab');

    // A flush is protected like a PUT: mirror copies exist when it is acknowledged.
    const mirroredHandle = await client.appendObject(mirrored, 'appended', 'kept twice');
    await client.flushObject(mirrored, 'appended', mirroredHandle);
    assert.equal((await client.headObject(mirrored, 'appended')).mirrorCopies, 2);
  });

  test('append: bad handles are clear 400s; flush needs a handle', async () => {
    const path = (query: string): string => `/v1/objects/writes/append/bad?provider=ais&${query}`;
    const malformed = await send(gateway, 'PUT', path('append_type=append&append_handle=h1'), {
      body: 'x',
    });
    assert.equal(malformed.status, 400);
    assert.equal(messageOf(malformed), 'invalid APPEND handle: "h1"');
    const unknownNode = await send(
      gateway,
      'PUT',
      path(`append_type=append&append_handle=${encodeURIComponent('tXYZ|/tmp/x|xxhash|AA==')}`),
      { body: 'x' },
    );
    assert.equal(unknownNode.status, 400);
    assert.match(messageOf(unknownNode), /invalid APPEND handle: .*node tXYZ not present/);
    // A real handle for another object, and a forged path on the right target.
    const handle = await client.appendObject(source, 'append/one', 'x');
    await rejectsWith(
      client.appendObject(source, 'append/bad', 'y', { handle }),
      400,
      /invalid APPEND handle: .*another object/,
    );
    const [node = '', , type = '', state = ''] = handle.split('|');
    const forged = [node, '/etc/passwd', type, state].join('|');
    await rejectsWith(
      client.appendObject(source, 'append/one', 'y', { handle: forged }),
      400,
      /invalid APPEND handle: .*no append work file/,
    );
    const noHandle = await send(gateway, 'PUT', path('append_type=flush'));
    assert.equal(noHandle.status, 400);
    assert.match(messageOf(noHandle), /failed to finalize append-file operation: empty source/);
    const badType = await send(gateway, 'PUT', path('append_type=prepend'), { body: 'x' });
    assert.equal(badType.status, 501);
    await rejectsWith(client.headObject(source, 'append/bad'), 404, /does not exist/);
  });

  test('native multipart: plain-text ID, parts in any order (last wins), AIStore errors, chunked HEAD', async () => {
    const parts = [randomBytes(mib + 1), randomBytes(mib), randomBytes(1000)] as const;
    const name = 'mpu/object';
    const uploadId = await viaGateway.createMultipartUpload(source, name);
    assert.match(uploadId, /^[A-Za-z0-9_-]{8,128}$/);
    await viaGateway.uploadPart(source, name, uploadId, 3, parts[2]);
    await viaGateway.uploadPart(source, name, uploadId, 1, randomBytes(10));
    await viaGateway.uploadPart(source, name, uploadId, 1, parts[0]);
    // Raw wire: 200, empty body, no ETag header.
    const partPath = `/v1/objects/writes/mpu/object?provider=ais&uploadId=${uploadId}&partNumber=2`;
    const rawPart = await send(gateway, 'PUT', partPath, { body: parts[1] });
    assert.equal(rawPart.status, 200, rawPart.body);
    assert.equal(rawPart.body, '');
    assert.equal(rawPart.headers.etag, undefined);
    await rejectsWith(
      client.completeMultipartUpload(source, name, uploadId, [1, 2]),
      400,
      /partial completion is not allowed: requested 2 parts, have 3/,
    );
    await rejectsWith(
      client.completeMultipartUpload(source, name, uploadId, [1, 2, 2]),
      400,
      /parts must be exactly 1\.\.3/,
    );
    await rejectsWith(client.getObjectBytes(source, name), 404, /does not exist/);
    await viaGateway.completeMultipartUpload(source, name, uploadId, [3, 1, 2]);
    const whole = Buffer.concat(parts);
    assert.deepEqual(await client.getObjectBytes(source, name), whole);

    const v2 = await client.headObject(source, name, { props: ['size', 'chunked', 'etag'] });
    assert.equal(v2.size, whole.length);
    assert.deepEqual(v2.chunks, { count: 3, maxChunkSizeBytes: mib + 1 });
    assert.match(v2.etag ?? '', /^[0-9a-f]{32}-3$/);
    const raw = await send(gateway, 'HEAD', `/v1/objects/writes/mpu/object?props=chunked`);
    assert.equal(raw.headers['ais-chunks-count'], '3');
    assert.equal(raw.headers['ais-chunks-max-chunk-size'], String(mib + 1));
    assert.equal(raw.headers['content-length'], String(whole.length));
    // The parallel range reader of AIStore's Python SDK: chunk-aligned ranges, in order.
    const chunkSize = Number(raw.headers['ais-chunks-max-chunk-size']);
    const pieces: Buffer[] = [];
    for (let start = 0; start < whole.length; start += chunkSize) {
      const end = Math.min(start + chunkSize, whole.length) - 1;
      const range = await send(gateway, 'GET', `/v1/objects/writes/mpu/object?provider=ais`, {
        headers: { range: `bytes=${start}-${end}` },
      });
      assert.equal(range.status, 206);
      pieces.push(range.bytes);
    }
    assert.deepEqual(Buffer.concat(pieces), whole);

    // A completion is protected like a PUT: EC pieces exist when it is acknowledged.
    const coding = await client.createMultipartUpload(coded, 'mpu');
    await client.uploadPart(coded, 'mpu', coding, 1, parts[2]);
    await client.completeMultipartUpload(coded, 'mpu', coding, [1]);
    assert.equal((await client.headObject(coded, 'mpu')).ec?.pieces.length, 3);
    assert.deepEqual(await client.getObjectBytes(coded, 'mpu'), parts[2]);

    // After completion the upload is gone.
    await rejectsWith(
      client.uploadPart(source, name, uploadId, 4, 'more'),
      404,
      new RegExp(`^mpu/object: ${uploadId} does not exist`),
    );
  });

  test("native and S3 multipart are one: each sees, fills and completes the other's uploads", async () => {
    const s3 = sdkClient(cluster.primary.publicUrl);
    try {
      const nativeId = await viaGateway.createMultipartUpload(source, 'mix/native');
      const listed = await s3.send(
        new ListMultipartUploadsCommand({ Bucket: source.name, Prefix: 'mix/' }),
      );
      assert.deepEqual(
        listed.Uploads?.map((upload) => [upload.Key, upload.UploadId]),
        [['mix/native', nativeId]],
      );
      const nativePart = randomBytes(1000);
      await viaGateway.uploadPart(source, 'mix/native', nativeId, 1, nativePart);
      const parts = await s3.send(
        new ListPartsCommand({ Bucket: source.name, Key: 'mix/native', UploadId: nativeId }),
      );
      const etag = parts.Parts?.[0]?.ETag;
      assert.equal(parts.Parts?.[0]?.Size, 1000);
      await s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: source.name,
          Key: 'mix/native',
          UploadId: nativeId,
          MultipartUpload: {
            Parts: [{ PartNumber: 1, ...(etag === undefined ? {} : { ETag: etag }) }],
          },
        }),
      );
      assert.deepEqual(await client.getObjectBytes(source, 'mix/native'), nativePart);

      const created = await s3.send(
        new CreateMultipartUploadCommand({ Bucket: source.name, Key: 'mix/s3' }),
      );
      const s3Id = created.UploadId ?? '';
      const s3Part = randomBytes(2000);
      await viaGateway.uploadPart(source, 'mix/s3', s3Id, 1, s3Part);
      await viaGateway.completeMultipartUpload(source, 'mix/s3', s3Id, [1]);
      assert.deepEqual(await client.getObjectBytes(source, 'mix/s3'), s3Part);
    } finally {
      s3.destroy();
    }
  });

  test('native multipart: wire errors and abort', async () => {
    const name = 'mpu/aborted';
    const create = await send(gateway, 'POST', '/v1/objects/writes/mpu/aborted?provider=ais', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'mpt-upload', name: '', value: null }),
    });
    assert.equal(create.status, 200);
    assert.match(String(create.headers['content-type']), /^text\/plain/);
    const uploadId = create.body;
    assert.doesNotMatch(uploadId, /"/);
    const base = `/v1/objects/writes/mpu/aborted?provider=ais&uploadId=${uploadId}`;
    const badNumber = await send(gateway, 'PUT', `${base}&partNumber=x`, { body: 'a' });
    assert.equal(badNumber.status, 400);
    assert.match(messageOf(badNumber), /invalid part number "x" for uploadID/);
    const zero = await send(gateway, 'PUT', `${base}&partNumber=0`, { body: 'a' });
    assert.equal(zero.status, 400);
    const tooBig = await send(gateway, 'PUT', `${base}&partNumber=10000`, { body: 'a' });
    assert.equal(tooBig.status, 400);
    const empty = await send(gateway, 'PUT', `${base}&partNumber=1`, { body: '' });
    assert.equal(empty.status, 400);
    assert.match(messageOf(empty), /put-part invalid size \(0\)/);
    await client.uploadPart(source, name, uploadId, 1, 'part');
    const noParts = await send(gateway, 'POST', base, {
      body: JSON.stringify({ action: 'mpt-complete', value: [] }),
    });
    assert.equal(noParts.status, 400);
    // Abort is a DELETE with the action (a POST abort is refused, as in AIStore).
    const postAbort = await send(gateway, 'POST', base, {
      body: JSON.stringify({ action: 'mpt-abort' }),
    });
    assert.equal(postAbort.status, 501);
    const abort = await send(gateway, 'DELETE', base, {
      body: JSON.stringify({ action: 'mpt-abort', name: '', value: null }),
    });
    assert.equal(abort.status, 200, abort.body);
    const again = await send(gateway, 'DELETE', base, {
      body: JSON.stringify({ action: 'mpt-abort' }),
    });
    assert.equal(again.status, 404);
    assert.equal(messageOf(again), `mpu/aborted: ${uploadId} does not exist`);
    const short = await send(gateway, 'DELETE', `/v1/objects/writes/mpu/aborted?uploadId=abc`, {
      body: JSON.stringify({ action: 'mpt-abort' }),
    });
    assert.equal(short.status, 400);
    assert.match(messageOf(short), /chunk-manifest ID "abc" is too short/);
    // A plain DELETE with uploadId is not an abort (and deletes nothing).
    const plain = await send(gateway, 'DELETE', base);
    assert.equal(plain.status, 501);
    await rejectsWith(client.headObject(source, name), 404, /does not exist/);
  });

  test('HEAD V2: every AIStore property, ETag quoted, unknown ones refused, presence', async () => {
    const data = Buffer.from('head v2');
    await client.putObject(source, 'head/v2', data);
    await client.setCustomMetadata(source, 'head/v2', { k: 'v' });
    const all =
      'name,size,checksum,atime,version,custom,last-modified,etag,location,copies,ec,chunked';
    const full = await send(gateway, 'HEAD', `/v1/objects/writes/head/v2?props=${all}`);
    assert.equal(full.status, 200);
    const header = (name: string): string => String(full.headers[name] ?? '');
    assert.equal(header('content-length'), String(data.length));
    assert.equal(header('ais-present'), 'true');
    assert.equal(header('ais-checksum-value'), xxhash(data));
    assert.match(header('ais-atime'), /^\d+$/);
    assert.equal(header('ais-version'), '1');
    assert.equal(header('ais-custom-md'), 'k=v');
    assert.match(header('last-modified'), /GMT$/);
    assert.match(header('etag'), new RegExp(`^"v1-${xxhash(data)}-[0-9a-z]+"$`));
    assert.match(header('ais-location'), /^t\[/);
    assert.equal(header('ais-mirror-copies'), '1');
    assert.equal(full.headers['ais-chunks-count'], undefined);
    // The SDK's default selection: no ETag, no Last-Modified.
    const plain = await send(gateway, 'HEAD', '/v1/objects/writes/head/v2?props=name,size');
    assert.equal(plain.headers.etag, undefined);
    assert.equal(plain.headers['last-modified'], undefined);
    // Items are trimmed.
    const spaced = await client.headObject(source, 'head/v2', { props: [' size', 'etag '] });
    assert.match(spaced.etag ?? '', /^v1-/);
    for (const bad of ['cached', 'status', 'present', 'nosuch']) {
      const refused = await send(gateway, 'HEAD', `/v1/objects/writes/head/v2?props=size,${bad}`);
      assert.equal(refused.status, 400, bad);
      assert.equal(messageOf(refused), `invalid property "${bad}" in props list`);
    }
    const silent = await send(gateway, 'HEAD', '/v1/objects/writes/head/v2?presence=1');
    assert.equal(silent.status, 200);
    assert.equal(silent.headers['ais-present'], undefined);
    // An S3-style ETag (a multipart object) is the stored one, in V1 too.
    const id = await client.createMultipartUpload(source, 'head/mpu');
    await client.uploadPart(source, 'head/mpu', id, 1, data);
    await client.completeMultipartUpload(source, 'head/mpu', id, [1]);
    const md5 = createHash('md5').update(createHash('md5').update(data).digest()).digest('hex');
    assert.equal((await client.headObject(source, 'head/mpu')).etag, `${md5}-1`);
  });

  test('abandoned appends are swept after the configured age', async () => {
    const first = await client.appendObject(source, 'append/abandoned', 'lost');
    await client.appendObject(source, 'append/abandoned', 'more', { handle: first });
    // The first handle is stale: a 409 while the work file exists (and it changes nothing).
    await rejectsWith(client.flushObject(source, 'append/abandoned', first), 409, /stale/);
    await cluster.setConfig({ 'storage.abandoned_append_age_ms': 1000 });
    try {
      await waitFor('the abandoned append to be swept', 20_000, async () => {
        try {
          await client.flushObject(source, 'append/abandoned', first);
        } catch (error) {
          return error instanceof ApiError && /no append in progress/.test(error.detail);
        }
        throw new Error('a stale handle was flushed');
      });
    } finally {
      await cluster.setConfig({ 'storage.abandoned_append_age_ms': 30 * 60_000 });
    }
    await rejectsWith(client.headObject(source, 'append/abandoned'), 404, /does not exist/);
  });

  test('a PUT whose bucket is destroyed while its body arrives: 404 bucket, not 500', async () => {
    const doomed = { name: 'writes-doomed', provider: 'ais' };
    await client.createBucket(doomed);
    const map = new PlacementMap(await fetchClusterMap(cluster.primary.publicUrl));
    const owner =
      cluster.targets.find((t) => t.id === map.owner(doomed, 'slow.bin')?.daemon_id)?.publicUrl ??
      '';
    // Straight to the owner (a gateway 307 would be followed the same way).
    const put = request(`${owner}/v1/objects/${doomed.name}/slow.bin`, {
      method: 'PUT',
      headers: { 'content-length': String(2 * mib) },
    });
    const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
      put.on('response', (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      });
      put.on('error', reject);
    });
    put.write(Buffer.alloc(mib, 1));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await client.destroyBucket(doomed);
    put.end(Buffer.alloc(mib, 2));
    const { status, body } = await answered;
    assert.equal(status, 404, body);
    assert.match(body, /writes-doomed.*does not exist/);
  });
});
