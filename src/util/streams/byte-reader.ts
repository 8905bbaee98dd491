// Reading a byte stream by counts (a framed stream: headers of known length, then bodies) without
// copying more than a header: chunks are handed on as views of what the stream delivered.

import { invariant } from '../assert.js';

export class ByteReader {
  #iterator: AsyncIterator<Buffer> | undefined;
  #leftover: Buffer = Buffer.alloc(0);
  /** Bytes handed out so far (the stream offset of the next byte). */
  consumed = 0;

  /** `source`: the stream, or a promise of it (read once the first bytes are asked for). */
  constructor(private readonly source: AsyncIterable<Buffer> | Promise<AsyncIterable<Buffer>>) {}

  /** Up to `max` bytes (at least one); undefined at the end of the stream. */
  async some(max: number): Promise<Buffer | undefined> {
    while (this.#leftover.length === 0) {
      this.#iterator ??= (await this.source)[Symbol.asyncIterator]();
      const next = await this.#iterator.next();
      if (next.done === true) return undefined;
      this.#leftover = next.value;
    }
    const chunk = this.#leftover.subarray(0, max);
    this.#leftover = this.#leftover.subarray(chunk.length);
    this.consumed += chunk.length;
    return chunk;
  }

  /** The bytes read from the stream and not handed out yet (a view; `takeBuffered` takes them). */
  get buffered(): Buffer {
    return this.#leftover;
  }

  /** The first `count` of the `buffered` bytes, at once. */
  takeBuffered(count: number): Buffer {
    invariant(count <= this.#leftover.length, 'ByteReader: taking more than is buffered');
    const chunk = this.#leftover.subarray(0, count);
    this.#leftover = this.#leftover.subarray(count);
    this.consumed += count;
    return chunk;
  }

  /** Exactly `count` bytes; undefined when the stream ends first. */
  async exactly(count: number): Promise<Buffer | undefined> {
    const chunks: Buffer[] = [];
    for (let got = 0; got < count;) {
      const chunk = await this.some(count - got);
      if (chunk === undefined) return undefined;
      chunks.push(chunk);
      got += chunk.length;
    }
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, count);
  }

  /** Skips `count` bytes; false when the stream ends first. */
  async skip(count: number): Promise<boolean> {
    for (let left = count; left > 0;) {
      const chunk = await this.some(left);
      if (chunk === undefined) return false;
      left -= chunk.length;
    }
    return true;
  }
}
