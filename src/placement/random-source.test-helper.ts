// A seeded random source for the placement tests, so that a failure replays exactly.

export interface RandomSource {
  /** A uniform integer in [0, bound), bound ≤ 2^32. */
  below(bound: number): number;
  /** A uniform unsigned 64-bit value. */
  uint64(): bigint;
  /** `length` UTF-16 code units: printable ASCII, or any code unit (lone surrogates included). */
  text(length: number, alphabet: 'ascii' | 'unicode'): string;
}

/** Mulberry32 for the bits: small, fast, and good enough to spread test inputs. */
export function randomSource(seed: number): RandomSource {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = Math.imul(state ^ (state >>> 15), state | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return (value ^ (value >>> 14)) >>> 0;
  };
  return {
    below: (bound) => Math.floor((next() / 2 ** 32) * bound),
    uint64: () => (BigInt(next()) << 32n) | BigInt(next()),
    text: (length, alphabet) => {
      const units = Array.from({ length }, () =>
        alphabet === 'ascii' ? 0x20 + (next() % 95) : next() % 0x10000,
      );
      return String.fromCharCode(...units);
    },
  };
}
