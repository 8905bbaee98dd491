// Unit tests for the on-disk layout: name validation, hashed-name decisions and bucket paths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isStoreError } from '../../errors/index.js';
import {
  bucketDirectory,
  hashedEntryName,
  isHashedEntryName,
  isNaturallyStorable,
  quarantinePath,
  replicaPaths,
  validateObjectName,
  workFilePath,
} from './index.js';

const root = '/mnt/disk1/@ais/bucket/%ob';

function rejectsName(name: string): void {
  assert.throws(
    () => validateObjectName(name),
    (error: unknown) => isStoreError(error) && error.code === 'InvalidObjectName',
    JSON.stringify(name),
  );
}

test('invalid object names are rejected', () => {
  for (const name of ['', '..', '../x', 'a/../b', 'a/..', 'a\0b', 'x'.repeat(1025), '\ud800']) {
    rejectsName(name);
  }
  // 1024 bytes of UTF-8 is fine, 1026 (513 two-byte characters) is not.
  validateObjectName('é'.repeat(512));
  rejectsName('é'.repeat(513));
  for (const name of ['a', 'a/b', '...', 'a..b', '.hidden', 'a//b', '/a', 'a/', './a', '😀']) {
    validateObjectName(name);
  }
});

test('odd names are stored hashed, ordinary ones as themselves', () => {
  for (const name of ['a', 'dir/file.txt', '..a', 'a b/c', '.xyz', 'a'.repeat(255)]) {
    assert.ok(isNaturallyStorable(name, root), name);
  }
  const hashedForm = `.x${'a'.repeat(64)}`;
  for (const name of ['a//b', '/a', 'a/', '.', './a', 'a/./b', 'a'.repeat(256), hashedForm]) {
    assert.ok(!isNaturallyStorable(name, root), name);
  }
  assert.ok(isNaturallyStorable(`dir/${hashedForm}`, root), 'only a first segment is ambiguous');
  // The whole path counts: a long mountpath leaves less room for the name.
  const longRoot = `/${'m'.repeat(3000)}`;
  const name = `${'d'.repeat(200)}/`.repeat(5) + 'f';
  assert.ok(isNaturallyStorable(name, root));
  assert.ok(!isNaturallyStorable(name, longRoot));
});

test('hashed entry names are .x + SHA-256 hex and recognisable', () => {
  const entry = hashedEntryName('some/name');
  assert.match(entry, /^\.x[0-9a-f]{64}$/);
  assert.ok(isHashedEntryName(entry));
  assert.ok(!isHashedEntryName('.xyz'));
  assert.equal(hashedEntryName('some/name'), entry);
  assert.notEqual(hashedEntryName('some/name2'), entry);
});

test('replica paths: natural then hashed, or hashed only', () => {
  const bucket = { name: 'b', provider: 'ais' };
  const paths = [...replicaPaths('/mp', bucket, 'x/y')];
  assert.deepEqual(
    paths.map((item) => item.hashed),
    [false, true],
  );
  assert.equal(paths[0]?.path, '/mp/@ais/b/%ob/x/y');
  assert.equal(paths[1]?.path, `/mp/@ais/b/%ob/${hashedEntryName('x/y')}`);
  const only = [...replicaPaths('/mp', bucket, 'a//b')];
  assert.equal(only.length, 1);
  assert.ok(only[0]?.hashed);
});

test('bucket directories follow the namespace forms', () => {
  assert.equal(bucketDirectory('/mp', { name: 'b', provider: 'ais' }), '/mp/@ais/b');
  assert.equal(
    bucketDirectory('/mp', { name: 'b', provider: 'aws', namespace: { uuid: '', name: '' } }),
    '/mp/@aws/b',
  );
  assert.equal(
    bucketDirectory('/mp', { name: 'b', provider: 'ais', namespace: { uuid: '', name: 'ns' } }),
    '/mp/@ais/#ns/b',
  );
  assert.equal(
    bucketDirectory('/mp', { name: 'b', provider: 'ais', namespace: { uuid: 'u1', name: 'ns' } }),
    '/mp/@ais/@u1#ns/b',
  );
  for (const name of ['', '.', '..', 'a/b', '#x', '@x']) {
    assert.throws(
      () => bucketDirectory('/mp', { name, provider: 'ais' }),
      (error: unknown) => isStoreError(error) && error.code === 'InvalidBucketName',
      name,
    );
  }
  assert.throws(() =>
    bucketDirectory('/mp', { name: 'b', provider: 'ais', namespace: { uuid: '', name: '../x' } }),
  );
});

test('work files are flat, unique and carry the pid; quarantine keeps the relative path', () => {
  const bucket = { name: 'b', provider: 'ais' };
  const first = workFilePath('/mp', bucket, 'put');
  assert.match(
    first,
    new RegExp(`^/mp/@ais/b/%wk/put\\.[0-9a-f]{16}\\.${process.pid.toString(16)}$`),
  );
  assert.notEqual(workFilePath('/mp', bucket, 'put'), first);
  assert.equal(
    quarantinePath('/mp', '/mp/@ais/b/%ob/x/y', 1234),
    '/mp/.cairn.quarantine/1234/@ais/b/%ob/x/y',
  );
});
