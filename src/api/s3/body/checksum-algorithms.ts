// S3's additional checksums (`x-amz-checksum-crc32|crc32c|sha1|sha256`): streaming hashers whose
// values are base64 of the big-endian digest, and the composite form of multipart objects.
import { createHash, type Hash } from 'node:crypto';
import { crc32, crc32c } from '@node-rs/crc32';
import { StoreError } from '../../../errors/index.js';

export const checksumAlgorithms = ['crc32', 'crc32c', 'sha1', 'sha256'] as const;
export type ChecksumAlgorithm = (typeof checksumAlgorithms)[number];

export function isChecksumAlgorithm(value: string): value is ChecksumAlgorithm {
  return (checksumAlgorithms as readonly string[]).includes(value);
}

/** Parses an algorithm name as clients spell it (`CRC32`, `crc32c`, `SHA256`...). */
export function parseChecksumAlgorithm(name: string): ChecksumAlgorithm {
  const lower = name.toLowerCase();
  if (isChecksumAlgorithm(lower)) return lower;
  throw new StoreError('NotImplemented', `checksum algorithm "${name}" is not implemented yet`);
}

/** An incremental hasher whose digest is base64, as S3 sends checksums. */
export interface ChecksumHasher {
  update(chunk: Uint8Array): void;
  digestBase64(): string;
}

class CrcHasher implements ChecksumHasher {
  #state = 0;
  constructor(private readonly step: (data: Uint8Array, initial: number) => number) {}
  update(chunk: Uint8Array): void {
    this.#state = this.step(chunk, this.#state);
  }
  digestBase64(): string {
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32BE(this.#state >>> 0, 0);
    return bytes.toString('base64');
  }
}

class CryptoChecksumHasher implements ChecksumHasher {
  readonly #hash: Hash;
  constructor(algorithm: string) {
    this.#hash = createHash(algorithm);
  }
  update(chunk: Uint8Array): void {
    this.#hash.update(chunk);
  }
  digestBase64(): string {
    return this.#hash.digest('base64');
  }
}

export function createChecksumHasher(algorithm: ChecksumAlgorithm): ChecksumHasher {
  switch (algorithm) {
    case 'crc32':
      return new CrcHasher((data, initial) =>
        crc32(Buffer.from(data.buffer, data.byteOffset, data.byteLength), initial),
      );
    case 'crc32c':
      return new CrcHasher((data, initial) =>
        crc32c(Buffer.from(data.buffer, data.byteOffset, data.byteLength), initial),
      );
    case 'sha1':
      return new CryptoChecksumHasher('sha1');
    case 'sha256':
      return new CryptoChecksumHasher('sha256');
  }
}

/**
 * The checksum S3 reports for a multipart object: the algorithm over the concatenated binary part
 * checksums, then `-<part count>`.
 */
export function compositeChecksum(algorithm: ChecksumAlgorithm, partValues: string[]): string {
  const hasher = createChecksumHasher(algorithm);
  for (const value of partValues) hasher.update(Buffer.from(value, 'base64'));
  return `${hasher.digestBase64()}-${partValues.length}`;
}
