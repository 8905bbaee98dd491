// Appends in place over an object's zero tail: the bytes before the tail stay on the same inode,
// the record gets the new size, checksum and version; what cannot take one says why; an append
// that a crash interrupts is undone at start-up, and a reader that was streaming the object is
// told it changed (its replica is not quarantined).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isStoreError } from '../../errors/index.js';
import { localDisk, type Disk, type DiskFile } from '../io/index.js';
import type { LocalStore } from '../local-store.js';
import {
  bodyOf,
  makeTemporaryDirectory,
  openTestStore,
  patternBytes,
  readAll,
  removeTemporaryDirectory,
  testBucket,
} from '../store-fixtures.js';
import type { PreparedTailAppend, NotInPlace } from './tail-append.js';

let root = '';
let store: LocalStore;

before(async () => {
  root = await makeTemporaryDirectory();
  store = await openTestStore(root);
});
after(async () => {
  await store.close();
  await removeTemporaryDirectory(root);
});

/** `head` bytes of data, then `zeros` zero bytes (a tar's end-of-archive blocks and padding). */
function withZeroTail(head: Buffer, zeros: number): Buffer {
  return Buffer.concat([head, Buffer.alloc(zeros)]);
}

async function putObject(name: string, bytes: Buffer, target: LocalStore = store): Promise<void> {
  await target.putObject({
    bucket: testBucket,
    name,
    body: bodyOf(bytes),
    checksumType: 'xxhash',
    versioning: true,
  });
}

async function read(name: string, target: LocalStore = store): Promise<Buffer> {
  return await readAll((await target.getObject(testBucket, name)).body);
}

function objectPath(name: string): string {
  return join(root, 'mp0', '@ais', testBucket.name, '%ob', name);
}

function prepared(result: PreparedTailAppend | NotInPlace): PreparedTailAppend {
  if ('notInPlace' in result) assert.fail(`expected an append in place: ${result.notInPlace}`);
  return result;
}

test('an append writes over the zero tail of the same file; the record follows', async () => {
  const head = patternBytes(3000, 7);
  await putObject('a.tar', withZeroTail(head, 10240 - 3000));
  const before = await stat(objectPath('a.tar'));
  const offsetBytes = 3072;
  const append = prepared(
    await store.prepareTailAppend({
      bucket: testBucket,
      name: 'a.tar',
      offsetBytes,
      checksumType: 'xxhash',
    }),
  );
  const added = patternBytes(2000, 9);
  const object = await append.commit(bodyOf(added), true);
  const expected = Buffer.concat([head, Buffer.alloc(72), added]);
  assert.equal(object.size, expected.length);
  assert.equal(object.version, '2');
  assert.deepEqual(await read('a.tar'), expected);
  const after = await stat(objectPath('a.tar'));
  assert.equal(after.ino, before.ino, 'the same file, not a rewritten one');
  const head2 = await store.headObject(testBucket, 'a.tar');
  assert.equal(head2.checksum.value, object.checksum.value);
  assert.deepEqual(await readdir(join(root, 'mp0', '@ais', testBucket.name, '%wk')), []);
});

test('an append that would leave the size as it was adds a zero block', async () => {
  await putObject('same.tar', withZeroTail(Buffer.from('x'.repeat(512)), 1024));
  const append = prepared(
    await store.prepareTailAppend({
      bucket: testBucket,
      name: 'same.tar',
      offsetBytes: 512,
      checksumType: 'xxhash',
    }),
  );
  const object = await append.commit(bodyOf(Buffer.alloc(1024, 7)), true);
  assert.equal(object.size, 512 + 1024 + 512);
  const bytes = await read('same.tar');
  assert.deepEqual(bytes.subarray(1536), Buffer.alloc(512));
});

test('what cannot take an append in place says why, and nothing changes', async () => {
  await putObject('tail.tar', withZeroTail(patternBytes(1000, 3), 2000));
  const request = { bucket: testBucket, name: 'tail.tar', checksumType: 'xxhash' as const };
  const notZero = await store.prepareTailAppend({ ...request, offsetBytes: 512 });
  assert.match((notZero as NotInPlace).notInPlace, /other than zeros/);
  const past = await store.prepareTailAppend({ ...request, offsetBytes: 4000 });
  assert.match((past as NotInPlace).notInPlace, /no zero tail/);
  await assert.rejects(
    store.prepareTailAppend({ ...request, name: 'absent.tar', offsetBytes: 0 }),
    (error: unknown) => isStoreError(error) && error.code === 'ObjectNotFound',
  );
});

test('an object replaced after the append was prepared is left alone (Conflict)', async () => {
  await putObject('race.tar', withZeroTail(Buffer.from('first'), 1019));
  const append = prepared(
    await store.prepareTailAppend({
      bucket: testBucket,
      name: 'race.tar',
      offsetBytes: 512,
      checksumType: 'xxhash',
    }),
  );
  const replacement = withZeroTail(Buffer.from('second'), 1018);
  await putObject('race.tar', replacement);
  await assert.rejects(
    append.commit(bodyOf(Buffer.from('late')), true),
    (error: unknown) => isStoreError(error) && error.code === 'Conflict',
  );
  assert.deepEqual(await read('race.tar'), replacement);
});

/**
 * A disk on which the object file dies after its first `bytesAllowed` bytes written: every later
 * write, and the undo, fail as they would if the process had stopped there.
 */
function dyingDisk(path: string, bytesAllowed: number): Disk {
  return {
    ...localDisk,
    async open(openPath: string, flags: string | number, mode?: number): Promise<DiskFile> {
      const file = await localDisk.open(openPath, flags, mode);
      if (openPath !== path || typeof flags !== 'number') return file;
      let written = 0;
      const dead = (): never => {
        throw Object.assign(new Error('EIO: the process stopped here'), { code: 'EIO' });
      };
      return {
        fd: file.fd,
        read: file.read.bind(file),
        async write(buffer, offset, length, position) {
          const allowed = Math.min(length, bytesAllowed - written);
          if (allowed <= 0) dead();
          written += allowed;
          return await file.write(buffer, offset, allowed, position);
        },
        writev: file.writev.bind(file),
        writeFile: file.writeFile.bind(file),
        sync: file.sync.bind(file),
        stat: file.stat.bind(file),
        utimes: file.utimes.bind(file),
        truncate: dead,
        createReadStream: file.createReadStream.bind(file),
        close: file.close.bind(file),
      };
    },
  };
}

test('an append cut off by a crash is undone at start-up: the old object, byte for byte', async () => {
  const original = withZeroTail(patternBytes(5000, 11), 10240 - 5000);
  await putObject('crash.tar', original);
  const before = await store.headObject(testBucket, 'crash.tar');
  const crashRoot = join(root, 'crash');
  const crashing = await openTestStore(crashRoot, 1, {}, 'target-1');
  await putObject('crash.tar', original, crashing);
  await crashing.close();
  const path = join(crashRoot, 'mp0', '@ais', testBucket.name, '%ob', 'crash.tar');
  const dying = await openTestStore(crashRoot, 1, {}, 'target-1', { disk: dyingDisk(path, 700) });
  const append = prepared(
    await dying.prepareTailAppend({
      bucket: testBucket,
      name: 'crash.tar',
      offsetBytes: 5120,
      checksumType: 'xxhash',
    }),
  );
  await assert.rejects(append.commit(bodyOf(patternBytes(4000, 13)), true));
  await dying.close();
  const wk = join(crashRoot, 'mp0', '@ais', testBucket.name, '%wk');
  assert.ok(
    (await readdir(wk)).some((entry) => entry.startsWith('undo.')),
    'the undo record stays',
  );
  const damaged = await readFile(path);
  assert.notDeepEqual(damaged.subarray(5120, 5820), Buffer.alloc(700), 'the tail was overwritten');

  const restarted = await openTestStore(crashRoot, 1, {}, 'target-1');
  try {
    assert.deepEqual(await read('crash.tar', restarted), original);
    const after = await restarted.headObject(testBucket, 'crash.tar');
    assert.equal(after.checksum.value, before.checksum.value);
    assert.equal(after.version, '1');
  } finally {
    await restarted.close();
  }
});

test('a reader streaming the object while it is appended to is told so; nothing is quarantined', async () => {
  const head = patternBytes(200_000, 17);
  await putObject('big.tar', withZeroTail(head, 1024));
  const reading = await store.getObject(testBucket, 'big.tar');
  const append = prepared(
    await store.prepareTailAppend({
      bucket: testBucket,
      name: 'big.tar',
      offsetBytes: 200_192,
      checksumType: 'xxhash',
    }),
  );
  await append.commit(bodyOf(Buffer.alloc(1536, 5)), true);
  await assert.rejects(
    readAll(reading.body),
    (error: unknown) => isStoreError(error) && error.code === 'Conflict',
  );
  const now = await read('big.tar');
  assert.equal(now.length, 200_192 + 1536);
  assert.deepEqual(now.subarray(0, 200_000), head);
});
