// The inline hpush exchange against small local servers: the answer's framings (length, chunked,
// until close), kept-alive connections, and every way it can break (the transformer gone, silent,
// a sink that goes away mid-answer, nobody listening).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse, type IncomingMessage } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { exchange, TransformerGone, TransformerSilent } from './transformer-exchange.js';

/** A sink that copies what it is given (done with each chunk when its write calls back). */
function collector(): { sink: Writable; bytes: () => Buffer } {
  const kept: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      kept.push(Buffer.from(chunk));
      callback();
    },
  });
  return { sink, bytes: () => Buffer.concat(kept) };
}

const servers: Server[] = [];
after(() => {
  for (const server of servers) server.closeAllConnections();
  for (const server of servers) server.close();
});

async function serve(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const body = Buffer.alloc(300 * 1024, 'abc');
/** The object in two chunks, as a request body's. */
const chunks = (): Iterable<Buffer> => [body.subarray(0, 100 * 1024), body.subarray(100 * 1024)];

const request = (origin: string, timeoutMs = 5_000) => ({
  origin,
  path: '/b/o?etl_args=x',
  headers: { 'content-length': String(body.length) },
  body: chunks(),
  timeoutMs,
});

test('answers by length, chunked and until close; connections kept alive', async () => {
  const sockets = new Set<unknown>();
  const identity = await serve((req, res) => {
    sockets.add(req.socket);
    assert.equal(req.url, '/b/o?etl_args=x');
    if (req.headers['content-length'] !== undefined)
      res.setHeader('content-length', req.headers['content-length']);
    req.pipe(res);
  });
  for (let i = 0; i < 3; i += 1) {
    const out = collector();
    let status = 0;
    const length = await exchange(request(identity), (code, headers) => {
      status = code;
      assert.equal(headers['content-length'], String(body.length));
      return out.sink;
    });
    assert.equal(status, 200);
    assert.equal(length, body.length);
    assert.ok(out.bytes().equals(body));
  }
  assert.equal(sockets.size, 1, 'one kept-alive connection for three exchanges in a row');

  const chunked = await serve((req, res) => req.pipe(res));
  const out = collector();
  assert.equal(await exchange(request(chunked), () => out.sink), body.length);
  assert.ok(out.bytes().equals(body));

  // HTTP/1.0 without a length (Python's http.server): the body ends with the connection.
  const raw = createTcpServer((socket) => {
    socket.on('error', () => undefined);
    socket.once('data', () => {
      socket.end('HTTP/1.0 500 Broken\r\nx-why: test\r\n\r\nit broke');
    });
  });
  await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
  after(() => raw.close());
  const text = collector();
  let status = 0;
  await exchange(request(`http://127.0.0.1:${(raw.address() as AddressInfo).port}`), (code, h) => {
    status = code;
    assert.equal(h['x-why'], 'test');
    return text.sink;
  });
  assert.equal(status, 500);
  assert.equal(text.bytes().toString(), 'it broke');
});

test('breaks: transformer gone mid-answer, silent, sink gone, nobody listening', async () => {
  const dying = await serve((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-length': String(body.length) });
      res.write(body.subarray(0, 1000));
      req.socket.end();
    });
  });
  await assert.rejects(
    exchange(request(dying), () => collector().sink),
    (error) => error instanceof TransformerGone,
  );

  const silent = await serve(() => undefined);
  await assert.rejects(
    exchange(request(silent, 200), () => collector().sink),
    (error) => error instanceof TransformerSilent,
  );

  // A sink that goes away after the first chunk (a client hanging up): the exchange fails, the
  // transformer's connection is closed.
  let closed: Promise<void> | undefined;
  const slow = await serve((req, res) => {
    closed = new Promise((resolve) => res.on('close', () => resolve()));
    res.writeHead(200, { 'content-length': String(body.length * 100) });
    req.resume();
    const more = (): void => {
      if (!res.destroyed && res.write(body)) setImmediate(more);
      else if (!res.destroyed) res.once('drain', more);
    };
    more();
  });
  const hangingUp = new Writable({
    write(_chunk, _encoding, callback) {
      this.destroy();
      callback();
    },
  });
  await assert.rejects(exchange(request(slow), () => hangingUp));
  await closed;

  const nobody = createTcpServer();
  await new Promise<void>((resolve) => nobody.listen(0, '127.0.0.1', resolve));
  const port = (nobody.address() as AddressInfo).port;
  await new Promise<void>((resolve) => nobody.close(() => resolve()));
  await assert.rejects(
    exchange(request(`http://127.0.0.1:${port}`), () => collector().sink),
    (error) => (error as { code?: string }).code === 'ECONNREFUSED',
  );
});
