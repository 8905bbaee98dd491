// LocalStore write tests: the PUT transaction stores exact bytes, or nothing at all.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { hashBuffer } from '../checksum/index.js';
import { StoreError, isStoreError, type ErrorCode } from '../errors/index.js';
import { localDisk, type Disk } from './io/index.js';
import type { LocalStore } from './local-store.js';
import {
  bodyOf,
  makeTemporaryDirectory,
  openTestStore,
  patternBytes,
  readAll,
  removeTemporaryDirectory,
  testBucket,
} from './store-fixtures.js';

let root = '';
let store: LocalStore;

before(async () => {
  root = await makeTemporaryDirectory();
  store = await openTestStore(root, 1, { fsyncObjects: true });
});

after(async () => {
  await store.close();
  await removeTemporaryDirectory(root);
});

const objectDirectory = (): string => join(root, 'mp0/@ais/bucket/%ob');
const workDirectory = (): string => join(root, 'mp0/@ais/bucket/%wk');

function hasCode(code: ErrorCode): (error: unknown) => boolean {
  return (error: unknown) => isStoreError(error) && error.code === code;
}

async function workFiles(): Promise<string[]> {
  try {
    return await readdir(workDirectory());
  } catch {
    return [];
  }
}

function put(name: string, data: Buffer | string, extra: object = {}): Promise<unknown> {
  return store.putObject({
    bucket: testBucket,
    name,
    body: bodyOf(data),
    checksumType: 'xxhash',
    versioning: false,
    ...extra,
  });
}

test('round trip: the %ob file holds exactly the bytes, GET returns them', async () => {
  const data = patternBytes(100_000, 7);
  const stored = await store.putObject({
    bucket: testBucket,
    name: 'dir/sub/object.bin',
    body: bodyOf(data),
    contentLength: data.length,
    checksumType: 'xxhash',
    customMetadata: { owner: 'me' },
    versioning: false,
  });
  assert.equal(stored.size, data.length);
  assert.deepEqual(stored.checksum, { type: 'xxhash', value: hashBuffer('xxhash', data) });
  assert.deepEqual(stored.customMetadata, { owner: 'me' });
  assert.equal(stored.version, undefined);
  assert.equal(stored.mountpath, join(root, 'mp0'));
  assert.ok(Math.abs(stored.modifiedTimeMs - Date.now()) < 60_000);
  assert.ok(stored.accessTimeNs > 0n);
  assert.deepEqual(await readFile(join(objectDirectory(), 'dir/sub/object.bin')), data);
  const { object, body } = await store.getObject(testBucket, 'dir/sub/object.bin');
  assert.deepEqual(await readAll(body), data);
  assert.deepEqual(object.checksum, stored.checksum);
  assert.deepEqual(await workFiles(), []);
});

test('empty objects and every checksum type', async () => {
  for (const checksumType of ['none', 'xxhash', 'md5', 'sha256', 'crc32c', 'sha512'] as const) {
    const name = `empty-${checksumType}`;
    const stored = await store.putObject({
      bucket: testBucket,
      name,
      body: bodyOf(''),
      checksumType,
      versioning: false,
    });
    assert.equal(stored.size, 0);
    assert.equal(stored.checksum.value, hashBuffer(checksumType, Buffer.alloc(0)));
    assert.equal((await readAll((await store.getObject(testBucket, name)).body)).length, 0);
  }
});

test('a checksum mismatch stores nothing and leaves no work file', async () => {
  await put('guarded', 'old content');
  await assert.rejects(
    put('guarded', 'new content', {
      expectedChecksum: { type: 'xxhash', value: hashBuffer('xxhash', Buffer.from('other')) },
    }),
    (error: unknown) =>
      hasCode('ChecksumMismatch')(error) && /BAD DATA CHECKSUM/.test(String(error)),
  );
  await assert.rejects(
    put('never-stored', 'x', { expectedChecksum: { type: 'md5', value: 'ff'.repeat(16) } }),
    hasCode('ChecksumMismatch'),
  );
  assert.equal(
    (await readAll((await store.getObject(testBucket, 'guarded')).body)).toString(),
    'old content',
  );
  await assert.rejects(store.headObject(testBucket, 'never-stored'), hasCode('ObjectNotFound'));
  assert.deepEqual(await workFiles(), []);
});

test('a client checksum of another type is verified too, upper-case hex accepted', async () => {
  const data = Buffer.from('checked twice');
  const stored = await store.putObject({
    bucket: testBucket,
    name: 'two-types',
    body: bodyOf(data),
    checksumType: 'xxhash',
    expectedChecksum: { type: 'md5', value: hashBuffer('md5', data).toUpperCase() },
    versioning: false,
  });
  assert.equal(stored.checksum.type, 'xxhash');
  assert.equal(stored.checksum.value, hashBuffer('xxhash', data));
});

test('a body of the wrong length stores nothing (shorter or longer)', async () => {
  await assert.rejects(put('short', '12345', { contentLength: 6 }), hasCode('BadRequest'));
  await assert.rejects(put('long', '1234567', { contentLength: 6 }), hasCode('BadRequest'));
  await assert.rejects(store.headObject(testBucket, 'short'), hasCode('ObjectNotFound'));
  await assert.rejects(store.headObject(testBucket, 'long'), hasCode('ObjectNotFound'));
  assert.deepEqual(await workFiles(), []);
});

test('a body that fails midway leaves the previous object intact', async () => {
  await put('interrupted', 'previous');
  async function* failing(): AsyncGenerator<Buffer> {
    yield Buffer.from('partial new conte');
    await Promise.resolve();
    throw new Error('client went away');
  }
  await assert.rejects(
    put('interrupted', '', { body: Readable.from(failing()) }),
    /client went away/,
  );
  const { body } = await store.getObject(testBucket, 'interrupted');
  assert.equal((await readAll(body)).toString(), 'previous');
  assert.deepEqual(await workFiles(), []);
});

test('a body that fails after the work file was made leaves nothing, the previous object intact', async () => {
  await put('interrupted-late', 'previous');
  async function* failing(): AsyncGenerator<Buffer> {
    // More than the first write takes: the work file exists when the client goes.
    for (let index = 0; index < 12; index += 1) yield patternBytes(64 * 1024, index);
    await new Promise((resolve) => setTimeout(resolve, 5));
    throw new Error('client went away');
  }
  await assert.rejects(
    put('interrupted-late', '', { body: Readable.from(failing()) }),
    /client went away/,
  );
  const { body } = await store.getObject(testBucket, 'interrupted-late');
  assert.equal((await readAll(body)).toString(), 'previous');
  assert.deepEqual(await workFiles(), []);
});

test('versioning counts up from 1; unversioned PUTs carry no version', async () => {
  const versions: Array<string | undefined> = [];
  for (let index = 0; index < 3; index += 1) {
    const stored = await store.putObject({
      bucket: testBucket,
      name: 'versioned',
      body: bodyOf(`v${index}`),
      checksumType: 'xxhash',
      versioning: true,
    });
    versions.push(stored.version);
  }
  assert.deepEqual(versions, ['1', '2', '3']);
  assert.equal((await store.headObject(testBucket, 'versioned')).version, '3');
  await put('versioned', 'unversioned');
  assert.equal((await store.headObject(testBucket, 'versioned')).version, undefined);
});

test('custom metadata beyond the record limit is a BadRequest, nothing stored', async () => {
  await assert.rejects(
    put('too-much', 'x', { customMetadata: { big: 'v'.repeat(3990) } }),
    (error: unknown) => hasCode('BadRequest')(error) && /too large/.test(String(error)),
  );
  await assert.rejects(store.headObject(testBucket, 'too-much'), hasCode('ObjectNotFound'));
});

test('a record beyond the limit is refused before a byte of the body is read', async () => {
  // The size check runs only for records with client-sized fields: each of them must trigger it.
  const big = 'v'.repeat(3990);
  for (const extra of [
    { customMetadata: { big } },
    { contentHeaders: { 'Content-Type': big } },
    { tags: { big } },
  ]) {
    const body = new Readable({
      read() {
        this.destroy(new Error('the body was read'));
      },
    });
    await assert.rejects(
      store.putObject({
        bucket: testBucket,
        name: 'too-much',
        body,
        checksumType: 'xxhash',
        versioning: false,
        contentLength: 1,
        ...extra,
      }),
      (error: unknown) => hasCode('BadRequest')(error) && /too large/.test(String(error)),
      JSON.stringify(Object.keys(extra)),
    );
  }
});

test('the longest name with every fixed field fits the record (the size check is skipped)', async () => {
  const name = '\u{10FFFF}'.repeat(256);
  await put(name, 'x', {
    retention: { mode: 'COMPLIANCE', untilMs: Date.now() + 60_000 },
    legalHold: true,
  });
  assert.equal((await store.headObject(testBucket, name)).size, 1);
});

test('concurrent PUTs of one name leave exactly one complete object', async () => {
  const contents = Array.from({ length: 12 }, (_, index) =>
    patternBytes(50_000 + index * 1000, index + 1),
  );
  await Promise.all(contents.map((data) => put('contended', data)));
  const { object, body } = await store.getObject(testBucket, 'contended');
  const data = await readAll(body);
  const match = contents.find((candidate) => candidate.equals(data));
  assert.ok(match !== undefined, 'the object is one of the bodies, whole');
  assert.equal(object.size, data.length);
  assert.equal(object.checksum.value, hashBuffer('xxhash', data));
  assert.deepEqual(await workFiles(), []);
});

test('a full disk (ENOSPC) is InsufficientStorage and stores nothing', async () => {
  // A unit test cannot fill a real disk portably, so the error enters where the disk's would
  // (while the body is written); a real full tmpfs was checked by hand with the same result.
  async function* fullDisk(): AsyncGenerator<Buffer> {
    yield Buffer.from('some bytes');
    await Promise.resolve();
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  }
  await assert.rejects(
    put('no-space', '', { body: Readable.from(fullDisk()) }),
    (error: unknown) =>
      hasCode('InsufficientStorage')(error) &&
      /insufficient storage: mountpath .* is full/.test(String(error)),
  );
  await assert.rejects(store.headObject(testBucket, 'no-space'), hasCode('ObjectNotFound'));
  assert.deepEqual(await workFiles(), []);
});

test('concurrent versioned PUTs get distinct consecutive versions', async () => {
  const results = await Promise.all(
    Array.from({ length: 10 }, (_, index) =>
      store.putObject({
        bucket: testBucket,
        name: 'versioned-race',
        body: bodyOf(`body ${index}`),
        checksumType: 'xxhash',
        versioning: true,
      }),
    ),
  );
  const versions = results.map((stored) => Number(stored.version)).sort((a, b) => a - b);
  assert.deepEqual(versions, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.equal((await store.headObject(testBucket, 'versioned-race')).version, '10');
});

test('fsync follows setFsyncObjects: file and directory are synced only while it is on', async () => {
  const syncs = { files: 0, directories: 0 };
  const disk: Disk = {
    ...localDisk,
    open: async (path, flags, mode) => {
      const file = await localDisk.open(path, flags, mode);
      const sync = file.sync.bind(file);
      return Object.assign(file, { sync: () => ((syncs.files += 1), sync()) });
    },
    // A streamed PUT's work file is fsynced inside its commit job.
    commitFile: (file, workPath, request) => (
      (syncs.files += request.sync ? 1 : 0),
      localDisk.commitFile(file, workPath, request)
    ),
    syncDirectory: (path) => ((syncs.directories += 1), localDisk.syncDirectory(path)),
  };
  const counted = await openTestStore(join(root, 'counted'), 1, { fsyncObjects: false }, 'n', {
    disk,
  });
  try {
    const write = (name: string): Promise<unknown> =>
      counted.putObject({
        bucket: testBucket,
        name,
        body: bodyOf('bytes'),
        checksumType: 'xxhash',
        versioning: true,
      });
    await write('first');
    const atOpen = { ...syncs }; // the mountpath's creation and marker are always durable
    await write('second');
    assert.deepEqual(syncs, atOpen, 'off: no fsync');
    counted.setFsyncObjects(true);
    await write('third');
    assert.equal(syncs.files, atOpen.files + 1, 'on: one fsync of the file (bytes and record)');
    assert.equal(syncs.directories, atOpen.directories + 1, 'on: one of its directory');
  } finally {
    await counted.close();
  }
});

test('a precondition runs under the write lock: of concurrent create-only PUTs exactly one commits', async () => {
  const name = 'create-only';
  const createOnly = (current: unknown): void => {
    if (current !== undefined) throw new StoreError('PreconditionFailed', 'exists');
  };
  const writers = Array.from({ length: 6 }, (_, index) =>
    put(name, `writer ${index}`, { precondition: createOnly }),
  );
  const outcomes = await Promise.allSettled(writers);
  const won = outcomes.flatMap((outcome, index) => (outcome.status === 'fulfilled' ? [index] : []));
  assert.equal(won.length, 1, JSON.stringify(outcomes.map((outcome) => outcome.status)));
  for (const outcome of outcomes) {
    if (outcome.status === 'rejected') assert.ok(hasCode('PreconditionFailed')(outcome.reason));
  }
  const read = await store.getObject(testBucket, name);
  assert.equal((await readAll(read.body)).toString(), `writer ${won[0] ?? -1}`);
  // A failed precondition leaves no work file behind.
  assert.deepEqual(await workFiles(), []);
  // The precondition sees the object it would replace.
  let seen: string | undefined;
  await put(name, 'replaced', {
    precondition: (current: { size: number } | undefined) => {
      seen = String(current?.size);
    },
  });
  assert.equal(seen, String(`writer ${won[0] ?? -1}`.length));
});

test("a streamed 1 MiB PUT: its file created with the first write, the rest written by the commit's job", async () => {
  const jobs = { creates: 0, writes: 0, tails: [] as number[] };
  const disk: Disk = {
    ...localDisk,
    createFile: async (path, content) => {
      const file = await localDisk.createFile(path, content);
      jobs.creates += 1; // the first may fail: a new store's work directory is made then
      const [write, writev] = [file.write.bind(file), file.writev.bind(file)];
      return Object.assign(file, {
        write: (...args: Parameters<typeof write>) => ((jobs.writes += 1), write(...args)),
        writev: (...args: Parameters<typeof writev>) => ((jobs.writes += 1), writev(...args)),
      });
    },
    commitFile: (file, workPath, request) => {
      jobs.tails.push((request.tail ?? []).reduce((sum, buffer) => sum + buffer.length, 0));
      return localDisk.commitFile(file, workPath, request);
    },
  };
  const counted = await openTestStore(join(root, 'tail'), 1, { fsyncObjects: false }, 'n', {
    disk,
  });
  try {
    const data = patternBytes(1024 * 1024 + 1000, 7);
    const modifiedTimeMs = 1_600_000_000_123;
    for (const [name, migration] of [
      ['big', undefined],
      ['moved', { modifiedTimeMs }],
    ] as const) {
      [jobs.creates, jobs.writes, jobs.tails] = [0, 0, []];
      await counted.putObject({
        bucket: testBucket,
        name,
        body: bodyOf(data, 64 * 1024),
        contentLength: data.length,
        checksumType: 'xxhash',
        versioning: migration === undefined,
        ...(migration === undefined ? {} : { migration }),
      });
      assert.equal(jobs.creates, 1);
      assert.equal(jobs.writes, 0, 'no write of its own');
      assert.equal(jobs.tails.length, 1);
      assert.ok((jobs.tails[0] ?? 0) > 0, 'the commit wrote the tail');
      const { body } = await counted.getObject(testBucket, name);
      assert.deepEqual(await readAll(body), data);
    }
    // The migration's time, set after the tail's write.
    const object = await counted.headObject(testBucket, 'moved');
    assert.equal(object.modifiedTimeMs, modifiedTimeMs);
  } finally {
    await counted.close();
  }
});

test('a streamed body up to 512 KiB is written in one job as the chunks it came in; one above streams', async () => {
  const jobs = { creates: 0, commits: 0, smallWrites: [] as (Buffer | readonly Buffer[])[] };
  const disk: Disk = {
    ...localDisk,
    createFile: (path, content) => ((jobs.creates += 1), localDisk.createFile(path, content)),
    commitFile: (file, workPath, request) => (
      (jobs.commits += 1),
      localDisk.commitFile(file, workPath, request)
    ),
    writeSmallFile: (workPath, request) => (
      jobs.smallWrites.push(request.content),
      localDisk.writeSmallFile(workPath, request)
    ),
  };
  const counted = await openTestStore(join(root, 'whole'), 1, { fsyncObjects: false }, 'n', {
    disk,
  });
  const put = (name: string, data: Buffer, extra: object = {}): Promise<unknown> =>
    counted.putObject({
      bucket: testBucket,
      name,
      body: bodyOf(data, 64 * 1024),
      contentLength: data.length,
      checksumType: 'xxhash',
      versioning: true,
      ...extra,
    });
  try {
    const data = patternBytes(512 * 1024, 31);
    for (const [index, name] of ['one-job', 'one-job', 'one-job-new'].entries()) {
      await put(name, data);
      assert.deepEqual([jobs.creates, jobs.commits], [0, 0], 'neither create nor commit job');
      const content = jobs.smallWrites.at(-1);
      assert.ok(content !== undefined && !Buffer.isBuffer(content), 'the chunks, not a copy');
      assert.equal(content.length, 8);
      const { body } = await counted.getObject(testBucket, name);
      assert.deepEqual(await readAll(body), data);
      if (index === 1) assert.equal((await counted.headObject(testBucket, name)).version, '2');
    }
    // A byte more, or digests computed off the main thread (S3's MD5), stream as before.
    const before = jobs.smallWrites.length;
    await put('streamed', patternBytes(512 * 1024 + 1, 32));
    await put('offloaded', data, { offloadDigests: () => () => Promise.resolve() });
    assert.equal(jobs.smallWrites.length, before);
    assert.deepEqual([jobs.creates, jobs.commits], [2, 2]);
  } finally {
    await counted.close();
  }
});

test('kept history with streamed bodies: the tail written before the current version is kept aside', async () => {
  const first = patternBytes(1024 * 1024 + 10, 21);
  const second = patternBytes(1024 * 1024 + 20, 22);
  const stored = [];
  for (const data of [first, second]) {
    stored.push(
      await store.putObject({
        bucket: testBucket,
        name: 'kept-big',
        body: bodyOf(data, 64 * 1024),
        contentLength: data.length,
        checksumType: 'xxhash',
        versioning: true,
        history: 'enabled',
      }),
    );
  }
  const latest = await store.getObject(testBucket, 'kept-big');
  assert.deepEqual(await readAll(latest.body), second);
  const versionId = stored[0]?.versionId;
  assert.ok(versionId !== undefined);
  const older = await store.getObject(testBucket, 'kept-big', undefined, { versionId });
  assert.deepEqual(await readAll(older.body), first);
});
