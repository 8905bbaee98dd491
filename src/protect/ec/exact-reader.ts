// Reads a byte stream in exact-size pieces (one EC unit at a time) without buffering more than the
// chunk the stream last delivered.
import type { Readable } from 'node:stream';
import { destroyQuietly } from '../../util/stream-teardown.js';

export class ExactReader {
  readonly #iterator: AsyncIterator<unknown>;
  #leftover: Buffer | undefined;
  #ended = false;

  constructor(private readonly stream: Readable) {
    this.#iterator = stream[Symbol.asyncIterator]();
  }

  /**
   * Fills `length` bytes of `target` from `offset`; returns how many were read, fewer only when
   * the stream ended. Stream errors (a peer cut off, a failed checksum) are thrown.
   */
  async readInto(target: Buffer, offset: number, length: number): Promise<number> {
    let filled = 0;
    while (filled < length) {
      const chunk = await this.#next();
      if (chunk === undefined) break;
      const take = Math.min(chunk.length, length - filled);
      chunk.copy(target, offset + filled, 0, take);
      filled += take;
      if (take < chunk.length) this.#leftover = chunk.subarray(take);
    }
    return filled;
  }

  /** Stops reading: the stream is destroyed (its source released). */
  close(): void {
    this.#ended = true;
    destroyQuietly(this.stream);
  }

  async #next(): Promise<Buffer | undefined> {
    if (this.#leftover !== undefined) {
      const chunk = this.#leftover;
      this.#leftover = undefined;
      return chunk;
    }
    if (this.#ended) return undefined;
    const result = await this.#iterator.next();
    if (result.done === true) {
      this.#ended = true;
      return undefined;
    }
    const value = result.value;
    return Buffer.isBuffer(value) ? value : Buffer.from(value as Uint8Array);
  }
}
