// Client requests and answers against a stub gateway (gateway mode, so all traffic goes there):
// bucket actions, listing pages, error mapping, short bodies, ranges and timeouts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from './client.js';
import { ApiError, TransportError } from './errors.js';
import { sendJson, startStubNode, type StubHandler } from './stub-node.test-helper.js';

const bucket = { name: 'b', provider: 'ais' };

async function withGateway(
  t: { after: (fn: () => Promise<void>) => void },
  handler: StubHandler,
  timeoutMs?: number,
): Promise<{ client: Client; gateway: Awaited<ReturnType<typeof startStubNode>> }> {
  const gateway = await startStubNode(handler);
  const client = new Client(gateway.url, {
    direct: false,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
  t.after(async () => {
    await client.close();
    await gateway.close();
  });
  return { client, gateway };
}

test('bucket requests carry AIStore action messages and query parameters', async (t) => {
  const { client, gateway } = await withGateway(t, (request, response) => {
    if (request.method === 'GET' && request.url.pathname === '/v1/buckets') {
      return sendJson(response, [
        { name: 'b', provider: 'ais', namespace: { uuid: '', name: '' } },
      ]);
    }
    if (request.method === 'HEAD') {
      response.writeHead(200, {
        'ais-bucket-props': JSON.stringify({ provider: 'ais', mirror: { copies: 2 } }),
      });
      return response.end();
    }
    response.end();
  });
  assert.deepEqual(await client.listBuckets(), [
    { name: 'b', provider: 'ais', namespace: { uuid: '', name: '' } },
  ]);
  await client.createBucket(bucket, { mirror: { enabled: true } });
  await client.setBucketProps(bucket, { versioning: { enabled: false } });
  const props = await client.bucketProps(bucket);
  await client.destroyBucket({ name: 'b', provider: 'ais', namespace: { uuid: 'x', name: 'ns' } });
  assert.equal(props.mirror.copies, 2);

  const [list, create, patch, head, destroy] = gateway.requests;
  assert.equal(list?.url.search, '?provider=ais');
  assert.deepEqual(JSON.parse(list?.body.toString() ?? ''), { action: 'list' });
  assert.equal(create?.method, 'POST');
  assert.equal(create?.url.pathname, '/v1/buckets/b');
  assert.deepEqual(JSON.parse(create?.body.toString() ?? ''), {
    action: 'create-bck',
    value: { mirror: { enabled: true } },
  });
  assert.equal(create?.headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(patch?.body.toString() ?? ''), {
    action: 'set-bprops',
    value: { versioning: { enabled: false } },
  });
  assert.equal(head?.method, 'HEAD');
  assert.equal(destroy?.url.searchParams.get('namespace'), '@x#ns');
  assert.deepEqual(JSON.parse(destroy?.body.toString() ?? ''), { action: 'destroy-bck' });
});

test('listObjects follows continuation tokens within one session uuid', async (t) => {
  const pages = [
    {
      uuid: 's1',
      continuation_token: 'b',
      entries: [
        { name: 'a', size: '1' },
        { name: 'b', size: '2' },
      ],
      flags: 0,
    },
    { uuid: 's1', continuation_token: '', entries: [{ name: 'c', size: '3' }], flags: 0 },
  ];
  let served = 0;
  const { client, gateway } = await withGateway(t, (_request, response) => {
    sendJson(response, pages[served]);
    served += 1;
  });
  const names: string[] = [];
  for await (const entry of client.listObjects(bucket, { prefix: 'x', pagesize: 2 }))
    names.push(entry.name);
  assert.deepEqual(names, ['a', 'b', 'c']);
  const bodies = gateway.requests.map((request) => JSON.parse(request.body.toString()) as unknown);
  assert.deepEqual(bodies, [
    { action: 'list', name: '', value: { prefix: 'x', pagesize: 2 } },
    {
      action: 'list',
      name: '',
      value: { prefix: 'x', pagesize: 2, continuation_token: 'b', uuid: 's1' },
    },
  ]);
  assert.equal(gateway.requests[0]?.headers.accept, 'application/json');
  assert.equal(gateway.requests[0]?.method, 'GET');
});

test('error answers become ApiError with the ErrHTTP body (Hdr-Error for HEAD)', async (t) => {
  const errHttp = {
    message: 't[x]: ais://b/o does not exist',
    method: 'GET',
    url_path: '',
    remote_addr: '',
    caller: '',
    node: 't[x]',
    status: 404,
  };
  const { client } = await withGateway(t, (request, response) => {
    if (request.method === 'HEAD' && request.url.pathname.startsWith('/v1/objects')) {
      response.writeHead(404, { 'hdr-error': JSON.stringify(errHttp) });
      return response.end();
    }
    if (request.method === 'HEAD') {
      response.writeHead(404);
      return response.end();
    }
    sendJson(response, errHttp, 404);
  });
  await assert.rejects(client.getObject(bucket, 'o'), (error: unknown) => {
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 404);
    assert.equal(error.message, 'GET ais://b/o: 404 t[x]: ais://b/o does not exist');
    assert.equal(error.body?.node, 't[x]');
    return true;
  });
  await assert.rejects(client.headObject(bucket, 'o'), { status: 404, detail: errHttp.message });
  await assert.rejects(client.bucketProps(bucket), {
    message: 'HEAD ais://b: 404 bucket "ais://b" does not exist',
  });
});

test('a body cut short surfaces as a stream error, never a short read', async (t) => {
  const { client } = await withGateway(t, (_request, response) => {
    response.writeHead(200, { 'content-length': '100' });
    response.write(Buffer.alloc(40, 1));
    setTimeout(() => response.socket?.destroy(), 20);
  });
  const { body, props } = await client.getObject(bucket, 'o');
  assert.equal(props.size, 100);
  const drained = new Promise((resolve, reject) => body.on('end', resolve).on('error', reject));
  body.resume();
  await assert.rejects(drained, (error: unknown) => {
    assert.ok(error instanceof TransportError);
    assert.match(error.message, /^GET ais:\/\/b\/o: body broke off after 40 of 100 bytes/);
    return true;
  });
  await assert.rejects(client.getObjectBytes(bucket, 'o'), TransportError);
});

test('range reads send a Range header and accept 206', async (t) => {
  const { client, gateway } = await withGateway(t, (_request, response) => {
    response.writeHead(206, { 'content-length': '3', 'content-range': 'bytes 2-4/10' });
    response.end('cde');
  });
  const result = await client.getObject(bucket, 'o', { range: { start: 2, end: 4 } });
  assert.equal(result.status, 206);
  assert.equal(result.props.size, 10);
  assert.equal(
    (await client.getObjectBytes(bucket, 'o', { range: { start: 2 } })).toString(),
    'cde',
  );
  assert.equal(gateway.requests[0]?.headers.range, 'bytes=2-4');
  assert.equal(gateway.requests[1]?.headers.range, 'bytes=2-');
  await assert.rejects(client.getObject(bucket, 'o', { range: { start: 5, end: 1 } }), RangeError);
});

test('PUT checksum headers, HEAD V2 props, custom metadata and delete', async (t) => {
  const { client, gateway } = await withGateway(t, (_request, response) => {
    response.writeHead(200, { 'content-length': '0', 'ais-present': 'true' });
    response.end();
  });
  await client.putObject(bucket, 'o', '', {
    checksum: { type: 'md5', value: 'd41d8cd98f00b204e9800998ecf8427e' },
  });
  await client.headObject(bucket, 'o', { props: ['size', 'checksum'] });
  await client.setCustomMetadata(bucket, 'o', { k: 'v' }, { replace: true });
  await client.deleteObject(bucket, 'o');
  const [put, head, patch, remove] = gateway.requests;
  assert.equal(put?.headers['ais-checksum-type'], 'md5');
  assert.equal(put?.headers['content-length'], '0');
  assert.equal(head?.url.searchParams.get('props'), 'size,checksum');
  assert.equal(patch?.method, 'PATCH');
  assert.equal(patch?.url.searchParams.get('set-new-custom'), 'true');
  assert.deepEqual(JSON.parse(patch?.body.toString() ?? ''), {
    action: '',
    name: '',
    value: { k: 'v' },
  });
  assert.equal(remove?.method, 'DELETE');
});

test('a silent server times out with a clear error', async (t) => {
  const { client } = await withGateway(t, () => undefined, 150);
  await assert.rejects(client.health(), (error: unknown) => {
    assert.ok(error instanceof TransportError);
    assert.match(
      error.message,
      /^GET http:\/\/127\.0\.0\.1:\d+\/v1\/health: no answer from .* within 150 ms$/,
    );
    return true;
  });
});

test('a refused connection names the operation and the node', async () => {
  const gateway = await startStubNode(() => undefined);
  await gateway.close();
  const client = new Client(gateway.url);
  await assert.rejects(client.listBuckets(), (error: unknown) => {
    assert.ok(error instanceof TransportError);
    assert.equal(error.code, 'ECONNREFUSED');
    assert.match(error.message, /^list ais buckets: http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/);
    return true;
  });
  await client.close();
});

test('putIntoShard refuses an empty path: the server would take the PUT as one replacing the shard', async (t) => {
  const { client, gateway } = await withGateway(t, (_request, response) => response.end());
  await assert.rejects(
    client.putIntoShard(bucket, 's.tar', '', 'x', { mode: 'append' }),
    TypeError,
  );
  assert.equal(gateway.requests.length, 0);
});
