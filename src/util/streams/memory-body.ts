// A body whose bytes are all in memory already (an object read whole, a file read out of a tar):
// a Readable like any other for consumers that stream it, and one whose bytes a consumer
// that knows it takes at once instead (an archive writer, a part sender), skipping the stream's
// per-chunk machinery. Taking the bytes closes the body, which tells whoever waits for its 'close'.
// Bytes that lie in a pooled buffer (an object read whole by the store) come with the buffer's
// release: see `takeLease` and `copiedMaxBytes` for how it gets back to its pool.
import { Readable } from 'node:stream';

/**
 * Pooled bytes up to this size are copied into a buffer of their own when taken or read, and the
 * pooled buffer is released at once: a 4 KiB object read into a 64 KiB pooled buffer otherwise
 * leaves the whole 64 KiB to the garbage collector (GetBatch's targets spent 12-23% of their busy
 * time collecting), where the copy costs a few microseconds.
 */
export const copiedMaxBytes = 64 * 1024;

/** Bytes and the release of the pooled buffer they lie in (call it once they are not needed). */
export interface BytesLease {
  bytes: Buffer;
  release: () => void;
}

export class MemoryBody extends Readable {
  #bytes: Buffer | undefined;
  #release: (() => void) | undefined;

  /** `release`: returns the pooled buffer `bytes` lies in (undefined: `bytes` is its own). */
  constructor(bytes: Buffer, release?: () => void) {
    super();
    this.#bytes = bytes;
    this.#release = release;
  }

  /** The bytes, once and only if nothing was read as a stream; the body is closed then. */
  takeWhole(): Buffer | undefined {
    const lease = this.takeLease();
    if (lease === undefined) return undefined;
    // The caller cannot say when it is done: a large pooled buffer is left to the collector.
    return lease.bytes;
  }

  /**
   * As `takeWhole`, for a consumer that says when it no longer needs the bytes (e.g. once a
   * socket has copied them): a large pooled buffer then goes back to its pool, not to the collector.
   */
  takeLease(): BytesLease | undefined {
    return this.#take(this.#own());
  }

  /**
   * As `takeLease`, the bytes left where they lie even when small: for a consumer that releases
   * them once one socket write has copied them, so the pooled buffer is back at once anyway and
   * a copy would only make garbage (an `archpath` file of 4 KiB: a fresh 4 KiB buffer a read).
   */
  takeLeaseInPlace(): BytesLease | undefined {
    return this.#take(this.#bytes);
  }

  #take(bytes: Buffer | undefined): BytesLease | undefined {
    if (bytes === undefined || this.destroyed) return undefined;
    const release = this.#release ?? noRelease;
    this.#bytes = undefined;
    this.#release = undefined;
    this.destroy();
    return { bytes, release };
  }

  override _read(): void {
    const bytes = this.#own();
    this.#bytes = undefined;
    this.#release = undefined;
    if (bytes !== undefined && bytes.length > 0) this.push(bytes);
    this.push(null);
  }

  /** Bytes never taken nor read (a body closed unread): nobody refers to the pooled buffer. */
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.#bytes !== undefined) this.#release?.();
    this.#bytes = undefined;
    this.#release = undefined;
    callback(error);
  }

  /** The bytes, small pooled ones moved to a buffer of their own (the pooled one released). */
  #own(): Buffer | undefined {
    const bytes = this.#bytes;
    const release = this.#release;
    if (bytes === undefined || release === undefined || bytes.length > copiedMaxBytes) return bytes;
    const copy = Buffer.from(bytes);
    this.#bytes = copy;
    this.#release = undefined;
    release();
    return copy;
  }
}

function noRelease(): void {}

/** The bytes of `body` when it holds them in memory and nothing was read yet (then it is closed). */
export function takeBytes(body: Readable): Buffer | undefined {
  return body instanceof MemoryBody ? body.takeWhole() : undefined;
}

/**
 * A body over chunks already in memory (a GetBatch item's bytes, e.g. a peer's part as its socket
 * delivered them, for a writer that streams its files: zip): streamed as they are, or taken at once
 * by a consumer that knows it. GetBatch hands such chunks to the TAR writer as they are, no body.
 */
export class MemoryChunks extends Readable {
  #chunks: readonly Buffer[] | undefined;

  constructor(chunks: readonly Buffer[]) {
    super();
    this.#chunks = chunks;
  }

  /** The chunks, once and only if nothing was read as a stream; the body is closed then. */
  takeChunks(): readonly Buffer[] | undefined {
    const chunks = this.#chunks;
    if (chunks === undefined || this.destroyed) return undefined;
    this.#chunks = undefined;
    this.destroy();
    return chunks;
  }

  override _read(): void {
    const chunks = this.#chunks ?? [];
    this.#chunks = undefined;
    for (const chunk of chunks) this.push(chunk);
    this.push(null);
  }
}

/** The bytes of `body` as chunks when it holds them in memory and nothing was read yet (then it is closed). */
export function takeChunks(body: Readable): readonly Buffer[] | undefined {
  if (body instanceof MemoryChunks) return body.takeChunks();
  const bytes = takeBytes(body);
  return bytes === undefined ? undefined : [bytes];
}

/** As `takeBytes`, with the release of their pooled buffer (see `MemoryBody.takeLease`). */
export function takeLease(body: Readable): BytesLease | undefined {
  return body instanceof MemoryBody ? body.takeLease() : undefined;
}

/** As `takeLease`, small bytes not copied (see `MemoryBody.takeLeaseInPlace`). */
export function takeLeaseInPlace(body: Readable): BytesLease | undefined {
  return body instanceof MemoryBody ? body.takeLeaseInPlace() : undefined;
}

/** Pooled bytes handed on as chunks, and the release of their buffer once a socket took them. */
const releasedWhenWritten = new WeakMap<Buffer, () => void>();

/**
 * The lease's bytes, to be handed on as one chunk whose writer calls `writtenRelease(chunk)` for the
 * write's callback (see `writeByTurns`): the pooled buffer then goes back to its pool once the
 * socket has copied it. A chunk that is never written that way (copied, dropped) is left to the
 * collector, as `takeWhole`'s is.
 */
export function releaseWhenWritten(lease: BytesLease): Buffer {
  if (lease.release !== noRelease) releasedWhenWritten.set(lease.bytes, lease.release);
  return lease.bytes;
}

/** The release registered for `chunk` (`releaseWhenWritten`), taken: call it once written. */
export function writtenRelease(chunk: Buffer): (() => void) | undefined {
  const release = releasedWhenWritten.get(chunk);
  if (release !== undefined) releasedWhenWritten.delete(chunk);
  return release;
}
