// LocalStore's one-job write of small objects (a declared length up to 64 KiB, or a copied object
// already read whole and verified) and of EC pieces received whole: the same object as a streamed
// PUT stores, placed by the same rules when the one-job rename cannot place it. And a streamed
// PUT's commit of a new name, which checks the replica paths in its own job as the small write does.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hashBuffer } from '../checksum/index.js';
import { isStoreError, type ErrorCode } from '../errors/index.js';
import { MemoryBody } from '../util/streams/memory-body.js';
import { localDisk, type Disk, type FileCommit, type SmallFileWrite } from './io/index.js';
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
/** Every one-job write the store made: its destination and whether it was fsynced. */
const writes: SmallFileWrite[] = [];
/** How many version lookups (one job each) the store made. */
let lookups = 0;
/** Every streamed PUT's commit (one job each). */
const commits: FileCommit[] = [];

const countingDisk: Disk = {
  ...localDisk,
  writeSmallFile: (workPath, request) => {
    writes.push(request);
    return localDisk.writeSmallFile(workPath, request);
  },
  commitFile: (file, workPath, request) => {
    commits.push(request);
    return localDisk.commitFile(file, workPath, request);
  },
  readFirstFile: (paths, request) => {
    lookups += 1;
    return localDisk.readFirstFile(paths, request);
  },
};

before(async () => {
  root = await makeTemporaryDirectory();
  store = await openTestStore(root, 1, { fsyncObjects: false }, 'n', { disk: countingDisk });
});

after(async () => {
  await store.close();
  await removeTemporaryDirectory(root);
});

function hasCode(code: ErrorCode): (error: unknown) => boolean {
  return (error: unknown) => isStoreError(error) && error.code === code;
}

const objectDirectory = (): string => join(root, 'mp0/@ais/bucket/%ob');

async function workFiles(): Promise<string[]> {
  try {
    return await readdir(join(root, 'mp0/@ais/bucket/%wk'));
  } catch {
    return [];
  }
}

function put(name: string, data: Buffer, extra: object = {}): Promise<unknown> {
  return store.putObject({
    bucket: testBucket,
    name,
    body: bodyOf(data, 1000),
    contentLength: data.length,
    checksumType: 'xxhash',
    versioning: true,
    ...extra,
  });
}

async function readBack(name: string): Promise<Buffer> {
  return await readAll((await store.getObject(testBucket, name)).body);
}

test('a small object is written in one job: bytes, checksum and version as a streamed PUT', async () => {
  const data = patternBytes(5000);
  // The first write into the bucket finds no work directory, makes it and writes again.
  await put('small', data);
  const before = writes.length;
  await put('small-2', data);
  assert.equal(writes.length, before + 1);
  await put('small', data);
  assert.deepEqual(await readFile(join(objectDirectory(), 'small')), data);
  const head = await store.headObject(testBucket, 'small');
  assert.equal(head.size, data.length);
  assert.equal(head.version, '2');
  assert.equal(head.checksum.value, hashBuffer('xxhash', data));
  assert.ok(head.modifiedTimeMs > 0);
  assert.deepEqual(await workFiles(), []);
});

test("a new name's write checks its replica paths itself; one that exists is looked up", async () => {
  const first = patternBytes(3000, 1);
  const second = patternBytes(3000, 2);
  await put('guess', first);
  const written = writes.length;
  const looked = lookups;
  // Nothing cached for the name: the write takes it to be new and checks both its paths (natural
  // and hashed) in its own job; a replica is there, so nothing is written and the lookup numbers it.
  await put('guess', second);
  assert.equal(lookups, looked + 1);
  assert.equal(writes.length, written + 2);
  assert.equal(writes.at(-2)?.absent?.length, 2);
  assert.equal(writes.at(-1)?.absent, undefined);
  assert.deepEqual(await readBack('guess'), second);
  assert.equal((await store.headObject(testBucket, 'guess')).version, '2');
  // Read, its record is cached: the name is taken to exist, and looked up first.
  const third = patternBytes(3000, 3);
  await put('guess', third);
  assert.equal(lookups, looked + 2);
  assert.equal(writes.length, written + 3);
  assert.equal(writes.at(-1)?.absent, undefined);
  assert.equal((await store.headObject(testBucket, 'guess')).version, '3');
  // A new name: no lookup, version 1.
  await put('guess-new', first);
  assert.equal(lookups, looked + 2);
  assert.equal((await store.headObject(testBucket, 'guess-new')).version, '1');
  // A precondition needs the current object: looked up, as before.
  await put('guess-new-2', first, { precondition: () => undefined });
  assert.equal(lookups, looked + 3);
});

test('a name whose directory does not exist yet, and one that collides with a directory', async () => {
  const inner = patternBytes(300, 2);
  const outer = patternBytes(400, 3);
  await put('dir/below/inner', inner);
  // `dir` is a directory of objects: the object `dir` is stored hashed.
  await put('dir', outer);
  assert.deepEqual(await readBack('dir/below/inner'), inner);
  assert.deepEqual(await readBack('dir'), outer);
  assert.deepEqual(await readFile(join(objectDirectory(), 'dir/below/inner')), inner);
  assert.equal((await store.headObject(testBucket, 'dir')).version, '1');
  assert.deepEqual(await workFiles(), []);
});

test('an empty object, and one at the size limit, take the one-job path', async () => {
  const before = writes.length;
  await put('empty', Buffer.alloc(0));
  await put('limit', patternBytes(64 * 1024, 4));
  assert.equal(writes.length, before + 2);
  assert.equal((await readBack('empty')).length, 0);
  assert.deepEqual(await readBack('limit'), patternBytes(64 * 1024, 4));
});

test('a wrong checksum or length stores nothing and leaves no work file', async () => {
  const data = patternBytes(100, 5);
  const wrong = { type: 'xxhash' as const, value: '0000000000000000' };
  await assert.rejects(
    put('bad-sum', data, { expectedChecksum: wrong }),
    hasCode('ChecksumMismatch'),
  );
  await assert.rejects(put('short', data, { contentLength: 101 }), hasCode('BadRequest'));
  await assert.rejects(put('long', data, { contentLength: 99 }), hasCode('BadRequest'));
  for (const name of ['bad-sum', 'short', 'long'])
    await assert.rejects(store.headObject(testBucket, name), hasCode('ObjectNotFound'));
  assert.deepEqual(await workFiles(), []);
});

test('with fsync on, the one job fsyncs the file', async () => {
  await put('unsynced', patternBytes(10, 6));
  assert.equal(writes.at(-1)?.sync, false);
  store.setFsyncObjects(true);
  try {
    await put('synced', patternBytes(10, 7));
    assert.equal(writes.at(-1)?.sync, true);
  } finally {
    store.setFsyncObjects(false);
  }
});

test('a copy verified in memory is written in one job, whatever its size, with its checksum as it is', async () => {
  const data = patternBytes(300 * 1024, 8);
  const checksum = { type: 'xxhash' as const, value: hashBuffer('xxhash', data) };
  const verifiedSource = { checksum, inMemory: true };
  const before = writes.length;
  await put('copied', data, { expectedChecksum: checksum, verifiedSource });
  assert.equal(writes.length, before + 1);
  assert.deepEqual(await readBack('copied'), data);
  // Stored as given, not computed: a value no hash of these bytes gives is what the record holds
  // (the read that verified the bytes is what vouches for it; every later read checks it).
  const given = { type: 'xxhash' as const, value: '0123456789abcdef' };
  // Above 512 KiB a streamed copy takes the streamed path (up to that, any streamed body is
  // written in one job too).
  const large = patternBytes(600 * 1024, 8);
  await put('as-given', large, { verifiedSource: { checksum: given, inMemory: false } });
  assert.equal(writes.length, before + 1, 'a streamed copy takes the streamed path');
  assert.equal((await store.headObject(testBucket, 'as-given')).checksum.value, given.value);
  await assert.rejects(readBack('as-given'), hasCode('ObjectCorrupted'));
});

test('a copy whose read fails its verification stores nothing and leaves no work file', async () => {
  const data = patternBytes(200 * 1024, 9);
  const checksum = { type: 'xxhash' as const, value: hashBuffer('xxhash', data) };
  // The reader fails its stream at the end when the bytes do not match (VerifyingStream).
  function* failing(): Generator<Buffer> {
    yield data.subarray(0, 100 * 1024);
    throw new Error('checksum mismatch at the end of the read');
  }
  for (const inMemory of [true, false]) {
    const name = `failed-${inMemory}`;
    await assert.rejects(
      store.putObject({
        bucket: testBucket,
        name,
        body: Readable.from(failing()),
        contentLength: data.length,
        checksumType: 'xxhash',
        versioning: true,
        verifiedSource: { checksum, inMemory },
      }),
      /checksum mismatch/,
    );
    await assert.rejects(store.headObject(testBucket, name), hasCode('ObjectNotFound'));
  }
  assert.deepEqual(await workFiles(), []);
});

test('a body in memory with a pooled buffer gives the buffer back once written, or once refused', async () => {
  const data = patternBytes(200 * 1024, 10);
  const checksum = { type: 'xxhash' as const, value: hashBuffer('xxhash', data) };
  const verifiedSource = { checksum, inMemory: true };
  let releases = 0;
  let writtenWhenReleased = 0;
  const release = (): void => {
    releases += 1;
    writtenWhenReleased = writes.length;
  };
  const before = writes.length;
  await put('leased', data, {
    body: new MemoryBody(data, release),
    expectedChecksum: checksum,
    verifiedSource,
  });
  assert.equal(releases, 1);
  assert.equal(writtenWhenReleased, before + 1, 'released after the one job wrote the bytes');
  assert.deepEqual(await readBack('leased'), data);
  // A refused body (its checksum does not match) is given back too, and nothing is written.
  const wrong = { type: 'xxhash' as const, value: '0123456789abcdef' };
  await assert.rejects(
    put('leased-wrong', data, {
      body: new MemoryBody(data, release),
      expectedChecksum: wrong,
      verifiedSource,
    }),
    hasCode('ChecksumMismatch'),
  );
  assert.equal(releases, 2);
  assert.equal(writes.length, before + 1);
  await assert.rejects(store.headObject(testBucket, 'leased-wrong'), hasCode('ObjectNotFound'));
  assert.deepEqual(await workFiles(), []);
});

test('EC pieces and metafiles take the one-job path into their own trees; whole up to 1 MiB when asked', async () => {
  const before = writes.length;
  const piece = patternBytes(256 * 1024, 9);
  const pieceRequest = { contentType: 'ec' as const, versioning: false, receiveWhole: true };
  await put('sliced', piece, pieceRequest);
  await put('sliced', patternBytes(100, 10), { contentType: 'mt' as const, versioning: false });
  assert.deepEqual(
    writes.slice(before).map((write) => write.destination.slice(root.length)),
    ['/mp0/@ais/bucket/%ec/sliced', '/mp0/@ais/bucket/%mt/sliced'],
  );
  const read = await store.getObject(testBucket, 'sliced', undefined, { contentType: 'ec' });
  assert.deepEqual(await readAll(read.body), piece);
  await assert.rejects(store.headObject(testBucket, 'sliced'), hasCode('ObjectNotFound'));
  // Above 1 MiB a piece streams to its work file; not asked to be received whole, it is written
  // in one job all the same, as the chunks it came in.
  await put('big-piece', patternBytes(1024 * 1024 + 8, 11), pieceRequest);
  assert.equal(writes.length, before + 2);
  await put('chunked-piece', piece, { ...pieceRequest, receiveWhole: false });
  assert.equal(writes.length, before + 3);
  assert.ok(!Buffer.isBuffer(writes.at(-1)?.content), 'written as its chunks');
});

test('a piece received whole into a pooled buffer keeps it until its write is done', async () => {
  const pooledRoot = await makeTemporaryDirectory();
  // The first write waits until the second piece was received: had the first given its buffer
  // back before its write, the second would have been received into it, over its bytes.
  let open = (): void => undefined;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let first = true;
  const gatedDisk: Disk = {
    ...localDisk,
    writeSmallFile: async (workPath, request) => {
      if (first) {
        first = false;
        await gate;
      }
      return await localDisk.writeSmallFile(workPath, request);
    },
  };
  // Read buffers of 1 MiB (the default): a piece up to that size is gathered into one of them.
  const pooled = await openTestStore(
    pooledRoot,
    1,
    { readChunkBytes: 1024 * 1024, fsyncObjects: false },
    'n',
    { disk: gatedDisk },
  );
  try {
    const one = patternBytes(200 * 1024, 20);
    const two = patternBytes(200 * 1024, 21);
    const store = (name: string, data: Buffer): Promise<unknown> =>
      pooled.putObject({
        bucket: testBucket,
        name,
        body: bodyOf(data, 16 * 1024),
        contentLength: data.length,
        checksumType: 'xxhash',
        versioning: false,
        contentType: 'ec',
        receiveWhole: true,
      });
    const storedOne = store('one', one);
    while (first) await new Promise((resolve) => setImmediate(resolve));
    await store('two', two);
    open();
    await storedOne;
    for (const [name, data] of [['one', one] as const, ['two', two] as const]) {
      const read = await pooled.getObject(testBucket, name, undefined, { contentType: 'ec' });
      assert.deepEqual(await readAll(read.body), data, name);
    }
  } finally {
    await pooled.close();
    await removeTemporaryDirectory(pooledRoot);
  }
});

test("a streamed PUT's commit of a new name checks its replica paths itself; one that exists is looked up", async () => {
  const streamed = (name: string, data: Buffer): Promise<unknown> =>
    store.putObject({
      bucket: testBucket,
      name,
      // No declared length: the streamed path (work file, writes, commit).
      body: bodyOf(data, 64 * 1024),
      checksumType: 'xxhash',
      versioning: true,
    });
  const first = patternBytes(700_000, 4);
  const looked = lookups;
  await streamed('streamed-new', first);
  // No lookup's job: the commit checked both paths (natural and hashed) and numbered it 1.
  assert.equal(lookups, looked);
  assert.equal(commits.at(-1)?.absent?.length, 2);
  assert.equal((await store.headObject(testBucket, 'streamed-new')).version, '1');
  assert.deepEqual(await readBack('streamed-new'), first);
  // An overwrite of a name nothing is cached for: the commit finds the replica and does nothing,
  // the lookup numbers it, the second commit places it.
  const second = patternBytes(300_000, 5);
  await put('streamed-old', patternBytes(1000, 6));
  const commitsBefore = commits.length;
  await streamed('streamed-old', second);
  assert.equal(commits.length, commitsBefore + 2);
  assert.equal(commits.at(-1)?.absent, undefined);
  assert.equal((await store.headObject(testBucket, 'streamed-old')).version, '2');
  assert.deepEqual(await readBack('streamed-old'), second);
  assert.deepEqual(await workFiles(), []);
});
