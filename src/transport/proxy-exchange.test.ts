// Unit tests of IntraClient.proxy (Node's HTTP client under a keep-alive pool), with an origin and a
// front server in this process: the answer's status, headers (less the dropped ones) and body reach
// the client and request bodies reach the origin, over pooled connections; a client that hangs up
// mid-answer or mid-body, an origin that dies mid-answer, one that never answers and one that is not
// listening each end the exchange with PeerUnreachable, nothing half-answered looks complete, and
// both servers keep serving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { once } from 'node:events';
import { isStoreError } from '../errors/index.js';
import { IntraClient } from './intra-client.js';
import { passedHead } from './proxy-exchange.js';

const dropped: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'x-private']);
const mib = 1024 * 1024;

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
    const hasBody = req.headers['content-length'] !== undefined && req.method !== 'GET';
    const headers = req.rawHeaders.filter((_, index) => {
      const name = (req.rawHeaders[index - (index % 2)] as string).toLowerCase();
      return name !== 'host' && name !== 'connection';
    });
    client
      .proxy(
        {
          origin: origin(),
          path: req.url ?? '/',
          method: req.method ?? 'GET',
          headers,
          body: hasBody ? req : undefined,
          timeoutMs: req.url === '/silent' ? 300 : 10_000,
        },
        res,
        (status, raw) => {
          const passed = passedHead(raw, dropped);
          if (hasBody && !req.complete) passed.headers.push('connection', 'close');
          res.writeHead(status, passed.headers);
        },
      )
      .then(
        () => settled.push('done'),
        (error: unknown) => {
          settled.push(isStoreError(error) ? error.code : 'other');
          if (!res.headersSent && !res.destroyed) res.writeHead(502).end();
        },
      );
  });
}

interface Answer {
  response: IncomingMessage;
  body: Buffer;
  /** The answer ended as announced (false: the connection was cut mid-answer). */
  whole: boolean;
}

function send(url: string, method = 'GET', body?: Buffer, extra?: Record<string, string>) {
  return new Promise<Answer>((resolve, reject) => {
    const headers: Record<string, string> = { ...extra };
    if (body !== undefined) headers['content-length'] = String(body.length);
    const outgoing = request(url, { method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', () => undefined);
      response.on('close', () =>
        resolve({ response, body: Buffer.concat(chunks), whole: response.complete }),
      );
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

async function until(what: string, condition: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 400 && !condition(); attempt += 1)
    await new Promise((resolve) => setTimeout(resolve, 25));
  assert.ok(condition(), what);
}

test('passedHead drops the listed names, whatever their case, and notes the body length', () => {
  const raw = ['Content-Length', '5', 'Connection', 'keep-alive', 'ETag', '"x"', 'X-Private', 'p'];
  const head = passedHead(raw, dropped);
  assert.deepEqual(head.headers, ['Content-Length', '5', 'ETag', '"x"']);
  assert.equal(head.contentLength, 5);
  assert.equal(passedHead([], dropped).contentLength, undefined);
});

test('proxy: answers and bodies stream through pooled connections; every failure is PeerUnreachable', async () => {
  let releaseSlow: (() => void) | undefined;
  const bodiesSeen: { digest: string; aborted: boolean }[] = [];
  const connections = new Set<Socket>();
  const originServer = createServer((req, res) => {
    connections.add(req.socket);
    if (req.url === '/slow' || req.url === '/dies') {
      res.writeHead(200, { 'content-length': String(mib) });
      res.write(Buffer.alloc(64 * 1024));
      releaseSlow?.();
      // The rest never comes: the client hangs up first, or the origin dies.
      if (req.url === '/dies') setImmediate(() => req.socket.destroy());
      return;
    }
    if (req.url === '/silent') return; // Never answers.
    if (req.url === '/refuse') {
      res.writeHead(403, { 'content-length': '0', connection: 'close' }).end();
      return;
    }
    const hash = createHash('sha256');
    let aborted = false;
    req.on('data', (chunk: Buffer) => hash.update(chunk));
    req.on('aborted', () => (aborted = true));
    req.on('close', () => {
      if (req.method === 'PUT') bodiesSeen.push({ digest: hash.digest('hex'), aborted });
      if (aborted) return;
      const caller = String(req.headers['ais-caller-id']);
      const length = req.headers['content-length'] ?? '-';
      const echo = `${req.method} ${req.headers.host} ${caller} ${length}`;
      res.writeHead(201, { 'x-private': 'secret', 'x-kept': 'yes', 'content-length': echo.length });
      res.end(echo);
    });
    req.resume();
    if (req.url === '/put-slowly') releaseSlow?.();
  });
  const originUrl = await listen(originServer);
  let origin = originUrl;
  const client = new IntraClient({ callerId: 't1', callerName: 't1', connectionsPerPeer: 4 });
  const settled: string[] = [];
  const front = frontServer(client, () => origin, settled);
  const frontUrl = await listen(front);
  try {
    // A GET: headers kept and dropped, the origin's Host, the caller; a GET's body framing dropped.
    const first = await send(`${frontUrl}/object`, 'GET', undefined, { 'content-length': '0' });
    assert.equal(first.response.statusCode, 201);
    assert.equal(first.body.toString(), `GET ${new URL(originUrl).host} t1 -`);
    assert.equal(first.response.headers['x-kept'], 'yes');
    assert.equal(first.response.headers['x-private'], undefined);

    // A PUT of 3 MiB arrives whole at the origin, on the connection the GET used.
    const payload = Buffer.alloc(3 * mib, 7);
    const put = await send(`${frontUrl}/object`, 'PUT', payload);
    assert.equal(put.body.toString(), `PUT ${new URL(originUrl).host} t1 ${3 * mib}`);
    assert.deepEqual(bodiesSeen.at(-1), {
      digest: createHash('sha256').update(payload).digest('hex'),
      aborted: false,
    });
    assert.equal(connections.size, 1, 'the second request reused the pooled connection');
    assert.deepEqual(settled, ['done', 'done']);

    // The origin refuses before the body has been sent: the client gets the refusal at once, told
    // that the connection closes after it, and the exchange is over.
    const refusal = request(`${frontUrl}/refuse`, {
      method: 'PUT',
      headers: { 'content-length': String(4 * mib) },
    });
    refusal.on('error', () => undefined);
    refusal.write(Buffer.alloc(1024));
    const [refused] = (await once(refusal, 'response')) as [IncomingMessage];
    refused.resume();
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.headers.connection, 'close');
    refusal.destroy();
    await until('the refused exchange settles', () => settled.length === 3);
    assert.equal(settled.at(-1), 'done');

    // The client hangs up after the first chunk: the exchange ends, both servers carry on.
    let started = new Promise<void>((resolve) => (releaseSlow = resolve));
    const slow = request(`${frontUrl}/slow`);
    slow.on('error', () => undefined);
    slow.on('response', (answer) => answer.on('error', () => undefined));
    slow.end();
    await started;
    slow.destroy();
    await until('the abandoned exchange settles', () => settled.length === 4);
    assert.equal(settled.at(-1), 'PeerUnreachable');

    // The client hangs up mid-body: the origin sees its request aborted (no partial object).
    started = new Promise<void>((resolve) => (releaseSlow = resolve));
    const upload = request(`${frontUrl}/put-slowly`, {
      method: 'PUT',
      headers: { 'content-length': String(4 * mib) },
    });
    upload.on('error', () => undefined);
    upload.write(Buffer.alloc(256 * 1024));
    await started;
    upload.destroy();
    await until('the origin sees the body cut', () => bodiesSeen.length === 2);
    assert.equal(bodiesSeen.at(-1)?.aborted, true);
    await until('the cut upload settles', () => settled.length === 5);
    assert.equal(settled.at(-1), 'PeerUnreachable');

    // The origin dies mid-answer: the client's answer is cut, never complete.
    started = new Promise<void>((resolve) => (releaseSlow = resolve));
    const dies = await send(`${frontUrl}/dies`);
    assert.equal(dies.response.statusCode, 200);
    assert.equal(dies.whole, false, 'a cut answer does not look complete');
    assert.ok(dies.body.length < mib);
    await until('the cut answer settles', () => settled.length === 6);
    assert.equal(settled.at(-1), 'PeerUnreachable');

    // The origin never answers: a timeout, then a 502 written by the front.
    const silent = await send(`${frontUrl}/silent`);
    assert.equal(silent.response.statusCode, 502);
    assert.equal(settled.at(-1), 'PeerUnreachable');

    assert.equal((await send(`${frontUrl}/object`)).response.statusCode, 201);

    // An origin that is not listening: PeerUnreachable, nothing written before the 502.
    const deadServer = createServer();
    origin = await listen(deadServer);
    await close(deadServer);
    const dead = await send(`${frontUrl}/object`);
    assert.equal(dead.response.statusCode, 502);
    assert.equal(settled.at(-1), 'PeerUnreachable');
  } finally {
    await client.close();
    await close(front);
    await close(originServer);
  }
});
