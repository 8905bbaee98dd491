// The stalled-client watch on a bare node:http server (500 ms periods): a client silent mid-upload
// is dropped with RequestTimeout, one that stops reading an answer is disconnected; a server slow
// to read, to answer, or to send `100 Continue` never drops one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { EventEmitter } from 'node:events';
import { connect, Socket, type AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StoreError } from '../../errors/index.js';
import { StalledClients } from './stalled-clients.js';

const idleMs = 500;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A server whose handler gets each request after the watch is on; answers with what it read. */
async function withServer(
  /** Resolves with the body bytes read (answered as `read N`), or undefined when it answered. */
  handle: (request: IncomingMessage, response: ServerResponse) => Promise<number | undefined>,
  run: (port: number, stalled: StalledClients) => Promise<void>,
  periodMs = idleMs,
): Promise<void> {
  const stalled = new StalledClients(periodMs);
  const serve = (request: IncomingMessage, response: ServerResponse): void => {
    const watched = stalled.track(request, response);
    response.once('close', () => stalled.release(watched));
    handle(request, response).then(
      (bytes) => {
        if (bytes !== undefined) response.end(`read ${bytes}`);
      },
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
    await run((server.address() as AddressInfo).port, stalled);
  } finally {
    stalled.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

async function readAll(request: IncomingMessage): Promise<number> {
  let bytes = 0;
  for await (const chunk of request) bytes += (chunk as Buffer).length;
  return bytes;
}

/** Runs `client` against a server whose handler reads the whole body; asserts it failed with RequestTimeout. */
async function expectRequestTimeout(
  client: (port: number, failed: () => boolean) => Promise<void>,
): Promise<void> {
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
    (port) => client(port, () => outcome !== undefined),
  );
  assert.ok(outcome instanceof StoreError, `the read ended with ${String(outcome)}`);
  assert.equal(outcome.code, 'RequestTimeout');
}

test('a client silent for a period is dropped with RequestTimeout', async () => {
  await expectRequestTimeout(async (port) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.write('PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n');
    socket.write(Buffer.alloc(1000));
    await Promise.race([closed, sleep(20 * idleMs)]);
    socket.destroy();
  });
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

/** An answer of `chunks` × 64 KiB, produced with `pauseMs` between the first chunk and the rest. */
function answerBody(chunks: number, pauseMs = 0): Readable {
  return Readable.from(
    (async function* () {
      for (let index = 0; index < chunks; index += 1) {
        if (index === 1 && pauseMs > 0) await sleep(pauseMs);
        yield Buffer.alloc(64 * 1024, 0x61);
      }
    })(),
  );
}

test('a client that stops reading an answer is disconnected', async () => {
  let outcome: unknown = 'still sending';
  await withServer(
    async (_request, response) => {
      try {
        await pipeline(answerBody(1024), response);
        outcome = 'sent';
      } catch (error) {
        outcome = error;
      }
      return undefined;
    },
    async (port) => {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.write('GET /x HTTP/1.1\r\nHost: x\r\n\r\n');
      socket.pause();
      const closed = new Promise((resolve) => socket.once('close', resolve));
      // A paused socket sees no end: the server's reset shows when it is read again.
      await sleep(6 * idleMs);
      socket.resume();
      await Promise.race([closed, sleep(20 * idleMs)]);
      socket.destroy();
    },
  );
  assert.ok(outcome instanceof Error, `the answer ended with ${String(outcome)}`);
});

test('an answer slow to produce, or read in bursts, is never cut', async () => {
  await withServer(
    async (_request, response) => {
      await pipeline(answerBody(256, 5 * idleMs), response);
      return undefined;
    },
    async (port) => {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      let received = 0;
      socket.on('data', (chunk: Buffer) => (received += chunk.length));
      const closed = new Promise((resolve) => socket.once('close', resolve));
      socket.write('GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      // Reads for 20 ms in every 70 ms: idle stretches a tenth of a period (a loaded machine may
      // stretch each many times over).
      for (let round = 0; round < 300 && socket.readyState !== 'closed'; round += 1) {
        socket.pause();
        await sleep(50);
        socket.resume();
        await sleep(20);
      }
      await Promise.race([closed, sleep(20 * idleMs)]);
      socket.destroy();
      assert.ok(received > 256 * 64 * 1024, `received ${received} bytes`);
    },
  );
});

// The slow reader's period. Reading steadily, the client still frees its receive buffer to the
// sender in steps: the kernel reopens the TCP window only once half the buffer is read, which
// took about 650 ms at 3 MiB/s on a machine whose receive buffers grow to 32 MiB, so a 500 ms
// period saw a whole period without progress and cut a reader that never stopped.
const slowReaderPeriodMs = 1000;

/**
 * A client asks for one 16 MiB answer written at once, then reads up to 128 KiB of what its socket
 * buffered every 20 ms (a few MiB/s: the answer takes several periods with its one write in
 * flight all along); `meanwhile` starts alongside and returns its stop. Asserts the client got
 * all of it.
 */
async function readOneLargeWriteSlowly(meanwhile: () => () => void = () => () => undefined) {
  const size = 16 * 1024 * 1024;
  await withServer(
    (_request, response) => {
      // One write: Node hands it to libuv whole, and only the kernel's progress shows.
      response.end(Buffer.alloc(size, 0x62));
      return Promise.resolve(undefined);
    },
    async (port) => {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.pause();
      const closed = new Promise((resolve) => socket.once('close', resolve));
      socket.write('GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      const stop = meanwhile();
      let received = 0;
      try {
        for (let round = 0; round < 2000 && socket.readyState !== 'closed'; round += 1) {
          await sleep(20);
          for (let taken = 0; taken < 128 * 1024;) {
            const chunk = socket.read() as Buffer | null;
            if (chunk === null) break;
            received += chunk.length;
            taken += chunk.length;
          }
        }
      } finally {
        stop();
      }
      socket.resume();
      await Promise.race([closed, sleep(20 * idleMs)]);
      socket.destroy();
      assert.ok(received > size, `received ${received} bytes`);
    },
    slowReaderPeriodMs,
  );
}

test('a client reading one large write slowly but steadily is never cut', async () => {
  await readOneLargeWriteSlowly();
});

test("a pause of this process (not the client) is not taken for the client's silence", async () => {
  let ticks = 0;
  await readOneLargeWriteSlowly(() => {
    // Created after the watch's timer, so it fires right after it: on its second tick, just
    // after a sweep took its counts, the process stops for three periods (as under CPU
    // starvation or a long pause), with the answer in flight and the client unable to read.
    const pause = setInterval(() => {
      ticks += 1;
      if (ticks < 2) return;
      clearInterval(pause);
      setImmediate(() => {
        const until = performance.now() + 3 * slowReaderPeriodMs;
        while (performance.now() < until);
      });
    }, slowReaderPeriodMs);
    return () => clearInterval(pause);
  });
  assert.ok(ticks >= 2, 'the process paused');
});

test('a trickle of a few bytes per period is silence', async () => {
  await expectRequestTimeout(async (port, failed) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write('PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n');
    for (let round = 0; round < 100 && socket.writable && !failed(); round += 1) {
      socket.write(Buffer.alloc(10));
      await sleep(50);
    }
    socket.destroy();
  });
});

test('requests pipelined behind one that never ends are forgotten with their connection', async () => {
  await withServer(
    async (request) => {
      await readAll(request);
      // Never answered: the requests pipelined behind it wait for ever.
      await new Promise(() => undefined);
      return 0;
    },
    async (port, stalled) => {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.write('GET /x HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(20));
      await sleep(idleMs / 2);
      assert.ok(stalled.watching > 0);
      socket.destroy();
      for (let round = 0; round < 20 && stalled.watching > 0; round += 1) await sleep(idleMs);
      assert.equal(stalled.watching, 0);
    },
  );
});

test('a silent upload whose handler never touched the body is dropped without an uncaught error', async () => {
  let finished = false;
  await withServer(
    async (_request, response) => {
      // Never reads the body and attaches no listener to it (a handler still routing, say).
      await sleep(6 * idleMs);
      finished = true;
      response.end();
      return undefined;
    },
    async (port) => {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      const closed = new Promise((resolve) => socket.once('close', resolve));
      socket.write('PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n');
      await Promise.race([closed, sleep(20 * idleMs)]);
      socket.destroy();
      await sleep(6 * idleMs);
    },
  );
  assert.ok(finished);
});

test('an upload that began right before a sweep, its body a moment later, is not dropped', async () => {
  await withServer(readAll, async (port) => {
    // The sweeps run every idleMs from the server's start: the request comes just before one, and
    // its body a fifth of a period later (a client that sends its head, then its body).
    await sleep(idleMs - 40);
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.write('PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nConnection: close\r\n\r\n');
    await sleep(idleMs / 5);
    socket.write(Buffer.alloc(10));
    await Promise.race([closed, sleep(20 * idleMs)]);
    socket.destroy();
    assert.match(Buffer.concat(received).toString(), /read 10$/);
  });
});

test('a request whose socket node:http has let go of (null) does not break the sweep', async () => {
  const stalled = new StalledClients(50);
  try {
    const socket = new Socket();
    const request = { socket, headers: {}, readableLength: 0, complete: false, destroy() {} };
    const response = Object.assign(new EventEmitter(), { writableFinished: false });
    stalled.track(request as unknown as IncomingMessage, response as unknown as ServerResponse);
    // What node:http does once a request is done with its connection.
    (request as { socket: Socket | null }).socket = null;
    await sleep(300);
    socket.destroy();
  } finally {
    stalled.close();
  }
});
