// Client routing against stub nodes: gateway 307s followed with the body re-sent, direct requests
// to the HRW owner, map refresh on a target's redirect, and one retry after a dead target.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import type { ClusterMapJson } from '../wire/index.js';
import { Client } from './client.js';
import { sendJson, startStubNode, stubNodeJson, type StubNode } from './stub-node.test-helper.js';

const bucket = { name: 'bck1', provider: 'ais' };
const targetIds = ['tA1b2C3d', 'tE4f5G6h', 'tI7j8K9l'];

/** A stub target that stores PUT bodies and serves them back. */
function storingTarget(node: StubNode, store: Map<string, Buffer>): void {
  node.handle((request, response) => {
    const key = request.url.pathname;
    if (request.method === 'PUT') {
      store.set(key, request.body);
      response.end();
      return;
    }
    const data = store.get(key);
    if (data === undefined) return sendJson(response, { message: `${key} does not exist` }, 404);
    response.writeHead(200, { 'content-length': String(data.length), 'ais-checksum-type': 'none' });
    response.end(data);
  });
}

/** A stub node that answers every request with a 307 to the same path on `target` (`extra` added to the query). */
function redirectingTo(target: StubNode, extra = ''): Promise<StubNode> {
  return startStubNode((request, response) => {
    response.writeHead(307, {
      location: `${target.url}${request.url.pathname}${request.url.search}${extra}`,
    });
    response.end();
  });
}

function mapOf(
  gateway: StubNode,
  targets: { id: string; node: StubNode }[],
  version: string,
): ClusterMapJson {
  const proxy = stubNodeJson('p1', 'proxy', gateway.url);
  const tmap = Object.fromEntries(
    targets.map(({ id, node }) => [id, stubNodeJson(id, 'target', node.url)]),
  );
  return { tmap, pmap: { p1: proxy }, proxy_si: proxy, uuid: 'u', creation_time: '', version };
}

test('gateway mode follows 307 to the target and re-sends buffer and stream bodies', async (t) => {
  const store = new Map<string, Buffer>();
  const target = await startStubNode(() => undefined);
  storingTarget(target, store);
  const gateway = await redirectingTo(target, '&pid=p1');
  const client = new Client(gateway.url, { direct: false });
  t.after(async () => {
    await client.close();
    await Promise.all([gateway.close(), target.close()]);
  });

  await client.putObject(bucket, 'dir/a b.txt', 'hello');
  const chunks = [Buffer.from('stream-'), Buffer.from('body')];
  await client.putObject(bucket, 'streamed', { size: 11, open: () => Readable.from(chunks) });
  assert.equal(store.get('/v1/objects/bck1/dir/a%20b.txt')?.toString(), 'hello');
  assert.equal(store.get('/v1/objects/bck1/streamed')?.toString(), 'stream-body');
  assert.equal((await client.getObjectBytes(bucket, 'dir/a b.txt')).toString(), 'hello');

  const put = target.requests.find((request) => request.method === 'PUT');
  assert.equal(put?.url.searchParams.get('provider'), 'ais');
  assert.equal(put?.url.searchParams.get('pid'), 'p1');
  assert.equal(put?.headers['content-length'], '5');
  assert.equal(gateway.requests.length, 3, 'every object request went through the gateway');
  assert.equal(gateway.requests[0]?.body.toString(), 'hello');
});

test('direct mode sends each object to its HRW owner, fetching the map once', async (t) => {
  const targets = await Promise.all(
    targetIds.map(async (id) => ({ id, node: await startStubNode(() => undefined) })),
  );
  const stores = targets.map(() => new Map<string, Buffer>());
  targets.forEach(({ node }, index) =>
    storingTarget(node, stores[index] ?? new Map<string, Buffer>()),
  );
  const gateway = await startStubNode(() => undefined);
  gateway.handle((request, response) => {
    if (request.url.searchParams.get('what') === 'smap')
      return sendJson(response, mapOf(gateway, targets, '1'));
    response.statusCode = 500;
    response.end('the gateway must not see object requests');
  });
  const client = new Client(gateway.url);
  t.after(async () => {
    await client.close();
    await Promise.all([gateway.close(), ...targets.map(({ node }) => node.close())]);
  });

  const expected = ['E', 'E', 'E', 'I', 'A', 'A', 'E', 'E'];
  for (let index = 1; index <= 8; index += 1)
    await client.putObject(bucket, `obj${index}`, `data${index}`);
  expected.forEach((letter, index) => {
    const owner = targets.findIndex(({ id }) => id[1] === letter);
    assert.equal(
      stores[owner]?.get(`/v1/objects/bck1/obj${index + 1}`)?.toString(),
      `data${index + 1}`,
    );
  });
  assert.equal(gateway.requests.length, 1, 'only the cluster map came from the gateway');
  assert.equal((await client.clusterMap()).version, '1');
});

test('direct mode: a target 307 refreshes the map and is followed', async (t) => {
  const store = new Map<string, Buffer>();
  const newOwner = await startStubNode(() => undefined);
  storingTarget(newOwner, store);
  const oldOwner = await redirectingTo(newOwner);
  const gateway = await startStubNode(() => undefined);
  let version = 1;
  gateway.handle((_request, response) => {
    const owner = version === 1 ? oldOwner : newOwner;
    sendJson(response, mapOf(gateway, [{ id: 't1', node: owner }], String(version)));
    version += 1;
  });
  const client = new Client(gateway.url, { mapRefreshIntervalMs: 0 });
  t.after(async () => {
    await client.close();
    await Promise.all([gateway.close(), oldOwner.close(), newOwner.close()]);
  });

  await client.putObject(bucket, 'o', new Uint8Array([1, 2, 3]));
  assert.deepEqual([...(store.get('/v1/objects/bck1/o') ?? [])], [1, 2, 3]);
  assert.equal(oldOwner.requests[0]?.body.length, 3, 'the first attempt carried the body');
  assert.equal((await client.clusterMap()).version, '2', 'the redirect refreshed the map');
});

test('direct mode: a dead owner triggers one map refresh and a retry at the new owner', async (t) => {
  const store = new Map<string, Buffer>();
  const live = await startStubNode(() => undefined);
  storingTarget(live, store);
  const dead = await startStubNode(() => undefined);
  const deadUrl = dead.url;
  await dead.close();
  const gateway = await startStubNode(() => undefined);
  let fetches = 0;
  gateway.handle((_request, response) => {
    fetches += 1;
    const node = fetches === 1 ? { ...live, url: deadUrl } : live;
    sendJson(response, mapOf(gateway, [{ id: 't1', node }], String(fetches)));
  });
  const client = new Client(gateway.url, { mapRefreshIntervalMs: 50 });
  t.after(async () => {
    await client.close();
    await Promise.all([gateway.close(), live.close()]);
  });

  await client.clusterMap();
  await new Promise((resolve) => setTimeout(resolve, 60));
  await client.putObject(bucket, 'o', 'x');
  assert.equal(store.get('/v1/objects/bck1/o')?.toString(), 'x');
  assert.equal(fetches, 2);
});

test('direct mode: a map fetched before a write was sent is refreshed after it fails, whatever its age', async (t) => {
  // A SIGKILLed target stays in the gateway's map until keepalive drops it: the first write's
  // refresh still names it. A second write failing right after must fetch again (not reuse the
  // map the throttle calls fresh), or it goes to the dead target a second time and fails.
  const store = new Map<string, Buffer>();
  const live = await startStubNode(() => undefined);
  storingTarget(live, store);
  const dead = await startStubNode(() => undefined);
  const deadUrl = dead.url;
  await dead.close();
  const gateway = await startStubNode(() => undefined);
  let deadInMap = true;
  let fetches = 0;
  gateway.handle((_request, response) => {
    fetches += 1;
    const node = deadInMap ? { ...live, url: deadUrl } : live;
    sendJson(response, mapOf(gateway, [{ id: 't1', node }], String(fetches)));
  });
  const client = new Client(gateway.url, { mapRefreshIntervalMs: 60_000 });
  t.after(async () => {
    await client.close();
    await Promise.all([gateway.close(), live.close()]);
  });

  await client.clusterMap();
  await assert.rejects(client.putObject(bucket, 'o', 'first'));
  assert.equal(fetches, 2, 'the failed write refreshed the map once');
  deadInMap = false;
  await client.putObject(bucket, 'o', 'second');
  assert.equal(store.get('/v1/objects/bck1/o')?.toString(), 'second');
  assert.equal(fetches, 3);
});

test('direct mode: an append whose connection broke after it was sent is not sent again', async (t) => {
  // The dead target may have appended before the connection broke: its new owner must not append
  // the same bytes again. A write that never left the client (refused) is still retried, and so
  // is an idempotent one whose connection broke (a plain PUT, a custom-metadata PATCH).
  const store = new Map<string, Buffer>();
  const live = await startStubNode(() => undefined);
  storingTarget(live, store);
  const breaking = await startStubNode((_request, response) => response.socket?.destroy());
  const gateway = await startStubNode(() => undefined);
  let breakingInMap = true;
  let fetches = 0;
  gateway.handle((_request, response) => {
    fetches += 1;
    const node = breakingInMap ? breaking : live;
    sendJson(response, mapOf(gateway, [{ id: 't1', node }], String(fetches)));
  });
  const client = new Client(gateway.url, { mapRefreshIntervalMs: 60_000 });
  const another = new Client(gateway.url, { mapRefreshIntervalMs: 60_000 });
  t.after(async () => {
    await Promise.all([client.close(), another.close()]);
    await Promise.all([gateway.close(), live.close(), breaking.close()]);
  });

  await client.clusterMap();
  // From here a refreshed map names the live target: a retry would reach it.
  breakingInMap = false;
  await assert.rejects(client.putIntoShard(bucket, 's.tar', 'a.txt', 'x', { mode: 'append' }));
  assert.equal(breaking.requests.length, 1, 'the append reached the target that broke');
  assert.equal(live.requests.length, 0, 'and was not sent to the new owner');
  await client.putObject(bucket, 'o', 'whole');
  assert.equal(breaking.requests.length, 2);
  assert.equal(store.get('/v1/objects/bck1/o')?.toString(), 'whole', 'a plain PUT is retried');
  breakingInMap = true;
  await another.clusterMap();
  breakingInMap = false;
  await another.setCustomMetadata(bucket, 'o', { k: 'v' });
  assert.deepEqual(
    [breaking.requests.at(-1)?.method, live.requests.at(-1)?.method],
    ['PATCH', 'PATCH'],
    'a PATCH is retried',
  );
});

test('a stream body is never sent again once read: open() must give a fresh stream', async (t) => {
  // Gateway mode: the gateway's 307 makes the client send the body again, to the target.
  const store = new Map<string, Buffer>();
  const target = await startStubNode(() => undefined);
  storingTarget(target, store);
  const gateway = await redirectingTo(target);
  const client = new Client(gateway.url, { direct: false, timeoutMs: 2000 });
  t.after(async () => {
    await client.close();
    await Promise.all([gateway.close(), target.close()]);
  });
  const once = Readable.from([Buffer.from('stream-body')]);
  await assert.rejects(
    client.putObject(bucket, 'reused', { size: 11, open: () => once }),
    (error: unknown) => error instanceof TypeError && /fresh stream/.test(error.message),
  );
  assert.equal(target.requests.length, 0, 'nothing sent to the target');
  assert.equal(store.size, 0);
});
