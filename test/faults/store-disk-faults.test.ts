// The local store on a faulty disk (no sockets): a full disk mid-PUT, a torn metadata write, an
// unreadable replica, and a crash that loses what was not fsynced. The same faults through a
// running target are in disk-faults.test.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isStoreError, type ErrorCode } from '../../src/errors/index.js';
import type { LocalStore } from '../../src/storage/index.js';
import {
  bodyOf,
  makeTemporaryDirectory,
  openTestStore,
  patternBytes,
  readAll,
  removeTemporaryDirectory,
  testBucket,
} from '../../src/storage/store-fixtures.js';
import { FaultyDisk } from '../harness/faulty-disk.js';

function hasCode(code: ErrorCode): (error: unknown) => boolean {
  return (error: unknown) => isStoreError(error) && error.code === code;
}

function put(store: LocalStore, name: string, data: Buffer, versioning = true): Promise<unknown> {
  return store.putObject({
    bucket: testBucket,
    name,
    body: bodyOf(data, 64 * 1024),
    contentLength: data.length,
    checksumType: 'xxhash',
    versioning,
  });
}

async function read(store: LocalStore, name: string): Promise<Buffer> {
  const { body } = await store.getObject(testBucket, name);
  return await readAll(body);
}

async function entries(directory: string): Promise<string[]> {
  return await readdir(directory).catch(() => []);
}

describe('store on a faulty disk', () => {
  let root = '';
  let disk: FaultyDisk;
  let store: LocalStore;
  let mountpath = '';

  before(async () => {
    root = await makeTemporaryDirectory();
    disk = new FaultyDisk();
    store = await openTestStore(root, 1, { fsyncObjects: true }, 'target-1', { disk });
    mountpath = join(root, 'mp0');
  });
  after(async () => {
    await store.close();
    await removeTemporaryDirectory(root);
  });

  test('ENOSPC mid-PUT: InsufficientStorage, nothing partial, the older version intact', async () => {
    const older = patternBytes(300_000, 1);
    await put(store, 'full', older);
    const space = disk.fillAfter(mountpath, 200_000);
    try {
      await assert.rejects(
        put(store, 'full', patternBytes(1_000_000, 2)),
        (error: unknown) =>
          hasCode('InsufficientStorage')(error) && /mountpath .* is full/.test(String(error)),
      );
      // Up to 512 KiB the body is written in one job with the commit; above, it streams.
      for (const name of ['new-name', 'new-name-streamed']) {
        const size = name === 'new-name' ? 400_000 : 1_000_000;
        await assert.rejects(put(store, name, patternBytes(size, 3)), {
          name: 'StoreError',
          code: 'InsufficientStorage',
        });
      }
    } finally {
      space.remove();
    }
    assert.deepEqual(await read(store, 'full'), older);
    assert.equal((await store.headObject(testBucket, 'full')).version, '1');
    for (const name of ['new-name', 'new-name-streamed'])
      await assert.rejects(store.headObject(testBucket, name), hasCode('ObjectNotFound'));
    assert.deepEqual(await entries(join(mountpath, '@ais/bucket/%wk')), []);
  });

  test("ENOSPC and EIO on the body's last write, in the commit's job: nothing partial, nothing older lost", async () => {
    const older = patternBytes(300_000, 11);
    await put(store, 'tail', older);
    const commitFile = disk.commitFile.bind(disk);
    const calls = { all: 0, withTail: 0 };
    for (const [index, fault] of (['ENOSPC', 'EIO'] as const).entries()) {
      // The first write (the create's, 512 KiB) goes through; the tail's fails.
      disk.commitFile = async (file, workPath, request) => {
        calls.all += 1;
        calls.withTail += (request.tail ?? []).length > 0 ? 1 : 0;
        const injected =
          fault === 'ENOSPC'
            ? disk.fillAfter(mountpath, 0)
            : disk.inject({ operations: ['write'], path: workPath, fault: { error: 'EIO' } });
        try {
          return await commitFile(file, workPath, request);
        } finally {
          injected.remove();
        }
      };
      try {
        for (const name of ['tail', `tail-new-${index}`]) {
          await assert.rejects(put(store, name, patternBytes(1_000_000, 12)), (error: unknown) =>
            fault === 'EIO' ? error instanceof Error : hasCode('InsufficientStorage')(error),
          );
        }
      } finally {
        disk.commitFile = commitFile;
      }
      assert.deepEqual(await read(store, 'tail'), older, fault);
      assert.equal((await store.headObject(testBucket, 'tail')).version, '1');
      await assert.rejects(
        store.headObject(testBucket, `tail-new-${index}`),
        hasCode('ObjectNotFound'),
      );
      assert.deepEqual(await entries(join(mountpath, '@ais/bucket/%wk')), []);
    }
    // An existing name's first commit may find it present (nothing done), then commits after a lookup.
    assert.ok(calls.all >= 4);
    assert.equal(calls.withTail, calls.all, "every commit was given the body's tail");
  });

  test('a torn metadata write: the object is reported corrupt, never served', async () => {
    const torn = disk.inject({
      operations: ['setAttribute'],
      path: join(mountpath, '@ais/bucket/%wk'),
      fault: { tornBytes: 20 },
    });
    try {
      await put(store, 'torn', patternBytes(10_000, 4), false);
    } finally {
      torn.remove();
    }
    assert.equal(torn.fired, 1);
    await assert.rejects(store.headObject(testBucket, 'torn'), hasCode('ObjectCorrupted'));
    await assert.rejects(store.getObject(testBucket, 'torn'), hasCode('ObjectCorrupted'));
    const page = await store.listObjects(testBucket, { limit: 100, withMetadata: true });
    assert.ok(!page.some((object) => object.name === 'torn'), 'a listing leaves it out');
  });

  test('EIO reading a replica: the read fails as corrupt (for recovery), never with wrong bytes', async () => {
    await put(store, 'unreadable', patternBytes(20_000, 5));
    const eio = disk.inject({
      operations: ['read'],
      path: join(mountpath, '@ais/bucket/%ob/unreadable'),
      fault: { error: 'EIO' },
    });
    try {
      await assert.rejects(store.getObject(testBucket, 'unreadable'), hasCode('ObjectCorrupted'));
    } finally {
      eio.remove();
    }
    assert.ok(eio.fired >= 1);
  });
});

describe('crash: what an acknowledged PUT keeps', () => {
  let root = '';
  before(async () => {
    root = await makeTemporaryDirectory();
  });
  after(() => removeTemporaryDirectory(root));

  /** PUTs `count` objects on a tracking disk, crashes, reopens on the real disk. */
  async function putThenCrash(fsyncObjects: boolean, directory: string): Promise<LocalStore> {
    const disk = new FaultyDisk(undefined, { keepDirectory: join(root, `${directory}-kept`) });
    const base = join(root, directory);
    const before = await openTestStore(base, 2, { fsyncObjects }, 'target-1', { disk });
    for (let index = 0; index < 10; index += 1) {
      await put(before, `object-${index}`, patternBytes(50_000 + index, index));
    }
    await put(before, 'object-0', patternBytes(70_000, 100));
    await disk.crash();
    await before.close();
    return await openTestStore(base, 2, { fsyncObjects });
  }

  test('with fsync on, every acknowledged PUT survives the crash', async () => {
    const after = await putThenCrash(true, 'synced');
    try {
      assert.deepEqual(await read(after, 'object-0'), patternBytes(70_000, 100));
      assert.equal((await after.headObject(testBucket, 'object-0')).version, '2');
      for (let index = 1; index < 10; index += 1) {
        assert.deepEqual(await read(after, `object-${index}`), patternBytes(50_000 + index, index));
      }
    } finally {
      await after.close();
    }
  });

  test('with fsync off, acknowledged PUTs are lost (the simulated crash is real)', async () => {
    const after = await putThenCrash(false, 'unsynced');
    try {
      let lost = 0;
      for (let index = 0; index < 10; index += 1) {
        await after.headObject(testBucket, `object-${index}`).catch(() => (lost += 1));
      }
      assert.equal(lost, 10);
    } finally {
      await after.close();
    }
  });
});
