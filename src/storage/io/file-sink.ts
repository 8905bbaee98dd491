// A Writable that writes into an open file handle (gathered writes, no close on finish) and refuses
// to write more than a byte limit, so an over-long body is cut short instead of filling the disk.
import { Writable } from 'node:stream';
import { badRequest } from '../../errors/index.js';
import type { DiskFile } from './disk.js';

/** Writes every chunk to `handle` at its current position; the caller owns and closes it. */
export class FileSink extends Writable {
  readonly #handle: DiskFile;
  readonly #limitBytes: number | undefined;
  #bytesWritten = 0;

  /** `limitBytes`: the declared body length; a longer body fails with BadRequest. */
  constructor(handle: DiskFile, limitBytes: number | undefined, highWaterMark?: number) {
    super(highWaterMark === undefined ? {} : { highWaterMark });
    this.#handle = handle;
    this.#limitBytes = limitBytes;
  }

  get bytesWritten(): number {
    return this.#bytesWritten;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: WriteCallback): void {
    this.#writeAll([chunk]).then(() => callback(), callback);
  }

  // Chunks that arrive while a write is in flight are written together in one writev call.
  override _writev(chunks: Array<{ chunk: Buffer }>, callback: WriteCallback): void {
    this.#writeAll(chunks.map((item) => item.chunk)).then(() => callback(), callback);
  }

  async #writeAll(buffers: Buffer[]): Promise<void> {
    const total = buffers.reduce((sum, buffer) => sum + buffer.length, 0);
    if (this.#limitBytes !== undefined && this.#bytesWritten + total > this.#limitBytes) {
      throw badRequest(
        `content length mismatch: body longer than the declared ${this.#limitBytes} bytes`,
      );
    }
    const { bytesWritten } = await this.#handle.writev(buffers);
    // libuv loops over partial writes; a short count can only follow an error it did not report.
    if (bytesWritten < total) {
      const rest = Buffer.concat(buffers).subarray(bytesWritten);
      for (let offset = 0; offset < rest.length;) {
        const result = await this.#handle.write(rest, offset, rest.length - offset);
        if (result.bytesWritten === 0) throw new Error('write made no progress');
        offset += result.bytesWritten;
      }
    }
    this.#bytesWritten += total;
  }
}

type WriteCallback = (error?: Error | null) => void;
