// Unit tests of the encrypted package format: round trips, ranges across package and segment
// boundaries decrypted from only the packages they touch, tampering and truncation caught; the
// stream and the in-place reader agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  PackageDecryptor,
  PackageEncryptor,
  cipherSizeOf,
  decryptPackagesInPlace,
  packagePlainBytes,
  plainSizeOf,
  planRange,
} from './packages.js';
import { newObjectKey, sealKey, unsealKey } from './object-keys.js';

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Encrypts `plain` fed in chunks of `chunkBytes`. */
async function encrypt(key: Buffer, plain: Buffer, chunkBytes = 10_000): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for (let at = 0; at < plain.length; at += chunkBytes)
    pieces.push(plain.subarray(at, at + chunkBytes));
  return collect(Readable.from(pieces).pipe(new PackageEncryptor(key)));
}

/**
 * Decrypts with both readers, the stream (fed in 10,000-byte chunks, which cut packages) and the
 * in-place one (on a copy): they must agree, in bytes or in the error.
 */
async function decrypt(
  key: Buffer,
  stored: Buffer,
  plan: { firstSequence: number; skip: number; take: number },
): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for (let at = 0; at < stored.length; at += 10_000) pieces.push(stored.subarray(at, at + 10_000));
  const streamed = await collect(Readable.from(pieces).pipe(new PackageDecryptor(key, plan))).then(
    (bytes) => ({ bytes }),
    (error: unknown) => ({ error }),
  );
  let whole: { bytes: Buffer } | { error: unknown };
  try {
    whole = { bytes: Buffer.from(decryptPackagesInPlace(key, plan, Buffer.from(stored))) };
  } catch (error) {
    whole = { error };
  }
  if ('error' in streamed) {
    assert.ok('error' in whole, 'the in-place reader accepted what the stream refused');
    assert.equal(
      (whole.error as { code?: string }).code,
      (streamed.error as { code?: string }).code,
    );
    throw streamed.error;
  }
  assert.ok('bytes' in whole, 'the in-place reader refused what the stream accepted');
  assert.deepEqual(whole.bytes, streamed.bytes);
  return streamed.bytes;
}

test('sizes: every package adds 32 bytes; the two sizes map both ways', () => {
  for (const plain of [
    0,
    1,
    packagePlainBytes - 1,
    packagePlainBytes,
    packagePlainBytes + 1,
    5e6,
  ]) {
    assert.equal(plainSizeOf(cipherSizeOf(plain)), plain, String(plain));
  }
  assert.equal(cipherSizeOf(packagePlainBytes * 2), packagePlainBytes * 2 + 64);
});

test('a segment round-trips, and is not its plaintext', async () => {
  const key = newObjectKey();
  for (const size of [1, packagePlainBytes, packagePlainBytes * 3 + 17]) {
    const plain = randomBytes(size);
    const stored = await encrypt(key, plain);
    assert.equal(stored.length, cipherSizeOf(size));
    // A 1-byte plaintext is found by chance in random ciphertext; 16 bytes never are.
    if (size >= 16) assert.equal(stored.indexOf(plain.subarray(0, 16)), -1);
    assert.deepEqual(await decrypt(key, stored, { firstSequence: 0, skip: 0, take: size }), plain);
  }
});

test('ranges across package and segment boundaries read only their packages', async () => {
  const key = newObjectKey();
  // Two segments (two parts of a multipart object), each encrypted on its own.
  const first = randomBytes(packagePlainBytes * 2 + 100);
  const parts = [first, randomBytes(packagePlainBytes + 5)];
  const storedParts = await Promise.all(parts.map((part) => encrypt(key, part)));
  const plain = Buffer.concat(parts);
  const stored = Buffer.concat(storedParts);
  const segments = storedParts.map((part) => part.length);
  const edges = [0, packagePlainBytes - 1, packagePlainBytes, first.length - 1];
  const ranges: Array<[number, number]> = [
    [0, 0],
    [packagePlainBytes - 3, packagePlainBytes + 3],
    [first.length - 10, first.length + 10],
    [packagePlainBytes + 1, plain.length - 1],
    ...edges.map((edge): [number, number] => [edge, edge]),
    [0, plain.length - 1],
  ];
  for (const [start, end] of ranges) {
    const plan = planRange(segments, start, end);
    const read = stored.subarray(plan.cipherStart, plan.cipherEnd + 1);
    assert.ok(read.length <= end - start + 1 + 2 * 65_568 + 64, `${start}-${end} read too much`);
    assert.deepEqual(
      await decrypt(key, read, plan),
      plain.subarray(start, end + 1),
      `${start}-${end}`,
    );
  }
});

test('tampering, reordering, truncation and a wrong key fail as corruption', async () => {
  const key = newObjectKey();
  const plain = randomBytes(packagePlainBytes * 2 + 9);
  const stored = await encrypt(key, plain);
  const whole = { firstSequence: 0, skip: 0, take: plain.length };
  const flipped = Buffer.from(stored);
  flipped[100] = (flipped[100] ?? 0) ^ 1;
  const swapped = Buffer.concat([
    stored.subarray(65_568, 2 * 65_568),
    stored.subarray(0, 65_568),
    stored.subarray(2 * 65_568),
  ]);
  const cases = [
    decrypt(key, flipped, whole),
    decrypt(key, swapped, whole),
    decrypt(key, stored.subarray(0, 2 * 65_568), whole),
    decrypt(newObjectKey(), stored, whole),
  ];
  for (const outcome of cases) await assert.rejects(outcome, { code: 'ObjectCorrupted' });
});

test('a sealed key opens only with the key it was sealed under', () => {
  const kek = randomBytes(32);
  const objectKey = newObjectKey();
  const record = { mode: 'SSE-C' as const, sealedKey: sealKey(kek, objectKey, 'SSE-C') };
  assert.deepEqual(unsealKey(kek, record), objectKey);
  assert.equal(unsealKey(randomBytes(32), record), undefined);
  assert.equal(unsealKey(kek, { ...record, mode: 'SSE-S3' }), undefined);
});

test('the MD5 of the stored bytes is kept only when asked for (SSE-C ETags)', async () => {
  const key = newObjectKey();
  const plain = randomBytes(packagePlainBytes * 2 + 5);
  const hashing = new PackageEncryptor(key, { cipherMd5: true });
  const stored = await collect(
    Readable.from([plain.subarray(0, 70_000), plain.subarray(70_000)]).pipe(hashing),
  );
  assert.equal(hashing.cipherMd5(), createHash('md5').update(stored).digest('hex'));
  const plainOnly = new PackageEncryptor(key);
  await collect(Readable.from([plain]).pipe(plainOnly));
  assert.throws(() => plainOnly.cipherMd5(), { code: 'Internal' });
});
