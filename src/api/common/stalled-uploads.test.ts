// The stalled-upload watch on a bare node:http server (200 ms periods): a silent client is dropped
// with RequestTimeout; a server slow to read, or slow to send `100 Continue`, never drops one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { StoreError } from '../../errors/index.js';
import { dropStalledUpload } from './stalled-uploads.js';

const idleMs = 200;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A server whose handler gets each request after the watch is on; answers with what it read. */
async function withServer(
  handle: (request: IncomingMessage, response: ServerResponse) => Promise<number>,
  run: (port: number) => Promise<void>,
): Promise<void> {
  const serve = (request: IncomingMessage, response: ServerResponse): void => {
    dropStalledUpload(request, idleMs);
    handle(request, response).then(
      (bytes) => response.end(`read ${bytes}`),
      (error: unknown) => {
        const code = error instanceof StoreError ? error.code : String(error);
        if (!response.destroyed) response.end(`failed ${code}`);
      },
    );
  };
  // As Cairn's server: `Expect: 100-continue` is left to the handler.
  const server: Server = createServer(serve).on('checkContinue', serve);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await run((server.address() as AddressInfo).port);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

async function readAll(request: IncomingMessage): Promise<number> {
  let bytes = 0;
  for await (const chunk of request) bytes += (chunk as Buffer).length;
  return bytes;
}

test('a client silent for a period is dropped with RequestTimeout', async () => {
  let outcome: unknown;
  await withServer(
    async (request) => {
      try {
        return await readAll(request);
      } catch (error) {
        outcome = error;
        throw error;
      }
    },
    async (port) => {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      const closed = new Promise((resolve) => socket.once('close', resolve));
      socket.write('PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n');
      socket.write(Buffer.alloc(1000));
      await Promise.race([closed, sleep(20 * idleMs)]);
      socket.destroy();
    },
  );
  assert.ok(outcome instanceof StoreError, `the read ended with ${String(outcome)}`);
  assert.equal(outcome.code, 'RequestTimeout');
});

test('a body the server is slow to read is never dropped', async () => {
  const size = 8 * 1024 * 1024;
  await withServer(
    async (request) => {
      await sleep(5 * idleMs);
      return readAll(request);
    },
    async (port) => {
      const answer = await fetch(`http://127.0.0.1:${port}/x`, {
        method: 'PUT',
        body: Buffer.alloc(size),
      });
      assert.equal(await answer.text(), `read ${size}`);
    },
  );
});

test('a client waiting for 100 Continue is not dropped before it is sent', async () => {
  await withServer(
    async (request, response) => {
      await sleep(5 * idleMs);
      response.writeContinue();
      return readAll(request);
    },
    async (port) => {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      const received: Buffer[] = [];
      const closed = new Promise((resolve) => socket.once('close', resolve));
      socket.on('data', (chunk: Buffer) => {
        received.push(chunk);
        if (chunk.toString().startsWith('HTTP/1.1 100')) socket.write(Buffer.alloc(10));
      });
      socket.write(
        'PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n',
      );
      await Promise.race([closed, sleep(20 * idleMs)]);
      socket.destroy();
      assert.match(Buffer.concat(received).toString(), /read 10$/);
    },
  );
});
