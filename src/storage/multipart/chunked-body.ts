// The bytes of a chunked object: its chunks in manifest order, each served through the verified
// sender of a plain object (a chunk read whole is checked against its own checksum before its last
// bytes go out), so a GET streams the object without it ever existing as one file.
import { Readable, type Writable } from 'node:stream';
import { objectCorrupted } from '../../errors/index.js';
import type { BufferPool } from '../../util/buffer-pool.js';
import type { BucketJson } from '../../wire/index.js';
import { ObjectBody, type Disk } from '../io/index.js';
import { chunkPath } from '../layout/index.js';
import type { ByteRange } from '../store-types.js';
import type { ManifestChunk } from './chunk-manifest.js';

interface ChunkSlice {
  chunk: ManifestChunk;
  /** Inclusive offsets within the chunk. */
  start: number;
  end: number;
}

export class ChunkedBody {
  #consumed = false;
  readonly #slices: ChunkSlice[];

  constructor(
    private readonly disk: Disk,
    private readonly mountpath: string,
    private readonly bucket: BucketJson,
    private readonly chunkSet: string,
    chunks: readonly ManifestChunk[],
    range: ByteRange | undefined,
    private readonly pool: BufferPool,
  ) {
    this.#slices = slicesOf(chunks, range);
  }

  get length(): number {
    return this.#slices.reduce((sum, slice) => sum + slice.end - slice.start + 1, 0);
  }

  async sendTo(destination: Writable): Promise<void> {
    this.#take();
    for (const slice of this.#slices) await (await this.#open(slice)).sendTo(destination);
  }

  toStream(): Readable {
    this.#take();
    const slices = this.#slices;
    const openSlice = (slice: ChunkSlice): Promise<ObjectBody> => this.#open(slice);
    return Readable.from(
      (async function* () {
        for (const slice of slices) yield* (await openSlice(slice)).toStream();
      })(),
      { objectMode: false },
    );
  }

  discard(): Promise<void> {
    this.#consumed = true;
    return Promise.resolve();
  }

  async #open(slice: ChunkSlice): Promise<ObjectBody> {
    const path = chunkPath(this.mountpath, this.bucket, this.chunkSet, slice.chunk.number);
    const handle = await this.disk.open(path, 'r');
    const whole = slice.start === 0 && slice.end === slice.chunk.sizeBytes - 1;
    return new ObjectBody(
      {
        kind: 'file',
        handle,
        start: slice.start,
        end: slice.end,
        verify: whole ? { checksum: slice.chunk.checksum, size: slice.chunk.sizeBytes } : undefined,
        onCorrupt: (problem) =>
          Promise.resolve(objectCorrupted(problem.type, problem.stored, problem.computed, path)),
      },
      this.pool,
    );
  }

  #take(): void {
    if (this.#consumed) throw new Error('object body already consumed');
    this.#consumed = true;
  }
}

/** The part of each chunk that a range covers (all of every chunk without a range). */
function slicesOf(chunks: readonly ManifestChunk[], range: ByteRange | undefined): ChunkSlice[] {
  const slices: ChunkSlice[] = [];
  let offset = 0;
  for (const chunk of chunks) {
    const first = offset;
    const last = offset + chunk.sizeBytes - 1;
    offset += chunk.sizeBytes;
    if (chunk.sizeBytes === 0) continue;
    const start = Math.max(first, range?.start ?? first);
    const end = Math.min(last, range?.end ?? last);
    if (start > end) continue;
    slices.push({ chunk, start: start - first, end: end - first });
  }
  return slices;
}
