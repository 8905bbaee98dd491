// Object contents for the load generator. Every object's bytes (and, for a size range, its size)
// follow from its name alone: a window into one fixed pseudo-random pattern. So bodies cost no
// allocation or copying, and a reader can verify any object a `cairn bench` run wrote, even one
// written by an earlier run.
import type { SizeRange } from './bench-options.js';

/** The pattern every body is cut from (repeated for objects larger than it). */
export const patternBytes = 1024 * 1024;

/** Objects start at different offsets of the pattern, so equal-sized objects differ. */
const offsetSpan = 64 * 1024;

const pattern = makePattern(patternBytes);

/** The same bytes on every run and machine: xorshift32 from a fixed seed. */
function makePattern(length: number): Buffer {
  const buffer = Buffer.allocUnsafe(length);
  let state = 0x9e3779b9;
  for (let offset = 0; offset < length; offset += 4) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    buffer.writeUInt32LE(state >>> 0, offset);
  }
  return buffer;
}

/** FNV-1a of the name's UTF-16 code units: cheap, stable, and spread enough for offsets. */
export function nameHash(name: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < name.length; index += 1) {
    hash ^= name.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The size of object `name`: fixed, or drawn from the range by the name's hash. */
export function objectSize(name: string, size: SizeRange): number {
  if (size.minBytes === size.maxBytes) return size.minBytes;
  const span = size.maxBytes - size.minBytes + 1;
  // Two hashes give 53 bits, enough for ranges past 4 GiB.
  const high = nameHash(`${name}#size`);
  const draw = (high % 2 ** 21) * 2 ** 32 + nameHash(name);
  return size.minBytes + (draw % span);
}

function startOffset(name: string): number {
  return nameHash(name) % offsetSpan;
}

/** The body of object `name`, as pattern slices (no copies). */
export function* bodyChunks(name: string, sizeBytes: number): Generator<Buffer> {
  let offset = startOffset(name);
  let remaining = sizeBytes;
  while (remaining > 0) {
    const length = Math.min(remaining, patternBytes - offset);
    yield pattern.subarray(offset, offset + length);
    remaining -= length;
    offset = 0;
  }
}

/** The whole body when it fits one slice (most objects up to ~1 MiB), else undefined. */
export function singleChunkBody(name: string, sizeBytes: number): Buffer | undefined {
  const offset = startOffset(name);
  return offset + sizeBytes <= patternBytes
    ? pattern.subarray(offset, offset + sizeBytes)
    : undefined;
}

/** Checks a body as it arrives against what `bodyChunks` would have sent. */
export class PayloadVerifier {
  readonly #name: string;
  readonly #expectedBytes: number;
  #position: number;
  #received = 0;
  #mismatchAt: number | undefined;

  constructor(name: string, expectedBytes: number) {
    this.#name = name;
    this.#expectedBytes = expectedBytes;
    this.#position = startOffset(name);
  }

  update(chunk: Uint8Array): void {
    let consumed = 0;
    while (consumed < chunk.length && this.#mismatchAt === undefined) {
      const length = Math.min(chunk.length - consumed, patternBytes - this.#position);
      const expected = pattern.subarray(this.#position, this.#position + length);
      const actual = chunk.subarray(consumed, consumed + length);
      if (Buffer.compare(expected, actual) !== 0) this.#mismatchAt = this.#received + consumed;
      consumed += length;
      this.#position = (this.#position + length) % patternBytes;
    }
    this.#received += chunk.length;
  }

  /** Undefined when the body matched; else what was wrong, worded for people. */
  problem(): string | undefined {
    if (this.#mismatchAt !== undefined) {
      return `${this.#name}: content differs from what was written (from byte ${this.#mismatchAt})`;
    }
    if (this.#received !== this.#expectedBytes) {
      return `${this.#name}: ${this.#received} bytes read, ${this.#expectedBytes} expected`;
    }
    return undefined;
  }
}
