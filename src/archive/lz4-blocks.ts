// Random access into a `.tar.lz4` by block. The LZ4 frame format (lz4_Frame_format.md) cuts the
// data into blocks, each prefixed by its compressed size; when a frame's FLG says its blocks are
// independent (the default of the `lz4` tool and of the encoder here), a block decodes without
// the ones before it. So a shard is indexed by one pass that decodes each block and records where
// it starts in the shard and which tar offset its first byte has; a file is then read by decoding
// only the blocks that hold it. A frame of linked blocks (`lz4 -BD`) cannot be entered in its
// middle: such a shard gets no block table and is read from its start.
import { Readable, type Writable } from 'node:stream';
import { createRequire } from 'node:module';
import { badRequest } from '../errors/index.js';
import { destroyQuietly } from '../util/stream-teardown.js';
import { ByteReader } from '../util/streams/byte-reader.js';
import type { ArchiveSource } from './archive-source.js';

interface Lz4Binding {
  /** Decodes one block into `output`; the bytes written, negative on malformed input. */
  decodeBlock(input: Buffer, output: Buffer): number;
}

const lz4 = createRequire(import.meta.url)('lz4') as Lz4Binding;

/** One block: where its size field lies in the shard, the tar offset of its first byte. */
export interface Lz4Block {
  compressedOffset: number;
  tarOffset: number;
  /** Its frame puts a 4-byte checksum after each block. */
  checksummed: boolean;
}

/** The blocks of a shard, and the length of the tar they hold. */
export interface Lz4BlockTable {
  blocks: Lz4Block[];
  tarSize: number;
}

const frameMagic = 0x184d2204;
const skippableMagicMask = 0xfffffff0;
const skippableMagic = 0x184d2a50;
const uncompressedBit = 0x80000000;
/** Block maximum sizes by the BD byte's code (4..7). */
const blockMaxSizes = [0, 0, 0, 0, 64 << 10, 256 << 10, 1 << 20, 4 << 20];
const largestBlock = 4 << 20;

interface FrameFlags {
  independent: boolean;
  blockChecksum: boolean;
  contentChecksum: boolean;
  blockMaxSize: number;
}

function notLz4(why: string): Error {
  return badRequest(`not a valid .tar.lz4 archive: ${why}`);
}

async function need(bytes: ByteReader, count: number): Promise<Buffer> {
  const read = await bytes.exactly(count);
  if (read === undefined) throw notLz4('it ends inside a frame');
  return read;
}

/** Reads a frame header after its magic number. */
async function frameFlags(bytes: ByteReader): Promise<FrameFlags> {
  const [flg = 0, bd = 0] = await need(bytes, 2);
  if (flg >> 6 !== 1) throw notLz4(`frame version ${flg >> 6}`);
  const blockMaxSize = blockMaxSizes[(bd >> 4) & 7] ?? 0;
  if (blockMaxSize === 0) throw notLz4(`block maximum size code ${(bd >> 4) & 7}`);
  // Content size (8 bytes), dictionary ID (4), then the header checksum (1).
  await need(bytes, ((flg & 0x08) !== 0 ? 8 : 0) + ((flg & 0x01) !== 0 ? 4 : 0) + 1);
  return {
    independent: (flg & 0x20) !== 0,
    blockChecksum: (flg & 0x10) !== 0,
    contentChecksum: (flg & 0x04) !== 0,
    blockMaxSize,
  };
}

/**
 * Decodes the whole shard into `output` (the tar, for the indexer), back-pressured, and returns
 * its block table; undefined blocks when a frame's blocks are linked (no random access).
 */
export async function scanLz4Blocks(
  compressed: Readable,
  output: Writable,
): Promise<{ blocks: Lz4Block[] | undefined; tarSize: number }> {
  const bytes = new ByteReader(compressed as AsyncIterable<Buffer>);
  const blocks: Lz4Block[] = [];
  let independent = true;
  let tarSize = 0;
  for (;;) {
    const magicBytes = await bytes.exactly(4);
    if (magicBytes === undefined) break;
    const magic = magicBytes.readUInt32LE(0);
    if ((magic & skippableMagicMask) >>> 0 === skippableMagic) {
      await need(bytes, (await need(bytes, 4)).readUInt32LE(0));
      continue;
    }
    if (magic !== frameMagic) throw notLz4(`magic number ${magic.toString(16)}`);
    const flags = await frameFlags(bytes);
    independent &&= flags.independent;
    const scratch = Buffer.allocUnsafe(flags.blockMaxSize);
    for (;;) {
      const compressedOffset = bytes.consumed;
      const block = await readBlock(bytes, flags, scratch);
      if (block === undefined) break;
      blocks.push({ compressedOffset, tarOffset: tarSize, checksummed: flags.blockChecksum });
      tarSize += block.length;
      if (!output.write(block)) await waitForDrain(output);
    }
    if (flags.contentChecksum) await need(bytes, 4);
  }
  return { blocks: independent ? blocks : undefined, tarSize };
}

function waitForDrain(output: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error): void => {
      output.off('drain', done);
      output.off('error', done);
      output.off('close', done);
      if (error instanceof Error) reject(error);
      else resolve();
    };
    output.once('drain', done).once('error', done).once('close', done);
  });
}

/** The next block's decoded bytes (a copy), or undefined at the frame's end mark. */
async function readBlock(
  bytes: ByteReader,
  flags: FrameFlags,
  scratch: Buffer,
): Promise<Buffer | undefined> {
  const word = (await need(bytes, 4)).readUInt32LE(0);
  if (word === 0) return undefined;
  const size = (word & ~uncompressedBit) >>> 0;
  if (size > flags.blockMaxSize) throw notLz4(`a block of ${size} bytes`);
  const data = await need(bytes, size);
  if (flags.blockChecksum) await need(bytes, 4);
  if ((word & uncompressedBit) !== 0) return Buffer.from(data);
  const decoded = lz4.decodeBlock(data, scratch);
  if (decoded < 0) throw notLz4('a block does not decode');
  return Buffer.from(scratch.subarray(0, decoded));
}

/**
 * `length` bytes of the tar from `offset`, decoding only the blocks that hold them: each block is
 * read by range (up to the next block's start) and decoded on its own. Memory: one block.
 */
export function readLz4Range(
  source: ArchiveSource,
  table: Lz4BlockTable,
  offset: number,
  length: number,
): Readable {
  const { blocks } = table;
  let first = 0;
  for (let low = 0, high = blocks.length - 1; low <= high;) {
    const middle = (low + high) >> 1;
    if ((blocks[middle] as Lz4Block).tarOffset <= offset) {
      first = middle;
      low = middle + 1;
    } else high = middle - 1;
  }
  const end = offset + length;
  return Readable.from(
    (async function* () {
      for (let index = first; index < blocks.length; index += 1) {
        const block = blocks[index] as Lz4Block;
        if (block.tarOffset >= end) return;
        const next = blocks[index + 1];
        const until = next === undefined ? source.size : next.compressedOffset;
        const decodedSize = (next?.tarOffset ?? table.tarSize) - block.tarOffset;
        const raw = await source.read(block.compressedOffset, until - 1);
        const bytes = new ByteReader(raw as AsyncIterable<Buffer>);
        const flags = {
          independent: true,
          blockChecksum: block.checksummed,
          contentChecksum: false,
          blockMaxSize: largestBlock,
        };
        let decoded: Buffer | undefined;
        try {
          decoded = await readBlock(bytes, flags, Buffer.allocUnsafe(decodedSize));
        } finally {
          destroyQuietly(raw);
        }
        if (decoded === undefined) throw notLz4('an indexed block is an end mark');
        const from = Math.max(offset - block.tarOffset, 0);
        const to = Math.min(end - block.tarOffset, decoded.length);
        if (from < to) yield decoded.subarray(from, to);
      }
    })(),
    { objectMode: false },
  );
}
