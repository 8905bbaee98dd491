// Streaming content hashers for every checksum type; values are lowercase hex as AIStore writes them.
import { createHash, type Hash } from 'node:crypto';
import { Xxh64, xxh64 } from '@node-rs/xxhash';
import { crc32c } from '@node-rs/crc32';
import type { ChecksumTypeName } from '../wire/index.js';

/** Incremental hasher: feed chunks, then read the hex digest. */
export interface Hasher {
  readonly type: ChecksumTypeName;
  update(chunk: Uint8Array): void;
  /** Hex digest; '' for type `none`. The same value when asked again (checked, then stored). */
  digest(): string;
}

const xxhashHex = (value: bigint): string => value.toString(16).padStart(16, '0');

class XxhashHasher implements Hasher {
  readonly type = 'xxhash' as const;
  readonly #state = new Xxh64(0n);
  update(chunk: Uint8Array): void {
    this.#state.update(chunk);
  }
  digest(): string {
    return xxhashHex(this.#state.digest());
  }
}

class Crc32cHasher implements Hasher {
  readonly type = 'crc32c' as const;
  #state = 0;
  update(chunk: Uint8Array): void {
    this.#state = crc32c(chunk, this.#state);
  }
  digest(): string {
    return (this.#state >>> 0).toString(16).padStart(8, '0');
  }
}

class CryptoHasher implements Hasher {
  readonly #hash: Hash;
  /** node's Hash gives its digest once; a second ask reuses it. */
  #digest: string | undefined;
  constructor(
    readonly type: ChecksumTypeName,
    algorithm: string,
  ) {
    this.#hash = createHash(algorithm);
  }
  update(chunk: Uint8Array): void {
    this.#hash.update(chunk);
  }
  digest(): string {
    this.#digest ??= this.#hash.digest('hex');
    return this.#digest;
  }
}

class NoneHasher implements Hasher {
  readonly type = 'none' as const;
  update(): void {}
  digest(): string {
    return '';
  }
}

/**
 * Creates a hasher. `sha256` is SHA-512/256, as in AIStore (`crypto.SHA512_256`), so that a value
 * computed by an AIStore client matches; `sha512` is SHA-512.
 */
export function createHasher(type: ChecksumTypeName): Hasher {
  switch (type) {
    case 'xxhash':
      return new XxhashHasher();
    case 'crc32c':
      return new Crc32cHasher();
    case 'md5':
      return new CryptoHasher(type, 'md5');
    case 'sha256':
      return new CryptoHasher(type, 'sha512-256');
    case 'sha512':
      return new CryptoHasher(type, 'sha512');
    case 'none':
      return new NoneHasher();
  }
}

/**
 * Hashes one buffer in full. xxhash in one call: no native hasher object (and its finalizer, work
 * for the collector) per buffer, as each small object read whole and checked took.
 */
export function hashBuffer(type: ChecksumTypeName, data: Uint8Array): string {
  if (type === 'xxhash') return xxhashHex(xxh64(data, 0n));
  const hasher = createHasher(type);
  hasher.update(data);
  return hasher.digest();
}
