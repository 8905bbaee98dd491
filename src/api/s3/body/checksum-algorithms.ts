// S3's additional checksums (`x-amz-checksum-crc32|crc32c|crc64nvme|sha1|sha256`): streaming
// hashers whose values are base64 of the big-endian digest, and the two forms of a multipart
// object's checksum: composite (the checksum of the part checksums, `-<parts>` appended) and full
// object (the CRC of the whole object, combined from the parts' CRCs).
import { createHash, type Hash } from 'node:crypto';
import { Crc64Nvme } from '@aws-sdk/crc64-nvme';
import { crc32, crc32c } from '@node-rs/crc32';
import { StoreError } from '../../../errors/index.js';
import {
  combineCrc,
  crc32Parameters,
  crc32cParameters,
  crc64NvmeParameters,
  type ReflectedCrc,
} from './crc-combine.js';

export const checksumAlgorithms = ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'] as const;
export type ChecksumAlgorithm = (typeof checksumAlgorithms)[number];

/** How a multipart object's checksum is made (`x-amz-checksum-type`). */
export type MultipartChecksumType = 'COMPOSITE' | 'FULL_OBJECT';

/** The CRCs, which alone have a full-object form for multipart uploads. */
const crcParameters: Partial<Record<ChecksumAlgorithm, ReflectedCrc>> = {
  crc32: crc32Parameters,
  crc32c: crc32cParameters,
  crc64nvme: crc64NvmeParameters,
};

export function hasFullObjectForm(algorithm: ChecksumAlgorithm): boolean {
  return crcParameters[algorithm] !== undefined;
}

/** CRC64/NVME has no composite form: S3 makes its multipart checksums full-object. */
export function hasCompositeForm(algorithm: ChecksumAlgorithm): boolean {
  return algorithm !== 'crc64nvme';
}

/** A stored checksum's type: composite values carry their part count (`...-3`). */
export function checksumTypeOfValue(value: string): MultipartChecksumType {
  return value.includes('-') ? 'COMPOSITE' : 'FULL_OBJECT';
}

export function isChecksumAlgorithm(value: string): value is ChecksumAlgorithm {
  return (checksumAlgorithms as readonly string[]).includes(value);
}

const digestBytes: Record<ChecksumAlgorithm, number> = {
  crc32: 4,
  crc32c: 4,
  crc64nvme: 8,
  sha1: 20,
  sha256: 32,
};

/** True when `value` is the canonical base64 of a digest of the algorithm's width. */
export function isChecksumValue(algorithm: ChecksumAlgorithm, value: string): boolean {
  const bytes = Buffer.from(value, 'base64');
  return bytes.length === digestBytes[algorithm] && bytes.toString('base64') === value;
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
  /** Asynchronous because the CRC64/NVME library's digest is. */
  digestBase64(): Promise<string>;
}

class CrcHasher implements ChecksumHasher {
  #state = 0;
  constructor(private readonly step: (data: Uint8Array, initial: number) => number) {}
  update(chunk: Uint8Array): void {
    this.#state = this.step(chunk, this.#state);
  }
  digestBase64(): Promise<string> {
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32BE(this.#state >>> 0, 0);
    return Promise.resolve(bytes.toString('base64'));
  }
}

class Crc64NvmeHasher implements ChecksumHasher {
  readonly #crc = new Crc64Nvme();
  update(chunk: Uint8Array): void {
    this.#crc.update(chunk);
  }
  async digestBase64(): Promise<string> {
    return Buffer.from(await this.#crc.digest()).toString('base64');
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
  digestBase64(): Promise<string> {
    return Promise.resolve(this.#hash.digest('base64'));
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
    case 'crc64nvme':
      return new Crc64NvmeHasher();
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
export async function compositeChecksum(
  algorithm: ChecksumAlgorithm,
  partValues: string[],
): Promise<string> {
  const hasher = createChecksumHasher(algorithm);
  for (const value of partValues) hasher.update(Buffer.from(value, 'base64'));
  return `${await hasher.digestBase64()}-${partValues.length}`;
}

/** The CRC of a multipart object from its parts' CRCs and sizes (S3's full-object checksum). */
export function fullObjectChecksum(
  algorithm: ChecksumAlgorithm,
  parts: ReadonlyArray<{ value: string; sizeBytes: number }>,
): string {
  const crc = crcParameters[algorithm];
  if (crc === undefined) throw new Error(`${algorithm} has no full-object form`);
  const bytes = crc.bits / 8;
  let combined: bigint | undefined;
  for (const part of parts) {
    const value = Buffer.from(part.value, 'base64');
    if (value.length !== bytes) {
      throw new StoreError('InvalidRequest', `a part's ${algorithm} checksum is malformed`);
    }
    const partCrc = BigInt(`0x${value.toString('hex')}`);
    combined =
      combined === undefined ? partCrc : combineCrc(crc, combined, partCrc, part.sizeBytes);
  }
  return Buffer.from((combined ?? 0n).toString(16).padStart(bytes * 2, '0'), 'hex').toString(
    'base64',
  );
}
