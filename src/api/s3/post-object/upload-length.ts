// The size of a form upload's file is known only at its end: this stream counts the bytes on
// their way to the object and fails the write (so that nothing is stored) once they leave the
// policy's `content-length-range` or S3's 5 GB limit of a POST.
import { Transform, type TransformCallback } from 'node:stream';
import { StoreError } from '../../../errors/index.js';
import type { LengthRange } from './post-policy.js';

/** S3's largest POST Object upload. */
export const maxPostObjectBytes = 5 * 1024 ** 3;

export class UploadLength extends Transform {
  #bytes = 0;
  #violation: StoreError | undefined;
  readonly #range: LengthRange;

  constructor(range: LengthRange | undefined) {
    super();
    this.#range = {
      minBytes: range?.minBytes ?? 0,
      maxBytes: Math.min(range?.maxBytes ?? maxPostObjectBytes, maxPostObjectBytes),
    };
  }

  /** The refusal when the file left the allowed range (the write then failed because of it). */
  get violation(): StoreError | undefined {
    return this.#violation;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#bytes += chunk.length;
    if (this.#bytes > this.#range.maxBytes) {
      this.#violation = new StoreError(
        'EntityTooLarge',
        `Your proposed upload exceeds the maximum allowed size (${this.#range.maxBytes} bytes)`,
      );
      callback(this.#violation);
      return;
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.#bytes < this.#range.minBytes) {
      this.#violation = new StoreError(
        'EntityTooSmall',
        `Your proposed upload is smaller than the minimum allowed size (${this.#range.minBytes} bytes)`,
      );
      callback(this.#violation);
      return;
    }
    callback();
  }
}
