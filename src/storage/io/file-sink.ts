// Streams a request body into a file, feeding each chunk to the hashers on its way. Chunks are
// gathered into writes of at least `minWriteBytes` (the last one excepted), and the chunks that
// arrive while a write is in flight go to the file together in the next one (one `writev`). A new
// file (`writeNewFile`) is created in the same thread-pool job as its first write. A 1 MiB body
// read from a socket in 64 KiB pieces then takes two jobs, create included, instead of sixteen
// writes and an open; a body longer than its declared length is cut short instead of filling the
// disk. `writeNewFileButTail` leaves the body's last bytes unwritten, for the commit's job to write
// (one hand-off less); `gatherBody` writes nothing, keeping a body of up to 512 KiB as its chunks
// for a job that creates, writes and commits the file at once.
import { IncomingMessage } from 'node:http';
import { finished, Writable, type Readable } from 'node:stream';
import { badRequest } from '../../errors/index.js';
import { writtenRelease } from '../../util/streams/memory-body.js';
import type { DiskFile } from './disk.js';

/** Something fed every body byte in order (a checksum's hasher). */
export interface ChunkObserver {
  update(chunk: Uint8Array): void;
}

export interface BodyWrite {
  /** The declared body length: a longer body fails with BadRequest. */
  limitBytes?: number | undefined;
  hashers?: readonly ChunkObserver[];
  /**
   * Resolves once observers off the main thread caught up with the body read so far: awaited with
   * each write, so that their backlog stays within what one write gathers.
   */
  caughtUp?: (() => Promise<void>) | undefined;
}

/**
 * Bytes gathered while a write is in flight before the body is paused: what one `writev` takes at
 * most in the steady state (the socket's reads then wait in the kernel).
 */
const batchBytes = 1024 * 1024;

/**
 * The least a write takes (but the body's last): chunks are held until this many bytes gathered.
 * Each write is a hand-off to the thread pool and back; held bytes are the socket's own buffers
 * (no copy), at most this many per body beyond what a write in flight holds.
 */
export const minWriteBytes = 512 * 1024;

/** Creates the file a body goes to with its first bytes (`Disk.createFile` with content). */
export type CreateFile = (content: readonly Buffer[]) => Promise<DiskFile>;

/**
 * Writes all of `body` to `handle` at its current position; resolves with the byte count once the
 * body ended and every byte is written. A body error (or its end before the last byte), a failed
 * write or a body over the limit rejects and tears the body down, as `pipeline` would (a server
 * request without its socket, so that the error can still be answered). The caller owns and
 * closes the handle. Piped by hand: `pipeline` makes an AbortController per call and aborts it at
 * the end, building a `DOMException` with its stack — 50–70 µs per PUT, more than the rest of
 * the piping (docs/profiling.md).
 */
export function writeBody(
  body: Readable,
  handle: DiskFile,
  options: BodyWrite = {},
): Promise<number> {
  return pipeBody(body, new FileSink(handle, options));
}

/**
 * `writeBody` into a new file, which `create` makes with the body's first write (an empty body:
 * with nothing) once the first `minWriteBytes` arrived or the body ended; nothing is created when
 * the body fails before. The caller owns the file `create` returned (and closes it, whether this
 * succeeds or not): `create` should keep it where the caller can reach it.
 */
export function writeNewFile(
  body: Readable,
  create: CreateFile,
  options: BodyWrite = {},
): Promise<number> {
  return pipeBody(body, new FileSink(create, options));
}

/** What `writeNewFileButTail` received: every byte hashed, all but `tail` written. */
export interface HeldBody {
  /** The body's length. */
  readonly bytes: number;
  /** Its last bytes, in order, not written yet (none when the whole body went with the create). */
  readonly tail: Buffer[];
}

/**
 * `writeNewFile`, but the body's last bytes (what gathered after the last write: less than
 * `minWriteBytes`, or, when the declared length arrived while a write was in flight, what came
 * meanwhile) are held instead of written, for the caller to write with its commit
 * (`Disk.commitFile`'s `tail`). A body that ends before its file was created creates it with
 * everything. The tail is the socket's own buffers: held until the caller is done with them.
 */
export async function writeNewFileButTail(
  body: Readable,
  create: CreateFile,
  options: BodyWrite = {},
): Promise<HeldBody> {
  const sink = new FileSink(create, options, true);
  const bytes = await pipeBody(body, sink);
  return { bytes, tail: sink.takeTail() };
}

/**
 * Gathers all of `body` (at most `limitBytes`) as the chunks it came in, feeding each to the
 * hashers; resolves with them once it ended. Read in flowing mode, as `writeBody` pipes it: an
 * async iterator reads through the body's small buffer, which pauses and resumes the socket along
 * the way (more reads, and more main-thread CPU per MiB). A body error, a premature end or a body
 * over the limit rejects and tears the body down as `writeBody` does.
 */
export function gatherBody(
  body: Readable,
  limitBytes: number,
  hashers: readonly ChunkObserver[] = [],
): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let settled = false;
    const settle = (error: Error | null | undefined): void => {
      if (settled) return;
      settled = true;
      body.off('data', take);
      if (error === null || error === undefined) {
        stopWatching();
        resolve(chunks);
        return;
      }
      tearDown(body, error);
      reject(error);
    };
    const take = (chunk: Buffer): void => {
      if (total + chunk.length > limitBytes) {
        settle(
          badRequest(`content length mismatch: body longer than the declared ${limitBytes} bytes`),
        );
        return;
      }
      for (const hasher of hashers) hasher.update(chunk);
      chunks.push(chunk);
      total += chunk.length;
    };
    const stopWatching = finished(body, { writable: false }, settle);
    body.on('data', take);
    // A body paused before (S3's payload hashing pauses it) stays paused for a 'data' listener:
    // resumed, as `pipe` does.
    body.resume();
  });
}

/**
 * Destroys a body with `error`, as `pipeline` would: a server request without its socket
 * (destroying an unfinished one would reset the connection), so that the error can be answered.
 */
function tearDown(body: Readable, error: Error): void {
  if (body instanceof IncomingMessage && !('req' in body))
    (body as { socket: IncomingMessage['socket'] | null }).socket = null;
  body.destroy(error);
}

function pipeBody(body: Readable, sink: FileSink): Promise<number> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (error: Error | null | undefined): void => {
      if (settled) return;
      settled = true;
      if (error === null || error === undefined) {
        stopWatching();
        resolve(sink.bytesWritten);
        return;
      }
      // The watcher stays: it takes the 'error' the body's destruction emits.
      body.unpipe(sink);
      tearDown(body, error);
      sink.destroy(error);
      // A write (or the create) still in flight settles first: the caller's cleanup then finds the
      // file it made, and closes no descriptor a job still uses.
      sink.idle().then(
        () => reject(error),
        () => reject(error),
      );
    };
    // Only errors and a premature close matter here: the sink's 'finish' says every byte is written.
    const stopWatching = finished(body, { writable: false }, (error) => {
      if (error !== null && error !== undefined) settle(error);
    });
    sink.on('error', settle);
    sink.on('finish', () => settle(undefined));
    body.pipe(sink);
  });
}

/**
 * Hashes each chunk as it comes and writes what gathered (at least `minWriteBytes`, or the rest at
 * the end) in one call; the first write creates the file when given a `CreateFile`.
 */
class FileSink extends Writable {
  #file: DiskFile | CreateFile;
  readonly #limitBytes: number | undefined;
  readonly #hashers: readonly ChunkObserver[];
  readonly #caughtUp: (() => Promise<void>) | undefined;
  /** Chunks hashed but not written yet, and their bytes. */
  #held: Buffer[] = [];
  #heldBytes = 0;
  #inFlight: Promise<void> | undefined;
  /** The last bytes stay held once the file exists (`writeNewFileButTail`). */
  readonly #keepTail: boolean;
  /** Bytes taken (hashed) so far; every one of them written (but a kept tail) once finished. */
  bytesWritten = 0;

  constructor(file: DiskFile | CreateFile, options: BodyWrite, keepTail = false) {
    super({ highWaterMark: batchBytes });
    this.#keepTail = keepTail;
    this.#file = file;
    this.#limitBytes = options.limitBytes;
    this.#hashers = options.hashers ?? [];
    this.#caughtUp = options.caughtUp;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: WriteCallback): void {
    this.#take([chunk], chunk.length, callback);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: WriteCallback): void {
    const buffers = chunks.map((item) => item.chunk);
    const total = buffers.reduce((sum, buffer) => sum + buffer.length, 0);
    this.#take(buffers, total, callback);
  }

  override _final(callback: WriteCallback): void {
    if (typeof this.#file !== 'function' && (this.#heldBytes === 0 || this.#keepTail)) callback();
    else this.#flush().then(() => callback(), callback);
  }

  /** The bytes held at the end (`writeNewFileButTail`), handed over once. */
  takeTail(): Buffer[] {
    const tail = this.#held;
    this.#held = [];
    this.#heldBytes = 0;
    return tail;
  }

  /** Whether `#take` holds what it took: too little for a write, or a tail kept to the end. */
  #holds(): boolean {
    if (this.#heldBytes < minWriteBytes) return true;
    // The declared length arrived whole: the sink's end follows, with nothing more to gather.
    return (
      this.#keepTail && typeof this.#file !== 'function' && this.bytesWritten === this.#limitBytes
    );
  }

  /** Checks and hashes `buffers`, then holds them, or writes them with what was held. */
  #take(buffers: Buffer[], total: number, callback: WriteCallback): void {
    const limit = this.#limitBytes;
    if (limit !== undefined && this.bytesWritten + total > limit) {
      callback(badRequest(`content length mismatch: body longer than the declared ${limit} bytes`));
      return;
    }
    for (const buffer of buffers) for (const hasher of this.#hashers) hasher.update(buffer);
    this.bytesWritten += total;
    this.#held.push(...buffers);
    this.#heldBytes += total;
    if (this.#holds()) callback();
    else this.#flush().then(() => callback(), callback);
  }

  /** Settles once no write is in flight. */
  idle(): Promise<void> {
    return this.#inFlight ?? Promise.resolve();
  }

  /** Writes what is held (creating the file first when it is not yet). */
  #flush(): Promise<void> {
    const flushed = this.#write();
    const tracked = flushed.finally(() => {
      if (this.#inFlight === tracked) this.#inFlight = undefined;
    });
    this.#inFlight = tracked;
    return tracked;
  }

  async #write(): Promise<void> {
    const buffers = this.#held;
    const total = this.#heldBytes;
    this.#held = [];
    this.#heldBytes = 0;
    const file = this.#file;
    if (typeof file === 'function') {
      const [created] = await Promise.all([file(buffers), this.#caughtUp?.()]);
      this.#file = created;
      released(buffers);
      return;
    }
    const [only] = buffers;
    const written =
      buffers.length === 1 && only !== undefined
        ? file.write(only, 0, total)
        : file.writev(buffers);
    const [{ bytesWritten }] = await Promise.all([written, this.#caughtUp?.()]);
    // libuv loops over partial writes, so a short count follows an error only.
    if (bytesWritten < total) await file.writeFile(Buffer.concat(buffers).subarray(bytesWritten));
    released(buffers);
  }
}

type WriteCallback = (error?: Error | null) => void;

/**
 * Chunks written and hashed (the hashers off the main thread caught up): a writer that lent them
 * (`releaseWhenWritten`, a shard's TAR slabs) may fill their bytes again. Not on failure: those are
 * left to the collector.
 */
function released(buffers: readonly Buffer[]): void {
  for (const buffer of buffers) writtenRelease(buffer)?.();
}
