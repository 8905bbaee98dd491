// The on-disk form of an encrypted object's bytes (docs/formats/encrypted-objects.md), after MinIO's
// DARE: the plaintext is cut into 64 KiB packages, each sealed on its own with AES-256-GCM under the
// object's key, so a range is served by decrypting only the packages it touches. Package:
//   header (16 bytes, authenticated as GCM's additional data)
//     [0] version 1 · [1] flags (bit 0: the last package of its segment) · [2..3] zero
//     [4..7] plaintext length, uint32 BE · [8..15] the segment's random nonce
//   ciphertext (the plaintext's length) · GCM tag (16 bytes)
// The GCM IV is the segment nonce followed by the package's sequence number (uint32 BE) within its
// segment: packages cannot be reordered, and a segment cut short at a package boundary is caught
// by the missing last flag. A single-part object is one segment; a multipart object is one segment
// per part, in part order (each part encrypted as it is uploaded).
import { createCipheriv, createDecipheriv, createHash, randomBytes, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { StoreError } from '../../errors/index.js';

export const packagePlainBytes = 64 * 1024;
const headerBytes = 16;
const tagBytes = 16;
const formatVersion = 1;
const lastFlag = 1;
export const packageCipherBytes = packagePlainBytes + headerBytes + tagBytes;
/** AES-256: the length of an object key. */
export const objectKeyBytes = 32;

/** Stored bytes of a segment of `plainBytes`. */
export function cipherSizeOf(plainBytes: number): number {
  return plainBytes + (headerBytes + tagBytes) * Math.ceil(plainBytes / packagePlainBytes);
}

/** Plaintext bytes of a segment stored as `cipherBytes`. */
export function plainSizeOf(cipherBytes: number): number {
  return cipherBytes - (headerBytes + tagBytes) * Math.ceil(cipherBytes / packageCipherBytes);
}

/** Encrypts one segment: plaintext in, packages out. */
export class PackageEncryptor extends Transform {
  readonly #key: Buffer;
  readonly #nonce = randomBytes(8);
  readonly #md5: Hash | undefined;
  /** Plaintext not sealed yet, as it arrived (sealing reads across chunks without joining them). */
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #sequence = 0;

  /** `cipherMd5`: hash the stored bytes (MD5 costs more than AES-GCM: only when it is wanted). */
  constructor(key: Buffer, options: { cipherMd5?: boolean } = {}) {
    super();
    this.#key = key;
    this.#md5 = options.cipherMd5 === true ? createHash('md5') : undefined;
  }

  /** MD5 hex of the stored bytes (the ETag of objects whose ETag must not be the plaintext's MD5). */
  cipherMd5(): string {
    if (this.#md5 === undefined)
      throw new StoreError('Internal', 'the MD5 of encrypted bytes was not asked for');
    return this.#md5.digest('hex');
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    // A full package is sealed once more bytes follow it: only then is it known not to be the last.
    const sealed: Buffer[] = [];
    while (this.#pendingBytes > packagePlainBytes) this.#seal(packagePlainBytes, false, sealed);
    this.#pushJoined(sealed);
    done();
  }

  override _flush(done: TransformCallback): void {
    const sealed: Buffer[] = [];
    if (this.#pendingBytes > 0) this.#seal(this.#pendingBytes, true, sealed);
    this.#pushJoined(sealed);
    done();
  }

  /** One chunk per input chunk: the store writes (and a socket sends) fewer, larger pieces. */
  #pushJoined(pieces: Buffer[]): void {
    if (pieces.length === 0) return;
    const joined = Buffer.concat(pieces);
    this.#md5?.update(joined);
    this.push(joined);
  }

  /** Seals the next `bytes` of plaintext into `out` as header, ciphertext pieces and tag. */
  #seal(bytes: number, last: boolean, out: Buffer[]): void {
    const header = Buffer.alloc(headerBytes);
    header[0] = formatVersion;
    header[1] = last ? lastFlag : 0;
    header.writeUInt32BE(bytes, 4);
    this.#nonce.copy(header, 8);
    const cipher = createCipheriv('aes-256-gcm', this.#key, ivOf(this.#nonce, this.#sequence));
    cipher.setAAD(header);
    out.push(header);
    let left = bytes;
    while (left > 0) {
      const first = this.#pending[0] as Buffer;
      if (first.length <= left) {
        this.#pending.shift();
        out.push(cipher.update(first));
        left -= first.length;
      } else {
        out.push(cipher.update(first.subarray(0, left)));
        this.#pending[0] = first.subarray(left);
        left = 0;
      }
    }
    this.#pendingBytes -= bytes;
    cipher.final();
    out.push(cipher.getAuthTag());
    this.#sequence += 1;
  }
}

/** The pending chunks as one buffer (without a copy when there is one). */
function joined(chunks: Buffer[]): Buffer {
  const [first] = chunks;
  return chunks.length === 1 && first !== undefined ? first : Buffer.concat(chunks);
}

function ivOf(nonce: Buffer, sequence: number): Buffer {
  const iv = Buffer.alloc(12);
  nonce.copy(iv, 0);
  iv.writeUInt32BE(sequence, 8);
  return iv;
}

/** Where a plaintext range lies in the stored bytes, and how to decrypt it from there. */
export interface PackagePlan {
  /** Stored bytes to read, inclusive. */
  cipherStart: number;
  cipherEnd: number;
  /** Sequence number of the first package read, within its segment. */
  firstSequence: number;
  /** Plaintext bytes of the first package before the range. */
  skip: number;
  /** Plaintext bytes of the range. */
  take: number;
}

/**
 * The packages holding plaintext bytes `start..end` (inclusive) of an object whose segments are
 * stored as `segments` bytes each, in order. The range must lie within the object.
 */
export function planRange(segments: readonly number[], start: number, end: number): PackagePlan {
  let plainOffset = 0;
  let cipherOffset = 0;
  let first: { cipherStart: number; firstSequence: number; skip: number } | undefined;
  for (const cipherBytes of segments) {
    const plainBytes = plainSizeOf(cipherBytes);
    if (first === undefined && start < plainOffset + plainBytes) {
      const sequence = Math.floor((start - plainOffset) / packagePlainBytes);
      first = {
        cipherStart: cipherOffset + sequence * packageCipherBytes,
        firstSequence: sequence,
        skip: start - plainOffset - sequence * packagePlainBytes,
      };
    }
    if (first !== undefined && end < plainOffset + plainBytes) {
      const sequence = Math.floor((end - plainOffset) / packagePlainBytes);
      const cipherEnd =
        cipherOffset + Math.min((sequence + 1) * packageCipherBytes, cipherBytes) - 1;
      return { ...first, cipherEnd, take: end - start + 1 };
    }
    plainOffset += plainBytes;
    cipherOffset += cipherBytes;
  }
  throw new StoreError(
    'Internal',
    `range ${start}-${end} outside an object of ${plainOffset} bytes`,
  );
}

type OpenPlan = Pick<PackagePlan, 'firstSequence' | 'skip' | 'take'>;

/**
 * Opens the packages of a plan as their stored bytes arrive, in any chunks: each authenticated
 * package's plaintext inside the plan goes to `out`. Throws ObjectCorrupted on a package that does
 * not authenticate, and at `finish` when the bytes ended before the plan's last one.
 */
class PackageOpener {
  readonly #key: Buffer;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #sequence: number;
  #skip: number;
  #left: number;

  constructor(key: Buffer, plan: OpenPlan) {
    this.#key = key;
    this.#sequence = plan.firstSequence;
    this.#skip = plan.skip;
    this.#left = plan.take;
  }

  add(chunk: Buffer, emit: (plain: Buffer) => void): void {
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    for (;;) {
      if (this.#pendingBytes < headerBytes) return;
      const all = joined(this.#pending);
      this.#pending = [all];
      const plainBytes = all.readUInt32BE(4);
      if (all[0] !== formatVersion || plainBytes > packagePlainBytes || plainBytes === 0)
        throw corrupted('a package header is not valid');
      const packageBytes = headerBytes + plainBytes + tagBytes;
      if (this.#pendingBytes < packageBytes) return;
      const header = all.subarray(0, headerBytes);
      const decipher = createDecipheriv(
        'aes-256-gcm',
        this.#key,
        ivOf(header.subarray(8, 16), this.#sequence),
      );
      decipher.setAAD(header);
      decipher.setAuthTag(all.subarray(headerBytes + plainBytes, packageBytes));
      let plain: Buffer;
      try {
        plain = decipher.update(all.subarray(headerBytes, headerBytes + plainBytes));
        // GCM's final() yields nothing more: it checks the tag.
        decipher.final();
      } catch {
        throw corrupted(`package ${this.#sequence} does not authenticate`);
      }
      const rest = all.subarray(packageBytes);
      this.#pending = rest.length === 0 ? [] : [rest];
      this.#pendingBytes = rest.length;
      const last = ((header[1] ?? 0) & lastFlag) !== 0;
      if (!last && plainBytes !== packagePlainBytes) throw corrupted('a short package not last');
      // The next segment (the next part of a multipart object) starts again at 0.
      this.#sequence = last ? 0 : this.#sequence + 1;
      this.#cut(plain, emit);
    }
  }

  finish(): void {
    if (this.#left > 0 || this.#pendingBytes > 0)
      throw corrupted(`the encrypted data ends ${this.#left} bytes short`);
  }

  /** The part of a package's plaintext inside the plan's range. */
  #cut(plain: Buffer, emit: (plain: Buffer) => void): void {
    const from = Math.min(this.#skip, plain.length);
    this.#skip -= from;
    const to = Math.min(plain.length, from + this.#left);
    if (to > from) {
      emit(plain.subarray(from, to));
      this.#left -= to - from;
    }
  }
}

/**
 * Decrypts the packages of a plan: stored bytes in, the plan's plaintext out. A package that does
 * not authenticate, or bytes that end before the plan's last one, fail with ObjectCorrupted.
 */
export class PackageDecryptor extends Transform {
  readonly #opener: PackageOpener;

  constructor(key: Buffer, plan: OpenPlan) {
    super();
    this.#opener = new PackageOpener(key, plan);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    try {
      const plain: Buffer[] = [];
      this.#opener.add(chunk, (piece) => plain.push(piece));
      // One chunk per input chunk: a socket gets one write per read from disk, not per package.
      if (plain.length > 0) this.push(joined(plain));
      done();
    } catch (error) {
      done(error as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      this.#opener.finish();
      done();
    } catch (error) {
      done(error as Error);
    }
  }
}

/**
 * The plan's plaintext of stored bytes held in memory, decrypted in place: each package's plaintext
 * is copied back into `stored` (it never starts after its own package), and the result is the
 * front of `stored` — a buffer already paid for, where joining fresh pieces would cost about as
 * much again as the decryption. Throws ObjectCorrupted as PackageDecryptor fails (`stored` is
 * then partly overwritten).
 */
export function decryptPackagesInPlace(key: Buffer, plan: OpenPlan, stored: Buffer): Buffer {
  const opener = new PackageOpener(key, plan);
  let written = 0;
  opener.add(stored, (piece) => {
    written += piece.copy(stored, written);
  });
  opener.finish();
  return stored.subarray(0, written);
}

function corrupted(detail: string): StoreError {
  return new StoreError('ObjectCorrupted', `encrypted object: ${detail}`);
}
