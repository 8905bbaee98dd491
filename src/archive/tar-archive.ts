// TAR, plain or compressed (`.tar`, `.tgz`/`.tar.gz` with zlib's gzip, `.tar.lz4` with the LZ4
// frame codec), read and written as streams with tar-stream: reading passes once over the
// archive from its start; writing packs each file as its bytes arrive.
import { pipeline, Readable, type Transform, type Writable } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import tarStream, { type ExtractEvents } from 'tar-stream';
import type { ArchiveCodec } from './archive-format.js';
import type { ArchiveBody, ArchiveEntry, ArchiveSource } from './archive-source.js';
import {
  MemoryBody,
  releaseWhenWritten,
  takeChunks,
  takeLease,
} from '../util/streams/memory-body.js';
import { lz4Decoder, lz4Encoder } from './lz4-frames.js';
import type { TarIndexFeed, TarObserver } from './shard-index.js';

type TarCodec = Exclude<ArchiveCodec, 'zip'>;

function decompressor(codec: TarCodec): Transform | undefined {
  if (codec === 'gzip') return createGunzip();
  if (codec === 'lz4') return lz4Decoder();
  return undefined;
}

function compressor(codec: TarCodec): Transform | undefined {
  if (codec === 'gzip') return createGzip();
  if (codec === 'lz4') return lz4Encoder();
  return undefined;
}

/**
 * Files up to this size that the reader opens are read whole and handed on as a MemoryBody: for
 * small files the stream and the async iteration per file cost more than the bytes.
 */
const wholeEntryBytes = 1 << 20;

/**
 * The regular files of a tar archive, in archive order. The consumer reads an entry's body to its
 * end or not at all; an unread body is skipped when the next entry is asked for. The small files
 * `inMemory` accepts come with their bytes in memory already.
 */
export async function* readTarEntries(
  source: ArchiveSource,
  codec: TarCodec,
  inMemory: (name: string) => boolean,
): AsyncGenerator<ArchiveEntry> {
  if (source.size === 0) return;
  const raw = await source.read(0, source.size - 1);
  const extract = tarStream.extract();
  const inflate = decompressor(codec);
  const done = (error: Error | null): void => {
    if (error) extract.destroy(error);
  };
  if (inflate === undefined) pipeline(raw, extract, done);
  else pipeline(raw, inflate, extract, done);
  try {
    for await (const entry of extract) {
      const { header } = entry;
      if (header.type !== 'file' && header.type !== 'contiguous-file') {
        entry.resume();
        continue;
      }
      const size = header.size ?? 0;
      if (size <= wholeEntryBytes && inMemory(header.name)) {
        const body = new MemoryBody(await readWhole(entry, size));
        yield { name: header.name, size, body };
        continue;
      }
      const body = Readable.from(entry, { objectMode: false });
      yield { name: header.name, size, body };
      if (!body.readableDidRead) entry.resume();
    }
  } finally {
    raw.destroy();
  }
}

/** A file of an archive being read (tar-stream's Source, a streamx Readable). */
type TarEntry = ExtractEvents['entry'][1];

/** A tar entry's bytes (a streamx stream's events: no async iterator's promise per chunk). */
function readWhole(entry: TarEntry, size: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    entry.on('data', (chunk) => {
      chunks.push(chunk as Buffer);
      length += (chunk as Buffer).length;
    });
    entry.on('end', () => {
      if (length === size) resolve(Buffer.concat(chunks, length));
      else reject(new Error(`${entry.header.name}: ${length} bytes, ${size} in its header`));
    });
    entry.on('error', reject);
  });
}

/**
 * Chunks below this size (a file's header and padding, a small file's bytes) are gathered into one
 * before they are handed on; larger ones (the chunks of a large file, as a peer's socket delivered
 * them: just under 64 KiB) go on as they are, after what was gathered, not copied.
 */
const gatheredChunkMaxBytes = 16 * 1024;

/** What is gathered is handed on once it reaches this size. */
const gatheredMaxBytes = 64 * 1024;

/**
 * The archive's bytes held for its reader before the pack is paused: a peer's whole part of up to
 * 1 MiB (GetBatch), so that a reader writing by turns (`writeByTurns`) sends its chunks in one
 * system call, where at 16 KiB each drain of the reader's socket let one 64 KiB chunk through.
 */
const outputHighWaterMark = 1024 * 1024;

/**
 * tar-stream's pack (a streamx stream) as a Node Readable, with its back-pressure kept (no async
 * iterator's promise per chunk, as `Readable.from` would take). The pack makes three chunks per
 * file (header, bytes, padding); the small ones of a turn are handed on as one buffer, where each
 * was a response write of its own (its chunked framing, its buffers in the socket's writev).
 */
function asNodeReadable(
  pack: tarStream.Pack,
  observer: TarObserver | undefined,
): {
  output: Readable;
  full: () => boolean;
  room: () => Promise<void>;
} {
  let gathered: Buffer[] = [];
  let gatheredBytes = 0;
  let flushScheduled = false;
  let paused = false;
  let waiters: (() => void)[] = [];
  const wake = (): void => {
    if (paused && !output.destroyed) return;
    const woken = waiters;
    waiters = [];
    for (const waiter of woken) waiter();
  };
  const output = new Readable({
    highWaterMark: outputHighWaterMark,
    read: () => {
      paused = false;
      pack.resume();
      wake();
    },
    destroy: (error, callback) => {
      gathered = [];
      pack.destroy(error ?? undefined);
      callback(error);
      wake();
    },
  });
  const hand = (chunk: Buffer): void => {
    observer?.chunk(chunk);
    if (output.push(chunk)) return;
    paused = true;
    pack.pause();
  };
  const flush = (): void => {
    if (gatheredBytes === 0 || output.destroyed) return;
    const chunk = gathered.length === 1 ? (gathered[0] as Buffer) : Buffer.concat(gathered);
    gathered = [];
    gatheredBytes = 0;
    hand(chunk);
  };
  pack.on('data', (data: unknown) => {
    const chunk = data as Buffer;
    if (chunk.length >= gatheredChunkMaxBytes) {
      flush();
      hand(chunk);
      return;
    }
    gathered.push(chunk);
    gatheredBytes += chunk.length;
    if (gatheredBytes >= gatheredMaxBytes) flush();
    else if (!flushScheduled) {
      // After the I/O of this turn: the files added in it (whose reads completed together) go as one.
      flushScheduled = true;
      setImmediate(() => {
        flushScheduled = false;
        flush();
      });
    }
    wake();
  });
  pack.on('end', () => {
    flush();
    observer?.end();
    output.push(null);
  });
  pack.on('error', (error: Error) => output.destroy(error));
  // Resolves once the pack has handed on a chunk while the output takes more, or the output asks.
  const room = (): Promise<void> => new Promise((resolve) => waiters.push(resolve));
  return { output, full: () => paused, room };
}

const blockBytes = 512;

/** `value` in octal, zero-padded to `digits`, then a space (tar-stream's `encodeOct`). */
function octal(value: number, digits: number): string {
  return `${value.toString(8).padStart(digits, '0')} `;
}

/**
 * Ustar headers of regular files (mode 0644, owner 0, one modification time) byte for byte as
 * tar-stream's pack encodes them, for names it writes without a PAX record (ASCII, at most 100
 * bytes) and sizes in 11 octal digits: the fixed fields are laid out once, each file adds its name,
 * size and checksum (src/archive/tar-archive.test.ts compares with tar-stream). The bytes are
 * stored one by one, with no string made or written per file (three `Buffer.write` calls into
 * the binding and two octal strings a file were ~1 us of the shard target's ~20 us per object);
 * the size field is kept from the file before when the size is the same (most are: a shard of
 * samples).
 */
class FileHeaders {
  readonly #template = Buffer.alloc(blockBytes);
  /** The template's checksum (the checksum field counted as spaces). */
  readonly #sum: number;
  /** The size field (11 octal digits and a space) of `#size`, and the sum of its bytes. */
  readonly #sizeField = Buffer.alloc(12);
  #size = -1;
  #sizeSum = 0;

  constructor(readonly modifiedMs: number) {
    const template = this.#template;
    template.write(octal(0o644, 6), 100, 'latin1');
    template.write(octal(0, 6), 108, 'latin1');
    template.write(octal(0, 6), 116, 'latin1');
    template.write(octal((Math.trunc(modifiedMs) / 1000) | 0, 11), 136, 'latin1');
    template[156] = 0x30; // typeflag '0': a regular file
    template.write('ustar\x0000', 257, 'latin1');
    template.write(octal(0, 6), 329, 'latin1');
    template.write(octal(0, 6), 337, 'latin1');
    let sum = 8 * 0x20;
    for (let at = 0; at < blockBytes; at += 1) if (at < 148 || at >= 156) sum += template[at] ?? 0;
    this.#sum = sum;
  }

  /**
   * Writes the header of `name` (`size` bytes) at `at` of `target` (512 bytes of room); false when
   * it needs a PAX record (nothing written then).
   */
  encodeInto(target: Buffer, at: number, name: string, size: number): boolean {
    const length = name.length;
    if (length === 0 || length > 100 || size >= 8 ** 11) return false;
    let sum = this.#sum;
    for (let index = 0; index < length; index += 1) {
      const code = name.charCodeAt(index);
      if (code >= 0x80) return false;
      sum += code;
    }
    if (size !== this.#size) this.#setSize(size);
    sum += this.#sizeSum;
    target.set(this.#template, at);
    for (let index = 0; index < length; index += 1) target[at + index] = name.charCodeAt(index);
    target.set(this.#sizeField, at + 124);
    // The checksum: six octal digits and a space (tar-stream's `encodeOct(sum, 6)`; the field's
    // eighth byte stays the template's 0). The sum of 512 bytes is below 8 ** 6.
    for (let digit = 5; digit >= 0; digit -= 1) {
      target[at + 148 + digit] = 0x30 + (sum & 7);
      sum >>>= 3;
    }
    target[at + 154] = 0x20;
    return true;
  }

  /** `size` (below 8 ** 11) as 11 zero-padded octal digits and a space. */
  #setSize(size: number): void {
    const field = this.#sizeField;
    let rest = size;
    let sum = 0x20;
    for (let digit = 10; digit >= 0; digit -= 1) {
      const code = 0x30 + (rest % 8);
      field[digit] = code;
      sum += code;
      rest = Math.floor(rest / 8);
    }
    field[11] = 0x20;
    this.#size = size;
    this.#sizeSum = sum;
  }
}

/** A slab's buffer and how many of its views handed on are not written yet. */
interface Slab {
  readonly buffer: Buffer;
  unwritten: number;
  /** No longer the slab being filled: free for reuse once `unwritten` is 0. */
  retired: boolean;
}

/**
 * Spare slabs a writer keeps for reuse (`reuseSlabs`): a shard's file sink writes up to 1 MiB at a
 * time and the output holds 1 MiB, so a handful of 256 KiB slabs are in use at once.
 */
const spareSlabsMax = 8;

/**
 * The archive bytes (header, bytes, padding) of the files in memory added since they were last
 * handed to the pack, laid out in one buffer: one chunk into the pack for the files of a turn,
 * where each file was three pushes of its own (and a header buffer). Each hand-on is a view of the
 * slab; the next files go after it, so a slab is reused until it is full, then a new one is taken.
 * With `reuse`, each view is handed on with a release (`releaseWhenWritten`) that its writer calls
 * once the bytes are written (a shard's file sink, after the write and the hashers): a full slab
 * whose views are all written is filled again, where a 10,000 x 4 KiB archive took ~180 fresh
 * 256 KiB slabs (46 MB for the collector) a job. A view never released (copied, dropped, a failed
 * write) leaves its slab to the collector.
 */
class EntrySlab {
  #slab: Slab;
  /** First byte not handed on yet. */
  #start = 0;
  /** End of what was written. */
  #end = 0;
  readonly #spare: Slab[] | undefined;

  constructor(
    private readonly handOn: (chunk: Buffer) => void,
    private readonly bytes: number,
    reuse: boolean,
  ) {
    this.#spare = reuse ? [] : undefined;
    this.#slab = this.#fresh();
  }

  /** `bytes` of room (at most the slab's size) at the returned offset of `buffer`; commit with `wrote`. */
  reserve(bytes: number): number {
    if (this.#slab.buffer.length - this.#end < bytes) {
      this.flush();
      this.#retire(this.#slab);
      this.#slab = this.#spare?.pop() ?? this.#fresh();
      this.#start = 0;
      this.#end = 0;
    }
    return this.#end;
  }

  get buffer(): Buffer {
    return this.#slab.buffer;
  }

  wrote(bytes: number): void {
    this.#end += bytes;
  }

  /** Hands on what was written since the last time. */
  flush(): void {
    if (this.#end === this.#start) return;
    const slab = this.#slab;
    const chunk = slab.buffer.subarray(this.#start, this.#end);
    this.#start = this.#end;
    if (this.#spare !== undefined) {
      slab.unwritten += 1;
      releaseWhenWritten({ bytes: chunk, release: () => this.#written(slab) });
    }
    this.handOn(chunk);
  }

  #fresh(): Slab {
    return { buffer: Buffer.allocUnsafe(this.bytes), unwritten: 0, retired: false };
  }

  #retire(slab: Slab): void {
    slab.retired = true;
    this.#keep(slab);
  }

  #written(slab: Slab): void {
    slab.unwritten -= 1;
    this.#keep(slab);
  }

  /** A retired slab none of whose views waits for its write goes to the spares (if room). */
  #keep(slab: Slab): void {
    const spare = this.#spare;
    if (spare === undefined || !slab.retired || slab.unwritten > 0) return;
    slab.retired = false;
    if (spare.length < spareSlabsMax) spare.push(slab);
  }
}

/** A slab's size: what a turn's files in memory gather into before they go on. */
const slabBytes = 64 * 1024;

/** How a tar's files in memory are gathered before they go on, and who indexes them. */
export interface TarWriterOptions {
  /**
   * The indexer the tar's bytes flow through (a shard on its way to the store): told of each file
   * the writer lays out itself, so that it does not walk their headers again.
   */
  index?: TarIndexFeed | undefined;
  /**
   * The slab's size, and with it the largest chunk of gathered files handed on (default 64 KiB:
   * what a reader's socket takes in a write or two).
   */
  slabBytes?: number;
  /**
   * True (the default): the files of a turn go on at its end, so a reader (a GetBatch's client)
   * gets each turn's files at once. False: only once the slab is full (or a file goes through the
   * pack, or the archive ends): for an archive written to a file, where fewer, larger writes are
   * what counts and no one waits on a turn's files.
   */
  flushEachTurn?: boolean;
  /**
   * True: the slabs are reused once their writer released every view of them (see `EntrySlab`):
   * for an output whose final writer calls `writtenRelease` for each chunk once written (a shard's
   * file sink). Default false.
   */
  reuseSlabs?: boolean;
  /**
   * Told each chunk of an uncompressed tar as it is handed on, and its end (a shard's indexer:
   * `TarIndexer.observer`, where the tar was piped through it). Not called for a compressed one.
   */
  observer?: TarObserver | undefined;
}

function byteLength(chunks: readonly Buffer[]): number {
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  return length;
}

/** A tar archive being written: files are added one at a time, in order. */
export class TarWriter {
  readonly output: Readable;
  readonly #pack = tarStream.pack();
  /** An uncompressed archive's room for files written straight into the pack (`#addDirect`). */
  readonly #room: { full: () => boolean; wait: () => Promise<void> } | undefined;
  /** Files added through `pack.entry` and not in the archive yet. */
  #packing = 0;
  #headers: FileHeaders | undefined;
  readonly #slab: EntrySlab;
  readonly #flushEachTurn: boolean;
  /** Told of the files laid out here, until the first the pack writes (undefined from then). */
  #index: TarIndexFeed | undefined;
  /** Bytes of the archive laid out so far (in the slab or handed on): the index's offsets. */
  #laidOut = 0;
  /**
   * The pack refused more (its queue is over its high-water mark) and has not handed any of it on
   * since: the next file written straight into it waits until it does. The pack hands its queue on
   * a tick after a push, so a run of ready files added in one turn would otherwise all sit there,
   * outside any bound (GetBatch counts a file against its in-flight budget only until the archive
   * takes it); once handed on, the output's own bound (`full`) applies.
   */
  #packFull = false;
  #slabFlushScheduled = false;

  constructor(codec: TarCodec, options: TarWriterOptions = {}) {
    this.#index = options.index;
    this.#slab = new EntrySlab(
      (chunk) => this.#pushDirect(chunk),
      Math.max(options.slabBytes ?? slabBytes, slabBytes),
      options.reuseSlabs ?? false,
    );
    this.#flushEachTurn = options.flushEachTurn ?? true;
    const deflate = compressor(codec);
    if (deflate === undefined) {
      const { output, full, room } = asNodeReadable(this.#pack, options.observer);
      this.output = output;
      this.#room = { full, wait: room };
      this.#pack.on('data', () => (this.#packFull = false));
    } else {
      this.#room = undefined;
      pipeline(this.#pack, deflate, (error) => {
        if (error) deflate.destroy(error);
      });
      this.output = deflate;
    }
  }

  /** Adds a file of exactly `size` bytes; resolves when all of `body` is in the archive. */
  add(
    name: string,
    size: number,
    body: ArchiveBody,
    modifiedMs: number,
  ): Promise<void> | undefined {
    // Bytes already in memory are packed as they are: no stream pipeline per file.
    const chunks = Array.isArray(body)
      ? (body as readonly Buffer[])
      : this.#takeChunks(body as Readable);
    const held = chunks === undefined ? 0 : byteLength(chunks);
    if (chunks !== undefined && held !== size) {
      // Its header would announce bytes the archive does not hold: every file after it would be
      // read wrong. The archive fails (a streamed body's mismatch fails the pack the same way).
      const error = new Error(`${name}: ${held} bytes, ${size} announced`);
      this.abort(error);
      return Promise.reject(error);
    }
    if (chunks !== undefined && this.#addDirect(name, chunks, size, modifiedMs))
      return this.#roomAfterDirect();
    // The pack's own files go after the files in memory before them; the index walks from here.
    this.#index?.walkFrom(this.#laidOut);
    this.#index = undefined;
    this.#slab.flush();
    const header = { name, size, mode: 0o644, mtime: new Date(modifiedMs) };
    this.#packing += 1;
    return new Promise((resolve, reject) => {
      const done = (error?: Error | null): void => {
        this.#packing -= 1;
        if (error) reject(error);
        else resolve();
      };
      if (chunks !== undefined) {
        const [first] = chunks;
        const bytes = chunks.length === 1 && first !== undefined ? first : Buffer.concat(chunks);
        this.#pack.entry(header, bytes, done);
        return;
      }
      const entry: Writable = this.#pack.entry(header, done) as unknown as Writable;
      pipeline(body as Readable, entry, (error) => {
        if (error) reject(error);
      });
    });
  }

  /**
   * The bytes of a body in memory: an object read whole into a pooled buffer (a GetBatch's own 1
   * MiB items) is handed on as a chunk whose buffer goes back to its pool once the reader's socket
   * took it (`releaseWhenWritten`), where each was 1 MiB left to the collector.
   */
  #takeChunks(body: Readable): readonly Buffer[] | undefined {
    const lease = takeLease(body);
    if (lease === undefined) return takeChunks(body);
    return [releaseWhenWritten(lease)];
  }

  /**
   * A file in memory whose header needs no PAX record, written into the pack as its header, bytes
   * and padding: the bytes tar-stream's `pack.entry` writes, without its per-file `Sink` stream
   * and header encoding (6-13% of a GetBatch's designated target, docs/profiling.md). Small files
   * are laid out in the slab (handed on at the end of the turn, or once it is full); a large one's
   * chunks (a peer's part as its socket delivered it) go on as they are. Only between the pack's
   * own files (never within one) and only uncompressed. False: not taken that way.
   */
  #addDirect(name: string, chunks: readonly Buffer[], size: number, modifiedMs: number): boolean {
    if (this.#room === undefined || this.#packing > 0 || this.output.destroyed) return false;
    if (this.#headers?.modifiedMs !== modifiedMs) this.#headers = new FileHeaders(modifiedMs);
    const padding = (blockBytes - (size % blockBytes)) % blockBytes;
    const copied = size < gatheredChunkMaxBytes;
    const slab = this.#slab;
    let at = slab.reserve(blockBytes + (copied ? size + padding : 0));
    if (!this.#headers.encodeInto(slab.buffer, at, name, size)) return false;
    this.#index?.file(name, size, this.#laidOut + blockBytes);
    this.#laidOut += blockBytes + size + padding;
    at += blockBytes;
    if (copied) {
      for (const chunk of chunks) at += chunk.copy(slab.buffer, at);
      if (padding > 0) slab.buffer.fill(0, at, at + padding);
      slab.wrote(blockBytes + size + padding);
    } else {
      slab.wrote(blockBytes);
      slab.flush();
      for (const chunk of chunks) if (chunk.length > 0) this.#pushDirect(chunk);
      at = slab.reserve(padding);
      slab.buffer.fill(0, at, at + padding);
      slab.wrote(padding);
    }
    this.#scheduleSlabFlush();
    return true;
  }

  #pushDirect(chunk: Buffer): void {
    if (!this.#pack.push(chunk)) this.#packFull = true;
  }

  /** Undefined while the pack and the output take more; otherwise settles once they do. */
  #roomAfterDirect(): Promise<void> | undefined {
    const room = this.#room;
    if (room === undefined || (!room.full() && !this.#packFull)) return undefined;
    this.#packFull = false;
    return room.wait().then(() => {
      if (this.output.destroyed) throw new Error('tar output destroyed');
    });
  }

  /** After the I/O of this turn: the files in memory added in it go on as one chunk. */
  #scheduleSlabFlush(): void {
    if (this.#slabFlushScheduled || !this.#flushEachTurn) return;
    this.#slabFlushScheduled = true;
    setImmediate(() => {
      this.#slabFlushScheduled = false;
      if (!this.output.destroyed) this.#slab.flush();
    });
  }

  finish(): void {
    this.#slab.flush();
    this.#pack.finalize();
  }

  abort(error: Error): void {
    this.#pack.destroy(error);
    this.output.destroy(error);
  }
}
