// An open object's bytes on their way out. `sendTo` reads into two pooled buffers, hashes each chunk,
// and writes it to a socket-backed destination; the last chunk is written only after the digest
// matched, so a corrupt object is never delivered whole. `toStream` serves internal consumers.
import { pipeline, type Readable, type Writable } from 'node:stream';
import { createHasher } from '../../checksum/index.js';
import type { BufferPool } from '../../util/buffer-pool.js';
import { copiedMaxBytes, MemoryBody } from '../../util/streams/memory-body.js';
import { writeChunk } from '../../util/write-chunk.js';
import type { ObjectChecksum } from '../meta/index.js';
import type { DiskFile } from './disk.js';
import { checkContent, VerifyingStream, type ChecksumProblem } from './verified-read.js';

/** What a body reads: a verified in-memory copy (small objects), or a file range. */
export type BodySource =
  | {
      kind: 'memory';
      data: Buffer;
      /** Returns the pooled buffer `data` lies in, once the bytes are sent (or discarded). */
      release?: () => void;
      /** `data` is shared (the content cache's): never changed or handed out; `mapMemory` copies it. */
      readOnly?: boolean;
    }
  | {
      kind: 'file';
      handle: DiskFile;
      start: number;
      /** Inclusive. */
      end: number;
      /** Set when the whole object is read: verify against it. */
      verify: { checksum: ObjectChecksum; size: number } | undefined;
      onCorrupt: (problem: ChecksumProblem) => Promise<Error>;
      /** Told of an error reading the file (the body then fails with it). */
      onReadError?: (error: unknown) => void;
    };

export class ObjectBody {
  #consumed = false;

  constructor(
    private readonly source: BodySource,
    private readonly pool: BufferPool,
  ) {}

  /** The bytes are in memory already (read whole and verified), not read from the file as sent. */
  get inMemory(): boolean {
    return this.source.kind === 'memory';
  }

  /** Bytes this body delivers. */
  get length(): number {
    return this.source.kind === 'memory'
      ? this.source.data.length
      : this.source.end - this.source.start + 1;
  }

  /**
   * Writes every byte to `destination` (a socket or HTTP response; it must copy on write). Rejects
   * with ObjectCorrupted before the final chunk when the bytes do not match their checksum.
   */
  async sendTo(destination: Writable): Promise<void> {
    this.#take();
    const source = this.source;
    if (source.kind === 'memory') {
      try {
        if (source.data.length > 0) await writeChunk(destination, source.data);
      } finally {
        // The socket has copied the bytes (or failed): the buffer may be reused.
        source.release?.();
      }
      return;
    }
    try {
      await this.#sendFile(source, destination);
    } finally {
      await source.handle.close();
    }
  }

  /**
   * When the body holds its verified bytes in memory: a body of `change(bytes)` (which may reuse
   * their buffer), and this one consumed; the buffer is released once the new body is sent or
   * discarded, or at once if `change` throws. Undefined for a file body, which stays unconsumed.
   */
  mapMemory(change: (data: Buffer) => Buffer): ObjectBody | undefined {
    const source = this.source;
    if (source.kind !== 'memory') return undefined;
    this.#take();
    let data: Buffer;
    try {
      data = change(source.readOnly === true ? Buffer.from(source.data) : source.data);
    } catch (error) {
      source.release?.();
      throw error;
    }
    return new ObjectBody({ ...source, data, readOnly: false }, this.pool);
  }

  /**
   * The bytes, when the body holds them in memory and they are at most `copiedMaxBytes`, for a
   * consumer that never changes them and only copies or writes them onward (a GetBatch's part, its
   * TAR entry): the content cache's as they are (a fresh 4 KiB ArrayBuffer and its copy per item
   * were 4-7% of a GetBatch peer's samples, docs/profiling.md), a pooled buffer's copied out and
   * the buffer released at once; the body consumed. Undefined otherwise (the body untouched).
   * What `toStream` would make a MemoryBody of, for a consumer that needs no stream.
   */
  takeSmall(): Buffer | undefined {
    const source = this.source;
    if (source.kind !== 'memory' || source.data.length > copiedMaxBytes) return undefined;
    this.#take();
    if (source.readOnly === true || source.release === undefined) return source.data;
    const copy = Buffer.from(source.data);
    source.release();
    return copy;
  }

  /**
   * A Readable of the bytes (fails at its end on corruption), for consumers that are not sockets.
   * In-memory bytes come with their pooled buffer's release (a small copy releases it at once, a
   * consumer that takes the lease releases it when done: MemoryBody); otherwise nobody says when
   * the consumer is done with a large pooled buffer, and it is left to the collector.
   */
  toStream(): Readable {
    this.#take();
    const source = this.source;
    if (source.kind === 'memory') return new MemoryBody(source.data, source.release);
    const highWaterMark = this.pool.bufferBytes;
    const file = source.handle.createReadStream({
      start: source.start,
      end: source.end,
      highWaterMark,
    });
    const { onReadError } = source;
    if (onReadError !== undefined) file.once('error', onReadError);
    if (source.verify === undefined) return file;
    const verifier = new VerifyingStream(
      source.verify.checksum,
      source.verify.size,
      source.onCorrupt,
      highWaterMark,
    );
    return pipeline(file, verifier, () => undefined);
  }

  /**
   * The bytes for an HTTP client's request body that asks for the next chunk only once the last
   * one is flushed to its socket (undici waits for `drain` after a write that returned false, and a
   * write of more than the socket's 16 KiB high-water mark always does). An in-memory body's
   * pooled buffer then goes back to the pool when the consumer asks for more, instead of becoming
   * 1 MiB of garbage per read as with `toStream`; a chunk no larger than `flushedAboveBytes` (a
   * write that may have returned true while still queued) is left to the garbage collector.
   */
  async *chunks(flushedAboveBytes: number): AsyncGenerator<Buffer> {
    const source = this.source;
    if (source.kind !== 'memory') {
      yield* this.toStream();
      return;
    }
    this.#take();
    if (source.data.length > 0) yield source.data;
    if (source.data.length > flushedAboveBytes) source.release?.();
  }

  /** Releases the file without reading it. */
  async discard(): Promise<void> {
    if (this.#consumed) return;
    this.#consumed = true;
    if (this.source.kind === 'file') await this.source.handle.close();
    else this.source.release?.();
  }

  async #sendFile(
    source: Extract<BodySource, { kind: 'file' }>,
    destination: Writable,
  ): Promise<void> {
    const hasher =
      source.verify === undefined ? undefined : createHasher(source.verify.checksum.type);
    let position = source.start;
    let pending: Promise<void> | undefined;
    while (position <= source.end) {
      const buffer = this.pool.acquire();
      let bytesRead: number;
      try {
        ({ bytesRead } = await source.handle.read(
          buffer,
          0,
          Math.min(buffer.length, source.end - position + 1),
          position,
        ));
      } catch (error) {
        this.pool.release(buffer);
        source.onReadError?.(error);
        throw error;
      }
      const chunk = buffer.subarray(0, bytesRead);
      position += bytesRead;
      hasher?.update(chunk);
      const finished = bytesRead === 0 || position > source.end;
      if (finished && source.verify !== undefined && hasher !== undefined) {
        const read = position - source.start;
        const problem = checkContent(source.verify.checksum, source.verify.size, hasher, read);
        if (problem !== undefined) {
          this.pool.release(buffer);
          await pending?.catch(() => undefined);
          throw await source.onCorrupt(problem);
        }
      }
      if (bytesRead === 0) {
        this.pool.release(buffer);
        throw new Error(`file ended at byte ${position} of ${source.end + 1}`);
      }
      try {
        await pending;
      } catch (error) {
        this.pool.release(buffer);
        throw error;
      }
      // At most one write in flight while the next chunk is read: two buffers per transfer. The
      // write may fail (the client hung up) while the next read is awaited: the rejection is
      // observed at once and rethrown by the next `await pending`, never left unhandled.
      pending = writeChunk(destination, chunk).finally(() => this.pool.release(buffer));
      pending.catch(() => undefined);
    }
    await pending;
  }

  #take(): void {
    if (this.#consumed) throw new Error('object body already consumed');
    this.#consumed = true;
  }
}
