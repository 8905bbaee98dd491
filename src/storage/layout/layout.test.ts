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

/** The checks as written before their one-pass ASCII forms: what those must agree with. */
function referenceValid(name: string): boolean {
  if (name.length === 0 || name.includes('\0') || /\p{Surrogate}/u.test(name)) return false;
  if (Buffer.byteLength(name, 'utf8') > 1024) return false;
  return !name.split('/').includes('..');
}

function referenceNatural(name: string, objectRoot: string): boolean {
  const pathBytes = Buffer.byteLength(objectRoot, 'utf8') + 1 + Buffer.byteLength(name, 'utf8');
  if (pathBytes > 4000) return false;
  const segments = name.split('/');
  if (/^\.x[0-9a-f]{64}$/.test(segments[0] ?? '')) return false;
  return segments.every(
    (segment) => segment !== '' && segment !== '.' && Buffer.byteLength(segment, 'utf8') <= 255,
  );
}

test('names checked in one pass (ASCII) are judged as by the full checks', () => {
  const hashed = hashedEntryName('some name');
  const pieces = [
    'a',
    'b',
    '/',
    '.',
    '..',
    'x',
    '.x',
    'é',
    '\0',
    '\ud800',
    '😀',
    ' ',
    '\x7f',
    '0f',
  ];
  const names = [
    '',
    '.',
    '..',
    '/',
    '//',
    'a/..',
    '../a',
    'a/../b',
    '.../..a',
    '/..',
    '../',
    hashed,
    `${hashed}/a`,
    `a/${hashed}`,
    `${hashed}0`,
    hashed.slice(0, 65),
    hashed.toUpperCase(),
    `${'s'.repeat(255)}/a`,
    `${'s'.repeat(256)}/a`,
    `a/${'s'.repeat(256)}`,
    'n'.repeat(1024),
    'n'.repeat(1025),
    `${'é'.repeat(100)}/${'s'.repeat(200)}`,
  ];
  // Names built at random from the pieces above (a fixed sequence: the same names every run).
  let seed = 12345;
  const next = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed;
  };
  for (let count = 0; count < 5000; count += 1) {
    let name = '';
    const parts = next() % 12;
    for (let part = 0; part < parts; part += 1) name += pieces[next() % pieces.length] ?? '';
    names.push(name);
  }
  const roots = [root, `/${'r'.repeat(3000)}`, `/${'r'.repeat(2970)}`, '/mnt/dïsk/%ob'];
  for (const name of names) {
    let valid = true;
    try {
      validateObjectName(name);
    } catch (error) {
      assert.ok(isStoreError(error) && error.code === 'InvalidObjectName');
      valid = false;
    }
    assert.equal(valid, referenceValid(name), JSON.stringify(name));
    if (!valid) continue;
    for (const objectRoot of roots)
      assert.equal(
        isNaturallyStorable(name, objectRoot),
        referenceNatural(name, objectRoot),
        `${JSON.stringify(name)} under ${objectRoot.length}`,
      );
  }
  // Long names near the path limit under a long root, one of them one byte over.
  const longRoot = `/${'r'.repeat(3000)}`;
  const fits = 4000 - Buffer.byteLength(longRoot) - 1;
  const longName = (bytes: number): string =>
    Array.from({ length: Math.ceil(bytes / 200) }, () => 'p'.repeat(199))
      .join('/')
      .slice(0, bytes);
  assert.equal(isNaturallyStorable(longName(fits), longRoot), true);
  assert.equal(isNaturallyStorable(longName(fits + 1), longRoot), false);
});
