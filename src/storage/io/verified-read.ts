// Reads that check stored bytes against their stored checksum: whole reads for small objects, and
// a pass-through stream for large ones that fails at the end instead of finishing on a mismatch.
import { Transform, type TransformCallback } from 'node:stream';
import { createHasher, hashBuffer, type Hasher } from '../../checksum/index.js';
import type { ObjectChecksum } from '../meta/index.js';
import type { DiskFile } from './disk.js';

/**
 * Reads `sizeBytes` from the start of the file (fewer when the file is shorter), into `buffer` when
 * given (at least `sizeBytes` long), else into a new one.
 */
export async function readWhole(
  handle: DiskFile,
  sizeBytes: number,
  buffer: Buffer = Buffer.allocUnsafe(sizeBytes),
): Promise<Buffer> {
  let offset = 0;
  while (offset < sizeBytes) {
    const { bytesRead } = await handle.read(buffer, offset, sizeBytes - offset, offset);
    if (bytesRead === 0) break;
    offset += bytesRead;
  }
  return buffer.subarray(0, offset);
}

/** What a verification found: `undefined` when the bytes match. */
export interface ChecksumProblem {
  type: string;
  stored: string;
  computed: string;
}

/** Compares what was read with what the metadata promises (size, then checksum unless `none`). */
export function checkContent(
  expected: ObjectChecksum,
  expectedBytes: number,
  hasher: Pick<Hasher, 'digest'>,
  actualBytes: number,
): ChecksumProblem | undefined {
  if (actualBytes !== expectedBytes) {
    return { type: 'size', stored: String(expectedBytes), computed: String(actualBytes) };
  }
  if (expected.type === 'none') return undefined;
  const computed = hasher.digest();
  if (computed === expected.value) return undefined;
  return { type: expected.type, stored: expected.value, computed };
}

/** `checkContent` for bytes all in memory (a small object read whole), hashed in one call. */
export function checkBytes(
  expected: ObjectChecksum,
  expectedBytes: number,
  data: Buffer,
): ChecksumProblem | undefined {
  const digest = (): string => hashBuffer(expected.type, data);
  return checkContent(expected, expectedBytes, { digest }, data.length);
}

/**
 * Pass-through that hashes the bytes and, at the end, compares them with the stored checksum. It
 * holds back the last chunk until the digest matches: on a mismatch it awaits `onMismatch`
 * (quarantine) and fails with the error it returns, so a reader (an HTTP client counting
 * Content-Length) never receives the whole body of a corrupt object as a success.
 */
export class VerifyingStream extends Transform {
  readonly #expected: ObjectChecksum;
  readonly #expectedBytes: number;
  readonly #hasher: Hasher;
  readonly #onMismatch: (problem: ChecksumProblem) => Promise<Error>;
  #bytes = 0;
  #heldBack: Buffer | undefined;

  constructor(
    expected: ObjectChecksum,
    expectedBytes: number,
    onMismatch: (problem: ChecksumProblem) => Promise<Error>,
    highWaterMark: number,
  ) {
    super({ readableHighWaterMark: highWaterMark, writableHighWaterMark: highWaterMark });
    this.#expected = expected;
    this.#expectedBytes = expectedBytes;
    this.#hasher = createHasher(expected.type);
    this.#onMismatch = onMismatch;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#hasher.update(chunk);
    this.#bytes += chunk.length;
    const previous = this.#heldBack;
    this.#heldBack = chunk;
    callback(null, previous);
  }

  override _flush(callback: TransformCallback): void {
    const problem = checkContent(this.#expected, this.#expectedBytes, this.#hasher, this.#bytes);
    if (problem === undefined) {
      callback(null, this.#heldBack);
      return;
    }
    this.#heldBack = undefined;
    this.#onMismatch(problem).then(
      (error) => callback(error),
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
    );
  }
}
