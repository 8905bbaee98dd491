// Unit tests for the content hashers against known values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHasher, hashBuffer } from './hasher.js';
import { HashingStream } from './hashing-stream.js';

test('xxhash of "hello" is AIStore\'s value', () => {
  assert.equal(hashBuffer('xxhash', Buffer.from('hello')), '26c7827d889f6da3');
});

test('incremental hashing equals one-shot hashing for every type', () => {
  const data = Buffer.from('the quick brown fox jumps over the lazy dog'.repeat(100));
  for (const type of ['xxhash', 'crc32c', 'md5', 'sha256', 'sha512', 'none'] as const) {
    const hasher = createHasher(type);
    hasher.update(data.subarray(0, 77));
    hasher.update(data.subarray(77));
    assert.equal(hasher.digest(), hashBuffer(type, data), type);
    // Asked again (a PUT checks the client's checksum, then stores the same type): same value.
    assert.equal(hasher.digest(), hashBuffer(type, data), `${type} asked twice`);
  }
});

test('known digests', () => {
  const data = Buffer.from('123456789');
  assert.equal(hashBuffer('crc32c', data), 'e3069283');
  assert.equal(hashBuffer('md5', data), createHash('md5').update(data).digest('hex'));
  assert.equal(hashBuffer('sha256', data), createHash('sha512-256').update(data).digest('hex'));
  assert.equal(hashBuffer('none', data), '');
});

test('xxhash digests are zero-padded to 16 hex digits', () => {
  for (let i = 0; i < 200; i += 1) {
    assert.equal(hashBuffer('xxhash', Buffer.from(String(i))).length, 16);
  }
});

test('a hashing stream gives the same digest when asked twice (checked, then stored)', async () => {
  const hashing = new HashingStream(['sha256']);
  const data = Buffer.from('copied bytes');
  await pipeline(Readable.from([data]), hashing, new PassThrough().resume());
  assert.equal(hashing.digestOf('sha256'), hashBuffer('sha256', data));
  assert.equal(hashing.digestOf('sha256'), hashBuffer('sha256', data));
});
