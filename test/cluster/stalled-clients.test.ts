// Clients that go silent mid-exchange (`clientIdleTimeoutMs`, here 2 s): an upload that stops, or
// an answer nobody reads any more, is dropped and its connection closed instead of being held for
// ever; nothing of the upload is stored and what was there stays; a client that is slow but keeps
// sending is never dropped.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { signedHeaders } from '../harness/s3-signer.js';
import { TestCluster } from '../harness/test-cluster.js';

const idleMs = 2000;
const bucket = { name: 'stalled', provider: 'ais' };
const kept = Buffer.alloc(4096, 0x6b);

interface Exchange {
  socket: Socket;
  /** Resolves with what the server sent when it closed the connection. */
  closed: Promise<string>;
}

/** Sends a request head and the first bytes of its body, then nothing more. */
function startUpload(baseUrl: string, head: string, firstBytes: Buffer): Exchange {
  const url = new URL(baseUrl);
  const socket = connect(Number(url.port), url.hostname);
  const received: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => received.push(chunk));
  const closed = new Promise<string>((resolve) => {
    socket.once('close', () => resolve(Buffer.concat(received).toString()));
    socket.once('error', () => undefined);
  });
  socket.write(head);
  socket.write(firstBytes);
  return { socket, closed };
}

/** Whether `promise` settles within `ms` (the stall must be noticed in one to two periods). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'still open'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'still open'>((resolve) => {
    timer = setTimeout(() => resolve('still open'), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe('clients that go silent', () => {
  let cluster: TestCluster;

  before(async () => {
    cluster = await TestCluster.start({
      proxies: 1,
      targets: 1,
      mountpaths: 1,
      nodeArgs: ['--client-idle-timeout-ms', String(idleMs)],
    });
    const client = cluster.client();
    await client.createBucket(bucket);
    await client.putObject(bucket, 'kept', kept);
  });

  after(async () => {
    await cluster?.destroy();
  });

  test('a native PUT at the target that stalls is dropped; the object it replaced stays', async () => {
    const target = cluster.targets[0]!.publicUrl;
    const host = new URL(target).host;
    const exchange = startUpload(
      target,
      `PUT /v1/objects/${bucket.name}/kept HTTP/1.1\r\nHost: ${host}\r\n` +
        `Content-Length: ${1024 * 1024}\r\n\r\n`,
      Buffer.alloc(64 * 1024, 0x73),
    );
    const outcome = await within(exchange.closed, 10 * idleMs);
    exchange.socket.destroy();
    assert.notEqual(outcome, 'still open', 'the node kept the silent upload open');
    const { body } = await cluster.client().getObject(bucket, 'kept');
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    assert.deepEqual(Buffer.concat(chunks), kept);
  });

  test('an S3 PUT through the gateway that stalls is dropped and stores nothing', async () => {
    const gateway = cluster.primary.publicUrl;
    const path = `/s3/${bucket.name}/never`;
    const headers = await signedHeaders(gateway, 'PUT', path, {
      'content-length': String(1024 * 1024),
    });
    const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
    const exchange = startUpload(
      gateway,
      `PUT ${path} HTTP/1.1\r\n${lines.join('')}\r\n`,
      Buffer.alloc(64 * 1024, 0x73),
    );
    const outcome = await within(exchange.closed, 10 * idleMs);
    exchange.socket.destroy();
    assert.notEqual(outcome, 'still open', 'the gateway kept the silent upload open');
    const page = await cluster.client().listObjectsPage(bucket);
    assert.deepEqual(
      page.entries.map((entry) => entry.name),
      ['kept'],
    );
  });

  test('a slow upload that keeps sending is stored whole', async () => {
    const target = cluster.targets[0]!.publicUrl;
    const host = new URL(target).host;
    const pieces = 50;
    const piece = Buffer.alloc(1024, 0x77);
    const exchange = startUpload(
      target,
      `PUT /v1/objects/${bucket.name}/slow HTTP/1.1\r\nHost: ${host}\r\n` +
        `Content-Length: ${pieces * piece.length}\r\nConnection: close\r\n\r\n`,
      piece,
    );
    // A piece every 100 ms, a twentieth of a period (a loaded machine may delay each many
    // times over), the whole upload over about two and a half periods.
    for (let index = 1; index < pieces; index += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      exchange.socket.write(piece);
    }
    const answer = await within(exchange.closed, 30_000);
    assert.match(String(answer), /^HTTP\/1\.1 200/);
    const head = await cluster.client().headObject(bucket, 'slow');
    assert.equal(head.size, pieces * piece.length);
  });

  test('a GET whose client stops reading is disconnected; the target serves on', async () => {
    const client = cluster.client();
    const size = 32 * 1024 * 1024;
    await client.putObject(bucket, 'large', Buffer.alloc(size, 0x6c));
    const target = cluster.targets[0]!.publicUrl;
    const url = new URL(target);
    const socket = connect(Number(url.port), url.hostname);
    socket.on('error', () => undefined);
    let received = 0;
    socket.on('data', (chunk: Buffer) => (received += chunk.length));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(`GET /v1/objects/${bucket.name}/large HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`);
    socket.pause();
    await new Promise((resolve) => setTimeout(resolve, 5 * idleMs));
    // Read again: a dropped connection shows as its end once the buffered bytes are read.
    socket.resume();
    const outcome = await within(closed, 10 * idleMs);
    socket.destroy();
    assert.notEqual(outcome, 'still open', `the target kept the answer open (${received} bytes)`);
    assert.ok(received < size, 'the whole object was sent');
    const head = await client.headObject(bucket, 'large');
    assert.equal(head.size, size);
  });
});
