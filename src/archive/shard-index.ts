// The shard index (AIStore's `index-shard`): where each file of an uncompressed tar lies (the
// offset of its bytes and their length), so that one file is read by range instead of by scanning
// the shard from its start. This module owns the index and its encoding (JSON lines; see
// docs/formats/shard-index.md); it is built from the tar's bytes as they pass, whoever reads or
// writes them. Compressed tars cannot be read from an offset and zip has its central directory:
// only `.tar` is indexed.
import { createInterface } from 'node:readline';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import tarStream from 'tar-stream';
import { codecOf, type ArchiveFormat } from './archive-format.js';
import type { ArchiveEntry, ArchiveEntryInfo, ArchiveSource } from './archive-source.js';
import { readLz4Range, scanLz4Blocks, type Lz4Block, type Lz4BlockTable } from './lz4-blocks.js';

/** The format version this module writes and reads (an index of another version is rebuilt). */
export const shardIndexVersion = 1;

/** A tar header is one 512-byte block; a file's bytes follow its (last) header. */
const tarBlock = 512;

/**
 * The stored shard an index describes. An index is used only while the shard is this very object:
 * an overwrite (any PUT, an append, a job) makes it stale, and it is then rebuilt.
 */
export interface ShardIdentity {
  size: number;
  /** `<type>:<value>` of the object's checksum. */
  checksum: string;
  version: string;
  modifiedMs: number;
}

/** One file of the shard: its path inside, the offset of its first byte, its length. */
export interface IndexedEntry extends ArchiveEntryInfo {
  offset: number;
}

/** A plain tar: indexed as it is written, and appended to in place. */
export function isIndexable(format: ArchiveFormat): boolean {
  return codecOf(format) === 'tar';
}

/** Formats whose shards have an index: plain tars, and `.tar.lz4` (file offsets and blocks). */
export function hasShardIndex(format: ArchiveFormat): boolean {
  return codecOf(format) === 'tar' || codecOf(format) === 'lz4';
}

export function sameShard(a: ShardIdentity, b: ShardIdentity): boolean {
  return (
    a.size === b.size &&
    a.checksum === b.checksum &&
    a.version === b.version &&
    a.modifiedMs === b.modifiedMs
  );
}

export class ShardIndex {
  readonly #byName = new Map<string, IndexedEntry>();

  constructor(
    readonly shard: ShardIdentity,
    /** In archive order. */
    readonly entries: readonly IndexedEntry[],
    /** A `.tar.lz4` of independent blocks: where each block lies (offsets are the tar's). */
    readonly blocks?: Lz4BlockTable,
  ) {
    // The first file of a name is the one a scan finds (findEntry), so the index agrees with it.
    for (const entry of entries)
      if (!this.#byName.has(entry.name)) this.#byName.set(entry.name, entry);
  }

  find(name: string): IndexedEntry | undefined {
    return this.#byName.get(name);
  }
}

/**
 * An indexed file open for reading: a range read of the shard, whatever its size, or of the LZ4
 * blocks that hold it (`blocks`), decoded.
 */
export async function openIndexedEntry(
  source: ArchiveSource,
  entry: IndexedEntry,
  blocks?: Lz4BlockTable,
): Promise<ArchiveEntry> {
  const body =
    entry.size === 0
      ? Readable.from([])
      : blocks !== undefined
        ? readLz4Range(source, blocks, entry.offset, entry.size)
        : await source.read(entry.offset, entry.offset + entry.size - 1);
  return { name: entry.name, size: entry.size, body };
}

/** What a tar's writer tells the `TarIndexer` its bytes flow through (`TarIndexer.feed`). */
export interface TarIndexFeed {
  /** A regular file of `size` bytes whose first byte is at `offset` of the tar. */
  file(name: string, size: number, offset: number): void;
  /** From `offset` on (where a header starts) the writer names no more files: they are walked. */
  walkFrom(offset: number): void;
}

/**
 * What sees a plain tar's bytes as its writer hands them on (`TarIndexer.observer`): the chunks in
 * order, then the end.
 */
export interface TarObserver {
  chunk(bytes: Buffer): void;
  end(): void;
}

/**
 * A pass-through that indexes the plain tar flowing through it (or, as `observer`, beside it):
 * `entries` resolves with the regular files once the stream has ended (it rejects when the bytes
 * are not a tar). It walks the tar's blocks itself while their headers are plain ones (a ustar or
 * GNU header of a file or an empty directory, its size in octal, its checksum right: every header
 * Cairn writes for a name that needs no PAX record, and most of GNU tar's), reading a header's
 * name, type and size and skipping the file's bytes. At the first other header (a PAX record, a
 * GNU long name, a link, anything it does not know) it hands that header and everything after it
 * to tar-stream's parser, which indexes the rest as before (a tar read from a header on is a
 * tar). Why not tar-stream throughout: its parser decodes every field of a header and makes a
 * stream and events per file, 11% of the archive job's CPU on the shard's target for 10,000 4 KiB
 * objects (docs/profiling.md, "archive job"). Either way it holds no more than a header's worth
 * of bytes.
 */
export class TarIndexer extends Transform {
  readonly entries: Promise<IndexedEntry[]>;
  /** The tar's bytes before this offset are its writer's, indexed by it (`feed`): not walked. */
  #walkFrom = 0;
  readonly #found: IndexedEntry[] = [];
  #resolve: (entries: IndexedEntry[]) => void = () => undefined;
  #reject: (error: Error) => void = () => undefined;
  /** Bytes of the tar seen so far. */
  #position = 0;
  /** Bytes of the current file (and its padding) still to skip. */
  #skip = 0;
  /** A header block not whole yet. */
  readonly #header = Buffer.alloc(tarBlock);
  #headerBytes = 0;
  /** tar-stream's parser, from the first header the walk does not take on; and where it began. */
  #parser: tarStream.Extract | undefined;
  #parserBase = 0;
  #ended = false;
  /** Fed by a writer (`observer`), not piped: its chunks may be filled again once written. */
  #observing = false;

  constructor() {
    super();
    this.entries = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // Settled by whoever awaits `entries`; a stream destroyed early must not leave it unhandled.
    this.entries.catch(() => undefined);
  }

  /**
   * For the writer of the tar that flows through (`TarWriter`): it names the files it lays out
   * itself, so their headers are not walked again, until the first file it cannot (a header
   * tar-stream writes: a PAX record...), from which the indexer walks the rest as usual.
   */
  feed(): TarIndexFeed {
    this.#walkFrom = Number.POSITIVE_INFINITY;
    return {
      file: (name, size, offset) => {
        this.#found.push({ name, size, offset });
      },
      walkFrom: (offset) => {
        this.#walkFrom = offset;
      },
    };
  }

  /**
   * For the writer of a plain tar that goes elsewhere (a shard's file): it hands each chunk here
   * as it hands it on, and the end once there is no more; this stream itself is not written to
   * (no stage of its own between the writer and the file: a Transform's write, push and read
   * for each chunk). `entries` settles as with a stream; `destroy` still fails it.
   */
  observer(): TarObserver {
    // Nobody reads this stream: a failure (`destroy(error)`) is reported through `entries` only.
    this.on('error', () => undefined);
    this.#observing = true;
    return {
      chunk: (bytes) => this.#see(bytes),
      end: () => this.#seenAll(),
    };
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#see(chunk);
    callback(null, chunk);
  }

  #see(chunk: Buffer): void {
    // An observer's writer may fill its slab again once the file has it (`reuseSlabs`), while
    // tar-stream may still hold a view it has not parsed: the parser gets its own copy then.
    if (this.#parser !== undefined)
      this.#parser.write(this.#observing ? Buffer.from(chunk) : chunk);
    else if (this.#position + chunk.length <= this.#walkFrom) this.#position += chunk.length;
    else if (this.#position < this.#walkFrom) {
      const fed = this.#walkFrom - this.#position;
      this.#position = this.#walkFrom;
      this.#walk(chunk.subarray(fed));
    } else this.#walk(chunk);
  }

  #walk(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.#skip > 0) {
        const skipped = Math.min(this.#skip, chunk.length - at);
        this.#skip -= skipped;
        this.#position += skipped;
        at += skipped;
        continue;
      }
      const taken = Math.min(tarBlock - this.#headerBytes, chunk.length - at);
      chunk.copy(this.#header, this.#headerBytes, at, at + taken);
      this.#headerBytes += taken;
      at += taken;
      if (this.#headerBytes < tarBlock) return;
      this.#headerBytes = 0;
      const plain = plainHeader(this.#header);
      if (plain === undefined) {
        this.#handToParser(Buffer.concat([this.#header, chunk.subarray(at)]));
        return;
      }
      this.#position += tarBlock;
      if (plain.file)
        this.#found.push({ name: plain.name, size: plain.size, offset: this.#position });
      this.#skip = plain.size + ((tarBlock - (plain.size % tarBlock)) % tarBlock);
    }
  }

  #handToParser(rest: Buffer): void {
    const parser = tarStream.extract();
    this.#parser = parser;
    this.#parserBase = this.#position;
    parser.on('entry', (header, body, next) => {
      if (header.type === 'file' || header.type === 'contiguous-file')
        // `offset` is where the file's own header starts (after any pax or long-name headers).
        this.#found.push({
          name: header.name,
          size: header.size ?? 0,
          offset: this.#parserBase + body.offset + tarBlock,
        });
      body.on('end', next);
      // A parser destroyed inside this file (the tar cut short) fails its body too; `entries`
      // rejects with that error already, and an 'error' event nobody hears ends the process.
      body.on('error', () => undefined);
      body.resume();
    });
    parser.on('finish', () => this.#resolve(this.#found));
    parser.on('error', (error: Error) => this.#reject(error));
    parser.write(rest);
  }

  override _flush(callback: TransformCallback): void {
    this.#seenAll();
    callback();
  }

  #seenAll(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#parser !== undefined) this.#parser.end(undefined);
    else if (this.#skip > 0 || this.#headerBytes > 0)
      this.#reject(new Error('Unexpected end of data: the tar ends inside a file or header'));
    else this.#resolve(this.#found);
  }

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    // After the end the parser finishes on its own; before it, the index would be partial.
    if (error !== null || !this.#ended) {
      const reason = error ?? new Error('the tar stream was not read to its end');
      if (this.#parser !== undefined) this.#parser.destroy(reason);
      else this.#reject(reason);
    }
    callback(error);
  }
}

const ustarMagic = Buffer.from('ustar\0', 'latin1');
const gnuMagic = Buffer.from('ustar  \0', 'latin1');

/**
 * The name, size and kind of a plain header (as tar-stream's parser reads them), a zero block as
 * an empty directory (skipped), or undefined for any header the walk leaves to tar-stream.
 */
function plainHeader(block: Buffer): { name: string; size: number; file: boolean } | undefined {
  const flag = block[156];
  const file = flag === 0 || flag === 0x30 || flag === 0x37;
  if (!file && flag !== 0x35) return undefined;
  let sum = 8 * 32;
  for (let index = 0; index < 148; index += 1) sum += block[index] as number;
  for (let index = 156; index < tarBlock; index += 1) sum += block[index] as number;
  // A zero block (the end of the archive, or padding after it): tar-stream reads on past it.
  if (sum === 8 * 32 && flag === 0) return { name: '', size: 0, file: false };
  const size = plainOctal(block, 124, 12);
  if (size === undefined || plainOctal(block, 148, 8) !== sum) return undefined;
  const ustar = block.compare(ustarMagic, 0, 6, 257, 263) === 0;
  if (!ustar && block.compare(gnuMagic, 0, 8, 257, 265) !== 0) return undefined;
  let name = block.toString('utf8', 0, zeroAt(block, 0, 100));
  if (ustar && block[345] !== 0)
    name = `${block.toString('utf8', 345, zeroAt(block, 345, 155))}/${name}`;
  // A directory has no bytes to skip; one with a size is left to tar-stream, whose reading of it
  // the index follows. A file header named with a trailing `/` stays a file, as in tar-stream
  // (3.x decides the type before its old-tar "trailing slash is a directory" rule).
  if (!file) return size === 0 ? { name, size, file: false } : undefined;
  return { name, size, file: true };
}

/** The end of a NUL-terminated field. */
function zeroAt(block: Buffer, start: number, length: number): number {
  const end = block.indexOf(0, start);
  return end === -1 || end > start + length ? start + length : end;
}

/**
 * An octal field: leading spaces or zeros, octal digits, then NULs or spaces only; undefined for
 * anything else (base-256 numbers among them).
 */
function plainOctal(block: Buffer, start: number, length: number): number | undefined {
  let at = start;
  const end = start + length;
  while (at < end && (block[at] === 0x20 || block[at] === 0)) at += 1;
  let value = 0;
  for (; at < end; at += 1) {
    const byte = block[at] as number;
    if (byte < 0x30 || byte > 0x37) break;
    value = value * 8 + (byte - 0x30);
  }
  for (; at < end; at += 1) if (block[at] !== 0 && block[at] !== 0x20) return undefined;
  return value;
}

/** Indexes a whole plain tar read from `stream` (the first read of a shard with no index). */
export async function indexTar(stream: Readable): Promise<IndexedEntry[]> {
  const indexer = new TarIndexer();
  stream.once('error', (error) => indexer.destroy(error));
  stream.pipe(indexer).resume();
  return await indexer.entries;
}

/**
 * Indexes a whole `.tar.lz4` read from `stream`: its files at their tar offsets, and its block
 * table when its blocks are independent (else none: such a shard is read from its start).
 */
export async function indexLz4Tar(
  stream: Readable,
): Promise<{ entries: IndexedEntry[]; blocks: Lz4BlockTable | undefined }> {
  const indexer = new TarIndexer();
  // Failures are reported through `entries` and the scan; bytes that are not a tar stop the scan.
  indexer.on('error', () => undefined);
  indexer.entries.catch(() => stream.destroy());
  indexer.resume();
  const scanned = scanLz4Blocks(stream, indexer).then(
    (scan) => {
      indexer.end();
      return scan;
    },
    (error: unknown) => {
      indexer.destroy(error instanceof Error ? error : new Error(String(error)));
      throw error;
    },
  );
  const [entries, scan] = await Promise.all([indexer.entries, scanned]);
  const blocks =
    scan.blocks === undefined ? undefined : { blocks: scan.blocks, tarSize: scan.tarSize };
  return { entries, blocks };
}

interface IndexHeaderJson {
  version: number;
  shard: ShardIdentity;
  entries: number;
  /** `.tar.lz4` of independent blocks: block lines follow the entry lines. */
  blocks?: number;
  tarSize?: number;
}

/** Entry lines per chunk of the encoded index. */
const linesPerChunk = 1024;

/** The index as JSON lines: a header, then `[name, offset, size]` per file, in archive order. */
export function encodeShardIndex(index: ShardIndex): Generator<string> {
  return (function* () {
    const header: IndexHeaderJson = {
      version: shardIndexVersion,
      shard: index.shard,
      entries: index.entries.length,
      ...(index.blocks === undefined
        ? {}
        : { blocks: index.blocks.blocks.length, tarSize: index.blocks.tarSize }),
    };
    yield `${JSON.stringify(header)}\n`;
    for (let at = 0; at < index.entries.length; at += linesPerChunk) {
      yield index.entries
        .slice(at, at + linesPerChunk)
        .map((entry) => `${JSON.stringify([entry.name, entry.offset, entry.size])}\n`)
        .join('');
    }
    const blocks = index.blocks?.blocks ?? [];
    for (let at = 0; at < blocks.length; at += linesPerChunk) {
      yield blocks
        .slice(at, at + linesPerChunk)
        .map((block) => {
          const line = [block.compressedOffset, block.tarOffset, block.checksummed ? 1 : 0];
          return `${JSON.stringify(line)}\n`;
        })
        .join('');
    }
  })();
}

/**
 * Reads an encoded index; undefined when it is of another version or not whole (it is then
 * rebuilt from the shard, as when there is none).
 */
export async function decodeShardIndex(stream: Readable): Promise<ShardIndex | undefined> {
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let header: IndexHeaderJson | undefined;
  const entries: IndexedEntry[] = [];
  const blocks: Lz4Block[] = [];
  try {
    for await (const line of lines) {
      const value: unknown = JSON.parse(line);
      if (header === undefined) {
        header = value as IndexHeaderJson;
        if (header.version !== shardIndexVersion) return undefined;
        continue;
      }
      if (!Array.isArray(value) || value.length !== 3) return undefined;
      if (entries.length === header.entries) {
        const [compressedOffset, tarOffset, checksummed] = value as unknown[];
        if (typeof compressedOffset !== 'number' || typeof tarOffset !== 'number') return undefined;
        blocks.push({ compressedOffset, tarOffset, checksummed: checksummed === 1 });
        continue;
      }
      const [name, offset, size] = value as unknown[];
      if (typeof name !== 'string' || typeof offset !== 'number' || typeof size !== 'number')
        return undefined;
      entries.push({ name, offset, size });
    }
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  } finally {
    lines.close();
    stream.destroy();
  }
  if (header === undefined || entries.length !== header.entries) return undefined;
  if (blocks.length !== (header.blocks ?? 0)) return undefined;
  const table =
    header.blocks === undefined ? undefined : { blocks, tarSize: Number(header.tarSize) };
  return new ShardIndex(header.shard, entries, table);
}
