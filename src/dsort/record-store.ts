// A target's extracted records, kept until every output shard is built: each file's bytes in
// memory while the job's memory budget (`max_mem_usage`) allows, else streamed into the job's
// spill file at a reserved offset (sizes are known from the archive headers, so concurrent
// extractions write their own ranges of one file). Readers get each file as a stream, once: each
// record goes into exactly one output shard, so a file's memory is let go as it is read and what
// the job holds shrinks while the shards are built.
import { createReadStream } from 'node:fs';
import { mkdir, open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { StoreError } from '../errors/index.js';
import { MemoryBody, takeBytes } from '../util/streams/memory-body.js';

/** In memory, in the spill file, or in memory once and read already (let go). */
type Placement = { memory: Buffer } | { offset: number } | { taken: true };

export interface StoredFile {
  name: string;
  size: number;
  placement: Placement;
}

export interface StoredRecord {
  key: string;
  shard: string;
  position: number;
  files: StoredFile[];
  content?: string | number;
}

/** What a job holds besides its records, at most (see recordsBudget). */
const transientReserve = 128 << 20;

/**
 * How much of a job's memory budget (`max_mem_usage`) its records may fill: all but 128 MiB, and
 * at least a third of it. The rest is for what the job holds besides its records: every byte a
 * target extracts or sends passes through buffers (archive reads of 1 MiB, spill writes, record
 * transfers, output PUTs), which stay in memory once freed until the garbage collector runs, and
 * whose memory the allocator keeps. On the 1 GiB reshard that was 110-125 MiB over the
 * records (bench/RESULTS.md, dsortmem); it grows with the concurrency, not with the budget.
 */
export function recordsBudget(jobBudget: number): number {
  return Math.max(jobBudget / 3, jobBudget - transientReserve);
}

export class RecordStore {
  readonly records: StoredRecord[] = [];
  #memoryUsed = 0;
  readonly #memoryBudget: number;
  #spillEnd = 0;
  #spill: Promise<FileHandle> | undefined;
  spilledFiles = 0;
  spilledBytes = 0;

  /** `jobBudget`: the job's `max_mem_usage` in bytes; its records get recordsBudget of it. */
  constructor(
    private readonly directory: string,
    jobBudget: number,
  ) {
    this.#memoryBudget = recordsBudget(jobBudget);
  }

  /** Stores one file's body (exactly `size` bytes) and returns where it went. */
  async storeFile(name: string, size: number, body: Readable): Promise<StoredFile> {
    if (this.#memoryUsed + size <= this.#memoryBudget) {
      this.#memoryUsed += size;
      const memory = takeBytes(body) ?? (await readAll(body));
      if (memory.length !== size)
        throw new StoreError(
          'ObjectCorrupted',
          `dsort: expected ${size} bytes, read ${memory.length}`,
        );
      return { name, size, placement: { memory } };
    }
    return { name, size, placement: { offset: await this.#spillBody(body, size) } };
  }

  /** Whether files are still kept in memory (the budget is not used up). */
  hasRoom(): boolean {
    return this.#memoryUsed < this.#memoryBudget;
  }

  /** A file whose bytes were read already (e.g. a `content` key file). */
  async storeBuffer(name: string, data: Buffer): Promise<StoredFile> {
    return this.storeFile(name, data.length, new MemoryBody(data));
  }

  add(record: StoredRecord): number {
    this.records.push(record);
    return this.records.length - 1;
  }

  /** One file's bytes, from memory (let go then: see takeMemory) or the spill file. */
  open(file: StoredFile): Readable {
    const memory = this.takeMemory(file);
    // A MemoryBody: the archive writer takes its bytes at once, without a stream per file.
    if (memory !== undefined) return new MemoryBody(memory);
    if (file.size === 0) return new MemoryBody(Buffer.alloc(0));
    const { offset } = file.placement as { offset: number };
    return createReadStream(this.#spillPath, { start: offset, end: offset + file.size - 1 });
  }

  /**
   * The bytes of a file kept in memory, which the store lets go of (its one reader has them
   * now); undefined for a spilled file. A second read of it fails: it would find nothing.
   */
  takeMemory(file: StoredFile): Buffer | undefined {
    const { placement } = file;
    if ('taken' in placement)
      throw new StoreError('Conflict', `dsort: "${file.name}" was read already`);
    if (!('memory' in placement)) return undefined;
    file.placement = { taken: true };
    this.#memoryUsed -= file.size;
    return placement.memory;
  }

  record(index: number): StoredRecord {
    const record = this.records[index];
    if (record === undefined) throw new StoreError('ObjectNotFound', `dsort: no record #${index}`);
    return record;
  }

  /** Drops everything (memory and the spill file). */
  async clear(): Promise<void> {
    this.records.length = 0;
    this.#memoryUsed = 0;
    const spill = this.#spill;
    this.#spill = undefined;
    if (spill !== undefined) await (await spill.catch(() => undefined))?.close();
    await rm(this.directory, { recursive: true, force: true });
  }

  get #spillPath(): string {
    return join(this.directory, 'records.spill');
  }

  async #spillBody(body: Readable, size: number): Promise<number> {
    const offset = this.#spillEnd;
    this.#spillEnd += size;
    this.#spill ??= mkdir(this.directory, { recursive: true }).then(() =>
      open(this.#spillPath, 'w+'),
    );
    const handle = await this.#spill;
    // Positioned writes on the one handle: no stream holds it open, so clear() can close it.
    let position = offset;
    for await (const chunk of body) {
      const data = chunk as Buffer;
      if (position + data.length > offset + size) break;
      await writeAllAt(handle, data, position);
      position += data.length;
    }
    if (position !== offset + size)
      throw new StoreError(
        'ObjectCorrupted',
        `dsort: expected ${size} bytes, read ${position - offset} or more`,
      );
    this.spilledFiles += 1;
    this.spilledBytes += size;
    return offset;
  }
}

/** Writes all of `data` at `position` (a write may take fewer bytes than given). */
async function writeAllAt(handle: FileHandle, data: Buffer, position: number): Promise<void> {
  let written = 0;
  while (written < data.length) {
    const { bytesWritten } = await handle.write(
      data,
      written,
      data.length - written,
      position + written,
    );
    written += bytesWritten;
  }
}

async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
