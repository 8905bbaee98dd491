// S3 multipart checksums: CRC combination against the CRC of the whole, composite forms, the
// checksum a CreateMultipartUpload may ask for, and the completion's own value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createChecksumHasher, type ChecksumAlgorithm } from './checksum-algorithms.js';
import { combinePartChecksums, parseUploadChecksum } from './multipart-checksums.js';

async function checksumOf(algorithm: ChecksumAlgorithm, data: Buffer): Promise<string> {
  const hasher = createChecksumHasher(algorithm);
  hasher.update(data);
  return hasher.digestBase64();
}

test('CRC64/NVME of the standard check input', async () => {
  const value = await checksumOf('crc64nvme', Buffer.from('123456789'));
  assert.equal(Buffer.from(value, 'base64').toString('hex'), 'ae8b14860a799888');
});

test('a full-object CRC combined from the parts equals the CRC of the whole', async () => {
  // Part sizes that cross byte, word and power-of-two boundaries, an empty part among them.
  const sizes = [5 * 1024 * 1024 + 3, 1, 0, 4096, 777_777];
  const parts = sizes.map((size) => randomBytes(size));
  const whole = Buffer.concat(parts);
  for (const algorithm of ['crc32', 'crc32c', 'crc64nvme'] as const) {
    const chunks = await Promise.all(
      parts.map(async (data, index) => ({
        number: index + 1,
        sizeBytes: data.length,
        extraChecksums: { [algorithm]: await checksumOf(algorithm, data) },
      })),
    );
    const expected = await checksumOf(algorithm, whole);
    const combined = await combinePartChecksums(chunks, { algorithm, type: 'FULL_OBJECT' });
    assert.equal(combined[algorithm], expected, algorithm);
    // The completion's own value is verified: the right one passes, another is a BadDigest.
    await combinePartChecksums(
      chunks,
      { algorithm, type: 'FULL_OBJECT' },
      { [algorithm]: expected },
    );
    const wrong = await checksumOf(algorithm, Buffer.from('other'));
    await assert.rejects(
      combinePartChecksums(chunks, { algorithm, type: 'FULL_OBJECT' }, { [algorithm]: wrong }),
      { code: 'ChecksumMismatch' },
    );
  }
});

test('composite checksums, and a declared checksum a part lacks', async () => {
  const parts = [Buffer.from('first part'), Buffer.from('second')];
  const values = await Promise.all(parts.map((data) => checksumOf('sha256', data)));
  const chunks = values.map((value, index) => ({
    number: index + 1,
    sizeBytes: parts[index]?.length ?? 0,
    extraChecksums: { sha256: value },
  }));
  const composite = await checksumOf(
    'sha256',
    Buffer.concat(values.map((value) => Buffer.from(value, 'base64'))),
  );
  assert.deepEqual(await combinePartChecksums(chunks, undefined), { sha256: `${composite}-2` });
  assert.deepEqual(await combinePartChecksums(chunks, { algorithm: 'sha256', type: 'COMPOSITE' }), {
    sha256: `${composite}-2`,
  });
  await assert.rejects(combinePartChecksums(chunks, { algorithm: 'crc32', type: 'COMPOSITE' }), {
    code: 'InvalidRequest',
    message: /created using a CRC32 checksum.*missing for part 1/,
  });
});

test('the checksum a CreateMultipartUpload asks for, and the pairs S3 refuses', () => {
  assert.equal(parseUploadChecksum(undefined, undefined), undefined);
  assert.deepEqual(parseUploadChecksum('CRC32', undefined), {
    algorithm: 'crc32',
    type: 'COMPOSITE',
  });
  assert.deepEqual(parseUploadChecksum('CRC64NVME', undefined), {
    algorithm: 'crc64nvme',
    type: 'FULL_OBJECT',
  });
  assert.deepEqual(parseUploadChecksum('crc32c', 'FULL_OBJECT'), {
    algorithm: 'crc32c',
    type: 'FULL_OBJECT',
  });
  for (const [algorithm, type] of [
    ['SHA256', 'FULL_OBJECT'],
    ['CRC64NVME', 'COMPOSITE'],
    [undefined, 'FULL_OBJECT'],
    ['CRC32', 'PARTIAL'],
  ] as const) {
    assert.throws(() => parseUploadChecksum(algorithm, type), { code: 'InvalidRequest' });
  }
});
