// The CRC of a concatenation from the CRCs of its pieces and their lengths, for S3's full-object
// checksums of multipart uploads: the object's CRC comes from the parts' CRCs without reading the
// parts again. The method is zlib's crc32_combine (multiplication modulo the polynomial in GF(2),
// with x^(2^k) mod P tabulated), written for any reflected CRC with all-ones init and final xor,
// which CRC32, CRC32C and CRC64/NVME all are. BigInt keeps one version for both widths; it runs
// once per part at completion, a few thousand operations each.

export interface ReflectedCrc {
  bits: 32 | 64;
  /** The polynomial, bit-reversed (as the table-driven implementations write it). */
  reversedPolynomial: bigint;
}

export const crc32Parameters: ReflectedCrc = { bits: 32, reversedPolynomial: 0xedb88320n };
export const crc32cParameters: ReflectedCrc = { bits: 32, reversedPolynomial: 0x82f63b78n };
export const crc64NvmeParameters: ReflectedCrc = {
  bits: 64,
  reversedPolynomial: 0x9a6c9329ac4bc9b5n,
};

class Gf2Polynomials {
  readonly #top: bigint;
  readonly #powers: bigint[] = [];

  constructor(private readonly crc: ReflectedCrc) {
    this.#top = 1n << BigInt(crc.bits - 1);
    // #powers[k] = x^(2^k) mod P; x^1 is the second-highest bit in reflected order.
    let power = this.#top >> 1n;
    for (let k = 0; k < crc.bits; k += 1) {
      this.#powers.push(power);
      power = this.multiply(power, power);
    }
  }

  /** a * b modulo P (reflected). */
  multiply(a: bigint, b: bigint): bigint {
    let mask = this.#top;
    let product = 0n;
    let factor = b;
    for (;;) {
      if ((a & mask) !== 0n) {
        product ^= factor;
        if ((a & (mask - 1n)) === 0n) return product;
      }
      mask >>= 1n;
      factor = (factor & 1n) !== 0n ? (factor >> 1n) ^ this.crc.reversedPolynomial : factor >> 1n;
    }
  }

  /** x^(n * 2^k) modulo P. */
  powerOfX(n: number, k: number): bigint {
    let result = this.#top; // x^0
    let index = k;
    for (let rest = BigInt(n); rest > 0n; rest >>= 1n, index += 1) {
      if ((rest & 1n) !== 0n)
        result = this.multiply(this.#powers[index % this.crc.bits] ?? 0n, result);
    }
    return result;
  }
}

const fields = new Map<ReflectedCrc, Gf2Polynomials>();

/** The CRC of A followed by B, given CRC(A), CRC(B) and B's length in bytes. */
export function combineCrc(
  crc: ReflectedCrc,
  first: bigint,
  second: bigint,
  secondBytes: number,
): bigint {
  let field = fields.get(crc);
  if (field === undefined) {
    field = new Gf2Polynomials(crc);
    fields.set(crc, field);
  }
  // Shifting A's CRC over B's bytes: times x^(8 * length), that is x^(length * 2^3).
  return field.multiply(field.powerOfX(secondBytes, 3), first) ^ second;
}
