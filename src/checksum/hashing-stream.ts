// A pass-through stream that hashes what flows through it (end-to-end checksums without a copy).
import { Transform, type TransformCallback } from 'node:stream';
import type { ChecksumTypeName } from '../wire/index.js';
import { createHasher, type Hasher } from './hasher.js';

/** Pass-through that feeds every chunk to one or more hashers and counts bytes. */
export class HashingStream extends Transform {
  readonly hashers: Hasher[];
  bytes = 0;

  constructor(types: ChecksumTypeName[], highWaterMark?: number) {
    super(highWaterMark === undefined ? {} : { highWaterMark });
    this.hashers = types.map(createHasher);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    for (const hasher of this.hashers) hasher.update(chunk);
    this.bytes += chunk.length;
    callback(null, chunk);
  }

  /** Digest of the hasher of `type` (call after the stream ended). */
  digestOf(type: ChecksumTypeName): string | undefined {
    return this.hashers.find((hasher) => hasher.type === type)?.digest();
  }
}
