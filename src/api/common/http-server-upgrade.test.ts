// A server closing while a peer keeps an upgraded connection (a piece stream) open: Node's own
// close waits for that socket and its connection closers skip it, so the server must end it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { createLogger } from '../../util/log.js';
import { startHttpServer } from './http-server.js';

test('close ends upgraded connections a peer keeps open', async () => {
  const running = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    nodeId: 't1',
    intra: true,
    log: createLogger({}, 'error'),
    handle: (context) => {
      context.res.end();
      return Promise.resolve();
    },
    upgrade: (_req, socket) => {
      socket.on('error', () => undefined);
      socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: t\r\n\r\n');
    },
  });
  const peer = connect(running.port, '127.0.0.1');
  peer.on('error', () => undefined);
  const switched = new Promise<void>((resolve) => peer.once('data', () => resolve()));
  peer.write('GET /s HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: t\r\n\r\n');
  await switched;
  const peerClosed = new Promise<void>((resolve) => peer.once('close', () => resolve()));
  // The peer never closes its end: without the server ending it, close would never resolve.
  let timer: NodeJS.Timeout | undefined;
  const closed = await Promise.race([
    running.close().then(() => 'closed'),
    new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve('still open after 10 s'), 10_000);
    }),
  ]);
  clearTimeout(timer);
  peer.destroy(); // lets a failing run end
  assert.equal(closed, 'closed');
  await peerClosed;
});
