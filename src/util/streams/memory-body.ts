// A body whose bytes are all in memory already (a small object read whole, a small part of a peer's
// stream): a Readable like any other for consumers that stream it, and one whose bytes a consumer
// that knows it takes at once instead (an archive writer, a part sender), skipping the stream's
// per-chunk machinery. Taking the bytes closes the body, which tells whoever waits for its 'close'.
import { Readable } from 'node:stream';

export class MemoryBody extends Readable {
  #bytes: Buffer | undefined;

  constructor(bytes: Buffer) {
    super();
    this.#bytes = bytes;
  }

  /** The bytes, once and only if nothing was read as a stream; the body is closed then. */
  takeWhole(): Buffer | undefined {
    const bytes = this.#bytes;
    if (bytes === undefined || this.destroyed) return undefined;
    this.#bytes = undefined;
    this.destroy();
    return bytes;
  }

  override _read(): void {
    const bytes = this.#bytes;
    this.#bytes = undefined;
    if (bytes !== undefined && bytes.length > 0) this.push(bytes);
    this.push(null);
  }
}

/** The bytes of `body` when it holds them in memory and nothing was read yet (then it is closed). */
export function takeBytes(body: Readable): Buffer | undefined {
  return body instanceof MemoryBody ? body.takeWhole() : undefined;
}
