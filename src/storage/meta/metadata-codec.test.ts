// Unit tests for the metadata codec: round trips, corruption and version checks, size limit, and
// the size-only read of listings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encode } from '@msgpack/msgpack';
import { xxh64 } from '@node-rs/xxhash';
import { isStoreError } from '../../errors/index.js';
import {
  decodeObjectMetadata,
  decodeObjectSize,
  encodeObjectMetadata,
  maxEncodedMetadataBytes,
  type ObjectMetadata,
} from './index.js';

const full: ObjectMetadata = {
  size: 2 ** 40 + 3,
  checksum: { type: 'xxhash', value: '26c7827d889f6da3' },
  version: '17',
  customMetadata: { ETag: '"abc"', 'content-type': 'image/jpeg', empty: '' },
  copies: ['/mnt/disk2/@ais/b/%ob/x'],
  name: 'a//b',
  flags: 5,
};

const minimal: ObjectMetadata = {
  size: 0,
  checksum: { type: 'none', value: '' },
  customMetadata: {},
  copies: [],
  flags: 0,
};

function isCorrupted(error: unknown): boolean {
  return isStoreError(error) && error.code === 'ObjectCorrupted';
}

test('records round-trip exactly', () => {
  for (const record of [full, minimal]) {
    const decoded = decodeObjectMetadata(encodeObjectMetadata(record), 'x');
    assert.deepEqual(decoded, record);
  }
  assert.ok(!('version' in decodeObjectMetadata(encodeObjectMetadata(minimal), 'x')));
});

test('layout: version byte, big-endian XXH64 of the payload, then the payload', () => {
  const encoded = encodeObjectMetadata(minimal);
  assert.equal(encoded[0], 1);
  assert.ok(encoded.length > 9);
});

test('any flipped byte is detected', () => {
  const encoded = encodeObjectMetadata(full);
  for (let index = 0; index < encoded.length; index += 1) {
    const damaged = Buffer.from(encoded);
    damaged[index] = (damaged[index] ?? 0) ^ 0x10;
    assert.throws(() => decodeObjectMetadata(damaged, 'x'), isCorrupted, `byte ${index}`);
  }
});

test('unknown versions, truncation and malformed payloads are refused', () => {
  const encoded = encodeObjectMetadata(full);
  const newer = Buffer.from(encoded);
  newer[0] = 3;
  assert.throws(() => decodeObjectMetadata(newer, 'x'), /unknown format version 3/);
  assert.throws(() => decodeObjectMetadata(encoded.subarray(0, 5), 'x'), isCorrupted);
  assert.throws(() => decodeObjectMetadata(Buffer.alloc(0), 'x'), isCorrupted);
});

test('records larger than the limit are a BadRequest', () => {
  const large: ObjectMetadata = { ...minimal, customMetadata: { key: 'v'.repeat(4000) } };
  assert.throws(
    () => encodeObjectMetadata(large),
    (error: unknown) =>
      isStoreError(error) && error.code === 'BadRequest' && /too large/.test(error.message),
  );
  const fits: ObjectMetadata = { ...minimal, customMetadata: { key: 'v'.repeat(3900) } };
  assert.ok(encodeObjectMetadata(fits).length <= maxEncodedMetadataBytes);
});

test('custom metadata keys that are special in JavaScript round-trip as plain keys', () => {
  const customMetadata = JSON.parse('{"__proto__":"x","constructor":"y","a":"b"}') as Record<
    string,
    string
  >;
  const decoded = decodeObjectMetadata(encodeObjectMetadata({ ...minimal, customMetadata }), 'x');
  assert.deepEqual(Object.entries(decoded.customMetadata), [
    ['__proto__', 'x'],
    ['constructor', 'y'],
    ['a', 'b'],
  ]);
  assert.equal(Object.getPrototypeOf(decoded.customMetadata), Object.prototype);
});

test('S3 attributes round-trip; only chunked records are version 2', () => {
  const s3: ObjectMetadata = {
    ...minimal,
    etag: 'd41d8cd98f00b204e9800998ecf8427e',
    contentHeaders: { 'content-type': 'text/plain' },
    tags: { color: 'red' },
    extraChecksums: { crc32: 'AAAAAA==' },
  };
  const plain = encodeObjectMetadata(s3);
  assert.equal(plain[0], 1);
  assert.deepEqual(decodeObjectMetadata(plain, 'x'), s3);
  const chunked = encodeObjectMetadata({ ...s3, chunks: 'upload1' });
  assert.equal(chunked[0], 2);
  assert.equal(decodeObjectMetadata(chunked, 'x').chunks, 'upload1');
});

test('version keys round-trip: ID, stamp and delete marker', () => {
  const marker: ObjectMetadata = {
    ...minimal,
    versionId: 'a'.repeat(32),
    versionStamp: 1_700_000_000_000_000,
    deleteMarker: true,
  };
  const encoded = encodeObjectMetadata(marker);
  assert.equal(encoded[0], 1);
  assert.deepEqual(decodeObjectMetadata(encoded, 'x'), marker);
});

/** A record of `payload` (a msgpack map of our own making) with a valid header. */
function recordOf(payload: Uint8Array): Buffer {
  const record = Buffer.alloc(9 + payload.length);
  record[0] = 1;
  record.writeBigUInt64BE(xxh64(payload, 0n), 1);
  record.set(payload, 9);
  return record;
}

test('the size alone is read as the full decoder reads it', () => {
  const sizes = [0, 1, 127, 128, 255, 256, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1];
  const shapes: ObjectMetadata[] = [
    full,
    minimal,
    { ...full, chunks: 'upload-7', etag: 'e', tags: { a: 'b' }, versionId: 'v', versionStamp: 9 },
    { ...minimal, customMetadata: { key: 'v'.repeat(3000) }, copies: ['/a', '/b', '/c'] },
  ];
  for (const shape of shapes) {
    for (const size of sizes) {
      const record = encodeObjectMetadata({ ...shape, size });
      assert.equal(decodeObjectSize(record, 'x'), decodeObjectMetadata(record, 'x').size);
      assert.equal(decodeObjectSize(record, 'x'), size);
    }
  }
});

test('the size is found wherever it sits in the map, and refused when malformed', () => {
  const base = { ct: 'none', cv: '', m: ['k', 'v'.repeat(40)], c: [], f: 0 };
  // Keys before `s` of every kind the format writes: strings, arrays, integers.
  const late = recordOf(encode({ ...base, n: 'x'.repeat(300), t: 2 ** 40, s: 4242 }));
  assert.equal(decodeObjectSize(late, 'x'), 4242);
  const missing = recordOf(encode(base));
  assert.throws(() => decodeObjectSize(missing, 'x'), isCorrupted);
  for (const bad of [-1, 1.5, 'ten', 2 ** 53]) {
    assert.throws(() => decodeObjectSize(recordOf(encode({ s: bad, ...base })), 'x'), isCorrupted);
  }
});

test('the size-only read checks the version and the checksum like the full one', () => {
  const encoded = encodeObjectMetadata(full);
  for (let index = 0; index < encoded.length; index += 1) {
    const damaged = Buffer.from(encoded);
    damaged[index] = (damaged[index] ?? 0) ^ 0x10;
    assert.throws(() => decodeObjectSize(damaged, 'x'), isCorrupted, `byte ${index}`);
  }
  assert.throws(() => decodeObjectSize(encoded.subarray(0, 5), 'x'), isCorrupted);
  assert.throws(() => decodeObjectSize(recordOf(encode([1, 2])), 'x'), isCorrupted);
});

test('S3 object lock fields round-trip; records without them read as unlocked; bad ones are refused', () => {
  const locked: ObjectMetadata = {
    ...minimal,
    versionId: 'v'.repeat(32),
    retention: { mode: 'COMPLIANCE', untilMs: 1_900_000_000_123 },
    legalHold: true,
  };
  assert.deepEqual(decodeObjectMetadata(encodeObjectMetadata(locked), 'x'), locked);
  const unlocked = decodeObjectMetadata(encodeObjectMetadata(minimal), 'x');
  assert.equal(unlocked.retention, undefined);
  assert.equal(unlocked.legalHold, undefined);
  const forged = (fields: Record<string, unknown>): Buffer => {
    const payload = Buffer.from(
      encode({ s: 0, ct: 'none', cv: '', m: [], c: [], f: 0, ...fields }),
    );
    const header = Buffer.alloc(9);
    header.writeUInt8(1, 0);
    header.writeBigUInt64BE(xxh64(payload, 0n), 1);
    return Buffer.concat([header, payload]);
  };
  assert.throws(() => decodeObjectMetadata(forged({ rm: 'FOREVER', ru: 5 }), 'x'), isCorrupted);
  assert.throws(() => decodeObjectMetadata(forged({ rm: 'GOVERNANCE' }), 'x'), isCorrupted);
  assert.throws(() => decodeObjectMetadata(forged({ l: 'yes' }), 'x'), isCorrupted);
});
