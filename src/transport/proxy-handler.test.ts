// Unit tests of IntraClient.proxy and its dispatch handler, with an origin and a front server in
// this process: the answer's status, headers (less the dropped ones) and body reach the client; a
// client that hangs up mid-answer ends the exchange without harming either server; an origin that
// is not listening is a PeerUnreachable with nothing written to the client, who still gets the
// caller's answer when it was sending a body; a large answer, paused and resumed at every chunk,
// makes no zero-length write to the client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { isStoreError } from '../errors/index.js';
import { IntraClient } from './intra-client.js';
import { passedHead, ProxyHandler } from './proxy-handler.js';

const dropped: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'x-private']);

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A front server proxying every request to `origin`; `settled` lists how each exchange ended. */
function frontServer(client: IntraClient, origin: () => string, settled: string[]): Server {
  return createServer((req, res) => {
    client
      .proxy(
        {
          origin: origin(),
          path: req.url ?? '/',
          method: req.method ?? 'GET',
          headers: [],
          body: req.method === 'PUT' ? req : undefined,
          timeoutMs: 10_000,
        },
        res,
        (status, raw) => res.writeHead(status, passedHead(raw, dropped).headers),
      )
      .then(
        () => settled.push('done'),
        (error: unknown) => {
          settled.push(isStoreError(error) ? error.code : 'other');
          if (!res.headersSent) res.writeHead(502).end();
        },
      );
  });
}

function get(url: string): Promise<{ response: IncomingMessage; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ response, body }));
      response.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

/** A request with a body; resolves with the answer's status (rejects on a reset connection). */
function send(url: string, method: string, body: Buffer): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const sent = request(url, { method, headers: { 'content-length': String(body.length) } });
    sent.on('response', (response) => {
      response.resume();
      response.on('end', () => resolve(response));
      response.on('error', reject);
    });
    sent.on('error', reject);
    sent.end(body);
  });
}

test('passedHead drops the listed names, whatever their case, and notes the body length', () => {
  const raw = ['Content-Length', '5', 'Connection', 'keep-alive', 'ETag', '"x"', 'X-Private', 'p'];
  const head = passedHead(
    raw.map((text) => Buffer.from(text, 'latin1')),
    dropped,
  );
  assert.deepEqual(head.headers, ['Content-Length', '5', 'ETag', '"x"']);
  assert.equal(head.contentLength, 5);
  assert.equal(passedHead([], dropped).contentLength, undefined);
});

test('proxy: answers stream through; hang-ups and dead origins leave both servers serving', async () => {
  let releaseSlow: (() => void) | undefined;
  const originServer = createServer((req, res) => {
    if (req.url === '/slow') {
      res.writeHead(200, { 'content-length': String(1 << 20) });
      res.write(Buffer.alloc(64 * 1024));
      releaseSlow?.();
      return; // The rest never comes: the client hangs up first.
    }
    res.writeHead(201, { 'x-private': 'secret', 'x-kept': 'yes', 'content-length': '5' });
    res.end('hello');
  });
  const originUrl = await listen(originServer);
  let origin = originUrl;
  const client = new IntraClient({ callerId: 't1', callerName: 't1', connectionsPerPeer: 4 });
  const settled: string[] = [];
  const front = frontServer(client, () => origin, settled);
  const frontUrl = await listen(front);
  try {
    const { response, body } = await get(`${frontUrl}/object`);
    assert.equal(response.statusCode, 201);
    assert.equal(body, 'hello');
    assert.equal(response.headers['x-kept'], 'yes');
    assert.equal(response.headers['x-private'], undefined);

    // The client hangs up after the first chunk: the exchange ends, both servers carry on.
    const started = new Promise<void>((resolve) => (releaseSlow = resolve));
    const slow = request(`${frontUrl}/slow`);
    slow.on('error', () => undefined);
    slow.on('response', (answer) => answer.on('error', () => undefined));
    slow.end();
    await started;
    slow.destroy();
    for (let attempt = 0; attempt < 200 && settled.length < 2; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assert.equal(settled.length, 2, 'the abandoned exchange settles');
    assert.equal((await get(`${frontUrl}/object`)).body, 'hello');

    // An origin that is not listening: PeerUnreachable, nothing written before the 502.
    const deadServer = createServer();
    origin = await listen(deadServer);
    await close(deadServer);
    const dead = await get(`${frontUrl}/object`);
    assert.equal(dead.response.statusCode, 502);
    assert.equal(settled.at(-1), 'PeerUnreachable');
    // A PUT to it: the client's body is not cut with the exchange, so the client gets the answer.
    const put = await send(`${frontUrl}/object`, 'PUT', Buffer.alloc(1 << 20, 7));
    assert.equal(put.statusCode, 502);
    assert.equal(settled.at(-1), 'PeerUnreachable');
  } finally {
    await client.close();
    await close(front);
    await close(originServer);
  }
});

test('proxy: a large answer, paused at every chunk, reaches the client without empty writes', async () => {
  const body = Buffer.alloc(1 << 20, 7);
  const originServer = createServer((_req, res) => res.end(body));
  const client = new IntraClient({ callerId: 'gw', callerName: 'gw', connectionsPerPeer: 2 });
  const origin = await listen(originServer);
  // Every write the front server makes to the client's socket, by length: 64 KiB chunks against
  // a 16 KiB high-water mark pause and resume the exchange on every chunk.
  const writes: number[] = [];
  const settled: string[] = [];
  const proxying = frontServer(client, () => origin, settled);
  const front = createServer((req, res) => {
    const socket = req.socket;
    const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
    socket.write = (chunk: string | Uint8Array, ...rest: unknown[]) => {
      writes.push(typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length);
      return write(chunk, ...rest);
    };
    proxying.emit('request', req, res);
  });
  const frontUrl = await listen(front);
  try {
    const answer = await get(`${frontUrl}/large`);
    assert.equal(answer.response.statusCode, 200);
    assert.equal(answer.body.length, body.length);
    assert.ok(writes.length > 1, 'the answer went out in chunks');
    // Node's `res.end()` itself writes one empty chunk (to carry its finish callback) when the
    // socket still holds unsent bytes: the last write may be that one, never one before it.
    assert.deepEqual(
      writes.slice(0, -1).filter((length) => length === 0),
      [],
      'no zero-length write reached the client before the end',
    );
    assert.deepEqual(settled, ['done']);
  } finally {
    await client.close();
    await close(front);
    await close(originServer);
  }
});

test('an answer before the end of the request body is held until that end, unless the peer closes', async () => {
  const body = new PassThrough();
  const res = new PassThrough();
  let heads = 0;
  let resolved = false;
  const handler = new ProxyHandler(
    res,
    () => (heads += 1),
    () => (resolved = true),
    () => undefined,
    body,
  );
  const raw = (name: string, value: string): Buffer[] => [Buffer.from(name), Buffer.from(value)];
  assert.equal(
    handler.onHeaders(412, raw('content-length', '2'), () => undefined),
    false,
  );
  assert.equal(handler.onData(Buffer.from('no')), false);
  handler.onComplete();
  assert.deepEqual([heads, resolved], [0, false], 'nothing passed on before the body ended');
  body.resume();
  body.end();
  await once(body, 'end');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual([heads, resolved], [1, true]);
  assert.equal(String(res.read()), 'no');

  // A peer closing the connection reads no more of the body: its answer goes on at once.
  const open = new PassThrough();
  const closing = new ProxyHandler(
    new PassThrough(),
    () => (heads += 1),
    () => undefined,
    () => undefined,
    open,
  );
  assert.equal(
    closing.onHeaders(412, raw('Connection', 'close'), () => undefined),
    true,
  );
  assert.equal(heads, 2);
  open.destroy();
});
