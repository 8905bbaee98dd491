// Unit tests of writing a request body into a file: order, hashing, gathered writes, and the
// failures (over-long body, body error, client gone, failed write) that must reject and stop it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { createHasher, hashBuffer } from '../../checksum/index.js';
import { makeTemporaryDirectory, removeTemporaryDirectory } from '../store-fixtures.js';
import type { DiskFile } from './disk.js';
import { gatherBody, minWriteBytes, writeBody, writeNewFile } from './file-sink.js';

let root = '';
let files = 0;

before(async () => {
  root = await makeTemporaryDirectory();
});

after(async () => {
  await removeTemporaryDirectory(root);
});

/** A new file, and a handle that counts its write calls (each a thread-pool job). */
async function countingFile(): Promise<{ path: string; handle: DiskFile; writes: () => number }> {
  files += 1;
  const path = join(root, `body-${files}`);
  const handle = await open(path, 'wx');
  let writes = 0;
  const counted: DiskFile = Object.assign(Object.create(handle) as DiskFile, {
    write: (...args: Parameters<DiskFile['write']>) => {
      writes += 1;
      return handle.write(...args);
    },
    writev: (buffers: readonly Buffer[]) => {
      writes += 1;
      return handle.writev(buffers);
    },
  });
  return { path, handle: counted, writes: () => writes };
}

function chunksOf(count: number, size: number): Buffer[] {
  return Array.from({ length: count }, (_, index) => Buffer.alloc(size, index % 251));
}

test('writes every chunk in order, feeds the hashers, and gathers chunks into fewer writes', async () => {
  const { path, handle, writes } = await countingFile();
  const chunks = chunksOf(64, 64 * 1024);
  const hasher = createHasher('xxhash');
  try {
    const written = await writeBody(Readable.from(chunks), handle, {
      limitBytes: 64 * 64 * 1024,
      hashers: [hasher],
    });
    assert.equal(written, 64 * 64 * 1024);
  } finally {
    await handle.close();
  }
  const content = await readFile(path);
  assert.deepEqual(content, Buffer.concat(chunks));
  assert.equal(hasher.digest(), hashBuffer('xxhash', content));
  // Chunks that arrive while a write is in flight share the next write.
  assert.ok(writes() < chunks.length, `${writes()} writes for ${chunks.length} chunks`);
});

test('an empty body writes nothing and resolves with 0', async () => {
  const { handle, writes } = await countingFile();
  try {
    assert.equal(await writeBody(Readable.from([]), handle), 0);
  } finally {
    await handle.close();
  }
  assert.equal(writes(), 0);
});

test('a body longer than its limit fails with BadRequest and is destroyed', async () => {
  const { handle } = await countingFile();
  const body = Readable.from(chunksOf(4, 1024));
  try {
    await assert.rejects(writeBody(body, handle, { limitBytes: 3000 }), /content length mismatch/);
  } finally {
    await handle.close();
  }
  assert.ok(body.destroyed);
});

test('a body error, and a body closed before its end, reject', async () => {
  const { handle } = await countingFile();
  try {
    const failing = new PassThrough();
    const failed = writeBody(failing, handle);
    failing.write(Buffer.alloc(10));
    failing.destroy(new Error('socket reset'));
    await assert.rejects(failed, /socket reset/);
    const gone = new PassThrough();
    const closed = writeBody(gone, handle);
    gone.write(Buffer.alloc(10));
    gone.destroy();
    await assert.rejects(closed, /premature close/i);
  } finally {
    await handle.close();
  }
});

test('a failed write rejects and destroys the body', async () => {
  const { handle } = await countingFile();
  const failing: DiskFile = Object.assign(Object.create(handle) as DiskFile, {
    write: () => Promise.reject(Object.assign(new Error('ENOSPC: no space'), { code: 'ENOSPC' })),
    writev: () => Promise.reject(Object.assign(new Error('ENOSPC: no space'), { code: 'ENOSPC' })),
  });
  const body = new PassThrough();
  const written = writeBody(body, failing);
  // Enough for a write while the body is still open (less is held for the next one).
  body.write(Buffer.alloc(minWriteBytes));
  try {
    await assert.rejects(written, /ENOSPC/);
  } finally {
    await handle.close();
  }
  assert.ok(body.destroyed);
});

test('a body paused before it is handed over still flows', async () => {
  const { path, handle } = await countingFile();
  const body = Readable.from([Buffer.from('paused '), Buffer.from('body')]);
  body.on('data', () => undefined);
  body.pause();
  try {
    assert.equal(await writeBody(body, handle), 11);
  } finally {
    await handle.close();
  }
  assert.equal(await readFile(path, 'utf8'), 'paused body');
});

test('each write waits for observers off the main thread to catch up, and fails with them', async () => {
  const { path, handle, writes } = await countingFile();
  const chunks = chunksOf(16, 64 * 1024);
  const read: number[] = [];
  let pending = 0;
  const body = new PassThrough();
  body.on('data', () => (pending += 1));
  // An observer that needs a few turns to catch up with what was read.
  const caughtUp = async (): Promise<void> => {
    for (let turn = 0; turn < 3; turn += 1) await new Promise((resolve) => setImmediate(resolve));
    read.push(pending);
    pending = 0;
  };
  const writing = writeBody(body, handle, { caughtUp });
  for (const chunk of chunks) body.write(chunk);
  body.end();
  try {
    assert.equal(await writing, 16 * 64 * 1024);
  } finally {
    await handle.close();
  }
  assert.deepEqual(await readFile(path), Buffer.concat(chunks));
  // Awaited with every write, and every chunk read was accounted for by one of them.
  assert.equal(read.length, writes());
  assert.equal(
    read.reduce((sum, count) => sum + count, 0),
    16,
  );

  const failing = await countingFile();
  try {
    await assert.rejects(
      writeBody(Readable.from(chunksOf(4, 1024)), failing.handle, {
        caughtUp: () => Promise.reject(new Error('hashing failed')),
      }),
      /hashing failed/,
    );
  } finally {
    await failing.handle.close();
  }
});

/** A body that sends each chunk only once the previous one was taken (a slow client). */
function trickling(chunks: readonly Buffer[]): Readable {
  let next = 0;
  return new Readable({
    read() {
      setTimeout(() => this.push(next < chunks.length ? chunks[next++] : null), 1);
    },
  });
}

test('a body that trickles in is written in writes of at least minWriteBytes', async () => {
  const { path, handle, writes } = await countingFile();
  const chunks = chunksOf(24, 64 * 1024);
  try {
    assert.equal(await writeBody(trickling(chunks), handle), 24 * 64 * 1024);
  } finally {
    await handle.close();
  }
  assert.deepEqual(await readFile(path), Buffer.concat(chunks));
  // 1.5 MiB: three writes of 512 KiB (one each chunk, before).
  assert.equal(writes(), Math.ceil((24 * 64 * 1024) / minWriteBytes));
});

test('writeNewFile creates the file with its first write, and nothing for a body that fails first', async () => {
  const created: Array<{ bytes: number; handle: DiskFile; path: string }> = [];
  const create = async (content: readonly Buffer[]): Promise<DiskFile> => {
    const { path, handle } = await countingFile();
    await handle.writev(content);
    created.push({ bytes: Buffer.concat(content).length, handle, path });
    return handle;
  };
  try {
    const chunks = chunksOf(16, 64 * 1024);
    assert.equal(await writeNewFile(trickling(chunks), create), 1024 * 1024);
    assert.equal(created.length, 1);
    assert.equal(created[0]?.bytes, minWriteBytes);
    assert.deepEqual(await readFile(created[0]?.path ?? ''), Buffer.concat(chunks));

    assert.equal(await writeNewFile(Readable.from([]), create), 0);
    assert.equal(created.length, 2, 'an empty body makes an empty file');
    assert.equal(created[1]?.bytes, 0);

    const failing = new PassThrough();
    const failed = writeNewFile(failing, create);
    failing.write(Buffer.alloc(minWriteBytes - 1));
    failing.destroy(new Error('client went away'));
    await assert.rejects(failed, /client went away/);
    assert.equal(created.length, 2, 'nothing created');
  } finally {
    for (const { handle } of created) await handle.close();
  }
});

test('a failed create rejects once its job settled, and the body is destroyed', async () => {
  let settled = false;
  const create = async (): Promise<DiskFile> => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    settled = true;
    throw Object.assign(new Error('ENOSPC: no space'), { code: 'ENOSPC' });
  };
  const body = new PassThrough();
  const written = writeNewFile(body, create);
  body.write(Buffer.alloc(minWriteBytes));
  await assert.rejects(written, /ENOSPC/);
  assert.ok(settled);
  assert.ok(body.destroyed);
});

test('gatherBody keeps the chunks as they came, hashed; an over-long, failed or cut body rejects', async () => {
  const chunks = [...chunksOf(4, 1024)];
  const hasher = createHasher('xxhash');
  const gathered = await gatherBody(Readable.from(chunks), 4096, [hasher]);
  assert.equal(gathered.length, 4);
  assert.ok(
    gathered.every((chunk, index) => chunk === chunks[index]),
    'no copies',
  );
  assert.equal(hasher.digest(), hashBuffer('xxhash', Buffer.concat(chunks)));
  const paused = Readable.from(chunksOf(4, 1024)).pause();
  assert.equal((await gatherBody(paused, 4096)).length, 4, 'a paused body flows');
  const long = Readable.from(chunksOf(4, 1024));
  await assert.rejects(gatherBody(long, 3000), /content length mismatch/);
  assert.ok(long.destroyed);
  const failing = new PassThrough();
  const failed = gatherBody(failing, 4096);
  failing.write(Buffer.alloc(10));
  failing.destroy(new Error('socket reset'));
  await assert.rejects(failed, /socket reset/);
  const gone = new PassThrough();
  const closed = gatherBody(gone, 4096);
  gone.write(Buffer.alloc(10));
  gone.destroy();
  await assert.rejects(closed, /premature close/i);
});
