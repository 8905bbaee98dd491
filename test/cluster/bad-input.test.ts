// Bad input gets a clear 4xx with AIStore's wording and stores nothing: bucket and object names,
// missing buckets and objects, unknown providers, checksum mismatches; long names are stored hashed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '../../src/sdk/index.js';
import { TestCluster } from '../harness/test-cluster.js';
import { findFiles } from '../harness/disk.js';
import { rawRequest } from '../harness/raw-http.js';

const bucket = { name: 'inputs', provider: 'ais' };

const messageOf = (body: string): string => (JSON.parse(body) as { message: string }).message;

describe('bad input', () => {
  let cluster: TestCluster;
  let client: Client;
  let gateway: string;

  const objectFiles = async (): Promise<string[]> =>
    (await findFiles(cluster.dir, '%ob')).filter((p) => p.includes('/@ais/inputs/'));
  const put = (
    path: string,
    body = 'x',
    headers: Record<string, string> = {},
  ): ReturnType<typeof rawRequest> => rawRequest(gateway, 'PUT', path, { body, headers });

  before(async () => {
    cluster = await TestCluster.start({ proxies: 1, targets: 3, mountpaths: 2 });
    client = cluster.client(0);
    gateway = cluster.primary.publicUrl;
    await client.createBucket(bucket);
  });
  after(() => cluster?.destroy());

  test("invalid bucket names are refused with AIStore's wording and not created", async () => {
    const onlyPlus =
      'bucket name is invalid: may only contain letters, numbers, dashes (-), underscores (_), and dots (.)';
    const cases: Array<[string, string]> = [
      ['bad%20name', onlyPlus],
      ['semi%3Bcolon', onlyPlus],
      ['sp%24ce', onlyPlus],
      ['a..b', onlyPlus],
      ['bucket/badname', onlyPlus],
      ['bucket%2Fbadname', onlyPlus],
      ['a'.repeat(65), 'bucket name is too long: 65 > 64(max length)'],
      ['.hidden', 'reserved bucket name ".hidden" (unknown system bucket)'],
    ];
    for (const [name, message] of cases) {
      const response = await rawRequest(gateway, 'POST', `/v1/buckets/${name}`, {
        body: '{"action":"create-bck"}',
      });
      assert.equal(response.status, 400, name);
      assert.equal(messageOf(response.body), message, name);
    }
    // Every route and node checks the name while parsing the URL (HEAD: in Hdr-Error).
    const target = cluster.targets[0]?.publicUrl ?? '';
    for (const [node, method, path] of [
      [gateway, 'HEAD', '/v1/buckets/bucket/badname'],
      [gateway, 'GET', '/v1/buckets/bucket/badname'],
      [gateway, 'DELETE', '/v1/buckets/inputs/badname'],
      [target, 'PUT', '/v1/objects/bad%20name/object'],
    ] as const) {
      const response = await rawRequest(node, method, path, {
        ...(method === 'DELETE' ? { body: '{"action":"destroy-bck"}' } : {}),
      });
      assert.equal(response.status, 400, `${method} ${path}`);
      const text = method === 'HEAD' ? String(response.headers['hdr-error']) : response.body;
      assert.equal(messageOf(text), onlyPlus, `${method} ${path}`);
    }
    const names = (await client.listBuckets()).map((entry) => entry.name);
    assert.deepEqual(names, ['inputs']);
  });

  test('object names with .. segments, NUL, or empty are refused; nothing stored', async () => {
    const cases = [
      '/v1/objects/inputs/a/../b',
      '/v1/objects/inputs/..',
      '/v1/objects/inputs/x/..',
      '/v1/objects/inputs/nul%00name',
      '/v1/objects/inputs/',
    ];
    for (const path of cases) {
      const response = await put(path);
      assert.equal(response.status, 400, path);
      assert.match(response.body, /object name|missing/, path);
    }
    assert.deepEqual(await objectFiles(), []);
  });

  test('names longer than the filesystem allows are stored hashed and read back by name', async () => {
    const longSegment = `${'n'.repeat(300)}.bin`;
    const deep = `${Array.from({ length: 3 }, () => 'd'.repeat(300)).join('/')}/leaf`;
    for (const name of [longSegment, `dir/${longSegment}`, deep]) {
      await client.putObject(bucket, name, `payload of ${name.length}`);
      assert.equal(
        (await client.getObjectBytes(bucket, name)).toString(),
        `payload of ${name.length}`,
      );
      assert.equal(
        (await client.headObject(bucket, name)).size,
        `payload of ${name.length}`.length,
      );
    }
    const listed = [];
    for await (const entry of client.listObjects(bucket)) listed.push(entry.name);
    assert.deepEqual(listed.sort(), [longSegment, `dir/${longSegment}`, deep].sort());
    assert.ok(
      (await objectFiles()).every((path) =>
        path.split('/').every((segment) => Buffer.byteLength(segment) <= 255),
      ),
    );
    for (const name of [longSegment, `dir/${longSegment}`, deep])
      await client.deleteObject(bucket, name);
  });

  test('missing bucket and missing object: 404 with AIStore wording', async () => {
    const noBucket = await rawRequest(gateway, 'GET', '/v1/objects/nosuch/obj');
    assert.equal(noBucket.status, 404);
    assert.match(messageOf(noBucket.body), /bucket "ais:\/\/nosuch" does not exist/);
    const noObject = await rawRequest(gateway, 'GET', '/v1/objects/inputs/missing');
    assert.equal(noObject.status, 307);
    await assert.rejects(
      client.getObjectBytes(bucket, 'missing'),
      /t\[\w+\]: ais:\/\/inputs\/missing does not exist/,
    );
    const head = await rawRequest(
      cluster.targets[0]?.publicUrl ?? '',
      'HEAD',
      '/v1/objects/inputs/missing?pid=x',
    );
    assert.equal(head.status, 404);
    assert.match(String(head.headers['hdr-error']), /ais:\/\/inputs\/missing does not exist/);
    const headBucket = await rawRequest(gateway, 'HEAD', '/v1/buckets/nosuch');
    assert.equal(headBucket.status, 404);
  });

  test('unknown provider is refused', async () => {
    const response = await put('/v1/objects/inputs/obj?provider=floppy');
    assert.equal(response.status, 400);
    assert.match(messageOf(response.body), /invalid backend provider "floppy"/);
    // A remote bucket the cluster does not know is added on first access (after a HEAD of its
    // backend); asked not to add it, the request is refused as not built.
    const remote = await put('/v1/objects/inputs/obj?provider=aws&dont_add_remote_bck_md=true');
    assert.equal(remote.status, 501);
    const unbuilt = await put('/v1/objects/inputs/obj?provider=gcp');
    assert.equal(unbuilt.status, 501);
    assert.match(messageOf(unbuilt.body), /gcp:\/\/ backend/);
  });

  test('a PUT whose Ais-Checksum-Value does not match is refused and stores nothing', async () => {
    const owner = await rawRequest(gateway, 'PUT', '/v1/objects/inputs/checked', { body: '' });
    const location = String(owner.headers.location);
    const target = new URL(location);
    const response = await rawRequest(target.origin, 'PUT', `${target.pathname}${target.search}`, {
      body: 'the real body',
      headers: { 'ais-checksum-type': 'xxhash', 'ais-checksum-value': '0123456789abcdef' },
    });
    assert.equal(response.status, 400);
    assert.match(response.body, /BAD DATA CHECKSUM/);
    await assert.rejects(client.headObject(bucket, 'checked'), /does not exist/);
    assert.deepEqual(await objectFiles(), []);
    assert.deepEqual((await findFiles(cluster.dir, '%wk')).length, 0);
  });

  test('malformed requests: bad JSON, unknown actions, bad ranges, bad page sizes', async () => {
    const badJson = await rawRequest(gateway, 'POST', '/v1/buckets/newb', { body: '{nope' });
    assert.equal(badJson.status, 400);
    const noDestination = await rawRequest(gateway, 'POST', '/v1/buckets/inputs', {
      body: '{"action":"copy-bck"}',
    });
    assert.equal(noDestination.status, 400);
    assert.match(noDestination.body, /copy-bck: missing destination bucket/);
    const unknownResource = await rawRequest(gateway, 'GET', '/v1/nothing');
    assert.equal(unknownResource.status, 400);
    const downloader = await rawRequest(gateway, 'POST', '/v1/download', { body: '{}' });
    assert.equal(downloader.status, 400);
    assert.match(downloader.body, /'type' field is empty/);
    const deep = await rawRequest(gateway, 'POST', '/v1/buckets/newb', {
      body: `${'['.repeat(10_000)}${']'.repeat(10_000)}`,
    });
    assert.equal(deep.status, 400);
    assert.match(deep.body, /deeper than 64 levels/);
    // Over 256 KiB the text is measured before it is parsed; below, the parsed value is walked.
    const deepLong = await rawRequest(gateway, 'POST', '/v1/buckets/newb', {
      body: `${'['.repeat(200_000)}${']'.repeat(200_000)}`,
    });
    assert.equal(deepLong.status, 400);
    assert.match(deepLong.body, /deeper than 64 levels/);
    const list = await rawRequest(gateway, 'GET', '/v1/buckets/inputs', {
      body: '{"action":"list","value":{"pagesize":-3}}',
    });
    assert.equal(list.status, 400);
  });
  test("requests refused before routing answer in their API's form: JSON on /v1, XML for S3", async () => {
    const big = { 'x-big': 'a'.repeat(20_000) };
    const native = await rawRequest(gateway, 'GET', '/v1/buckets?provider=ais', { headers: big });
    assert.equal(native.status, 431);
    assert.equal(native.headers['content-type'], 'application/json');
    const body = JSON.parse(native.body) as Record<string, unknown>;
    assert.match(String(body['message']), /request header fields too large/);
    assert.deepEqual(
      [body['status'], body['method'], body['url_path']],
      [431, 'GET', '/v1/buckets'],
    );
    const head = await rawRequest(gateway, 'HEAD', '/v1/buckets/inputs', { headers: big });
    assert.equal(head.status, 431);
    assert.equal((JSON.parse(String(head.headers['hdr-error'])) as { status: number }).status, 431);
    const s3 = await rawRequest(gateway, 'GET', '/inputs/key', { headers: big });
    assert.equal(s3.status, 431);
    assert.match(s3.body, /<Code>RequestHeaderSectionTooLarge<\/Code>/);
    const percent = await rawRequest(gateway, 'GET', '/v1/objects/inputs/%zz');
    assert.equal(percent.status, 400);
    assert.match(messageOf(percent.body), /malformed percent-encoding in URL path segment "%zz"/);
  });

  test("promote addressed AIStore's way (source path in the message name): outside the promote root", async () => {
    const message = JSON.stringify({
      action: 'promote',
      name: '/tmp/promote/src',
      value: {
        tid: '',
        src: '/tmp/promote/src',
        obj: 'dst/',
        rcr: true,
        ovw: false,
        dls: false,
        notshr: false,
      },
    });
    const target = cluster.targets[0]?.publicUrl ?? '';
    for (const [node, path] of [
      [gateway, '/v1/objects/inputs?provider=ais'],
      [target, '/v1/objects/inputs?provider=ais'],
      [gateway, '/v1/objects/inputs'],
    ] as const) {
      const response = await rawRequest(node, 'POST', path, {
        body: message,
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(response.status, 400, path);
      assert.match(
        messageOf(response.body),
        /must be \/var\/lib\/cairn\/promote or below it/,
        path,
      );
    }
  });
});
