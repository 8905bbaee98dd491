// Unit tests of the piece streams on loopback: acks matched by id whatever order the holder stores
// in, refusals as typed errors, bounded bytes in flight, and a holder that dies mid-frame failing
// the pieces in flight (never answering them) while the next send opens a new stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { StoreError, isStoreError } from '../errors/index.js';
import { PieceStreams, PieceStreamUnavailable } from './frame-stream-client.js';
import { acceptPieceStream, type PieceFrameHandler } from './frame-stream-server.js';

interface Holder {
  url: string;
  server: Server;
  broken: string[];
  /** Cuts its piece streams (upgraded connections are not the HTTP server's to close). */
  kill(): void;
}

async function startHolder(handle: PieceFrameHandler, maxPendingBytes = 1 << 20): Promise<Holder> {
  const broken: string[] = [];
  const sockets: Duplex[] = [];
  const server = createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req, socket: Duplex, head: Buffer) => {
    sockets.push(socket);
    acceptPieceStream(req, socket, head, handle, {
      maxFrameBytes: 1 << 20,
      maxPendingBytes,
      onBroken: (reason) => broken.push(reason),
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    broken,
    kill: () => {
      for (const socket of sockets.splice(0)) socket.destroy();
    },
  };
}

function streams(maxInFlightBytes = 1 << 20): PieceStreams {
  return new PieceStreams({
    callerId: 'test',
    maxInFlightBytes,
    maxAckBytes: 4096,
    maxFrameBytes: 1 << 20,
  });
}

async function stop(holder: Holder, client: PieceStreams): Promise<void> {
  await client.close();
  holder.kill();
  holder.server.closeAllConnections();
  await new Promise((resolve) => holder.server.close(resolve));
}

test('acks are matched by id when the holder stores out of order', async () => {
  const holder = await startHolder(async (header, body) => {
    const { delayMs } = header as { delayMs: number };
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    return { size: Buffer.concat(body).length, first: Buffer.concat(body)[0] };
  });
  const client = streams();
  try {
    const delays = [60, 5, 30, 0];
    const acks = await Promise.all(
      delays.map((delayMs, index) =>
        client.send(holder.url, { delayMs }, Buffer.alloc(1000 + index, index), 5000),
      ),
    );
    assert.deepEqual(
      acks,
      delays.map((_, index) => ({ size: 1000 + index, first: index })),
    );
  } finally {
    await stop(holder, client);
  }
});

test('a refused piece fails with the holder’s error code; the stream goes on', async () => {
  const holder = await startHolder((header) =>
    (header as { refuse?: boolean }).refuse === true
      ? Promise.reject(new StoreError('BucketNotFound', 'no such bucket'))
      : Promise.resolve('stored'),
  );
  const client = streams();
  try {
    await assert.rejects(client.send(holder.url, { refuse: true }, Buffer.alloc(1), 5000), {
      code: 'BucketNotFound',
    });
    assert.equal(await client.send(holder.url, {}, Buffer.alloc(1), 5000), 'stored');
  } finally {
    await stop(holder, client);
  }
});

test('bytes in flight are bounded: a send waits until an ack makes room', async () => {
  const stored: number[] = [];
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const holder = await startHolder(async (header) => {
    const { n } = header as { n: number };
    if (n === 1) await gate;
    stored.push(n);
    return n;
  });
  const client = streams(1500);
  try {
    const first = client.send(holder.url, { n: 1 }, Buffer.alloc(1000), 5000);
    const second = client.send(holder.url, { n: 2 }, Buffer.alloc(1000), 5000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(stored, [], 'the second piece waits for room, not sent');
    release();
    assert.deepEqual(await Promise.all([first, second]), [1, 2]);
    assert.deepEqual(stored, [1, 2]);
  } finally {
    await stop(holder, client);
  }
});

test('a holder dying mid-frame fails the pieces in flight; the next send reconnects', async () => {
  let received = 0;
  const holder = await startHolder(() => {
    received += 1;
    return new Promise(() => undefined); // never stored: the pieces stay in flight
  });
  const client = streams();
  try {
    const pending = client.send(holder.url, {}, Buffer.alloc(10), 5000);
    while (received === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    holder.kill();
    const outcome = await pending.then(
      () => 'acknowledged',
      (error: unknown) => error,
    );
    assert.ok(isStoreError(outcome) && outcome.code === 'PeerUnreachable', String(outcome));
    assert.ok(!(outcome instanceof PieceStreamUnavailable), 'the piece was sent: no other path');
    // A peer restarted: the next piece opens a new stream (and is held as the first was).
    const again = client.send(holder.url, {}, Buffer.alloc(10), 5000).then(
      () => 'acknowledged',
      (error: unknown) => error,
    );
    while (received === 1) await new Promise((resolve) => setTimeout(resolve, 5));
    holder.kill();
    assert.equal(((await again) as StoreError).code, 'PeerUnreachable');
  } finally {
    await stop(holder, client);
  }
});

test('a sender closing mid-frame is reported by the holder, which survives it', async () => {
  const holder = await startHolder(() => Promise.resolve('stored'));
  const { connect } = await import('node:net');
  try {
    const socket = connect((holder.server.address() as AddressInfo).port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write(
      'GET /v1/piece-streams HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: cairn-pieces/1\r\n\r\n',
    );
    // A prefix announcing 500 bytes, then only 3 of them, then the end.
    const prefix = Buffer.alloc(13);
    prefix.writeUInt32BE(509, 0);
    prefix.writeUInt8(1, 4);
    prefix.writeUInt32BE(1, 5);
    prefix.writeUInt32BE(2, 9);
    socket.end(Buffer.concat([prefix, Buffer.from('{}x')]));
    while (holder.broken.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.match(holder.broken[0] ?? '', /mid-frame/);
    const client = streams();
    assert.equal(await client.send(holder.url, {}, Buffer.alloc(5), 5000), 'stored');
    await client.close();
  } finally {
    holder.kill();
    holder.server.closeAllConnections();
    await new Promise((resolve) => holder.server.close(resolve));
  }
});

test('a peer without piece streams, or a piece over the frame limit, is left to another path', async () => {
  const holder = await startHolder(() => Promise.resolve('stored'));
  const plain = createServer((_req, res) => res.writeHead(404).end());
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  const client = streams();
  try {
    const plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
    await assert.rejects(
      client.send(plainUrl, {}, Buffer.alloc(1), 5000),
      (error) => error instanceof PieceStreamUnavailable,
    );
    await assert.rejects(
      client.send(holder.url, {}, Buffer.alloc(2 << 20), 5000),
      (error) => error instanceof PieceStreamUnavailable,
    );
  } finally {
    plain.closeAllConnections();
    await new Promise((resolve) => plain.close(resolve));
    await stop(holder, client);
  }
});
