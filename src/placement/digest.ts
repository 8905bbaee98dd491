// Digests for placement: XXH64 with AIStore's seed (MLCG32) and the xoshiro256 mixer.
import { xxh64 } from '@node-rs/xxhash';

/** AIStore's hashing seed (`cos.MLCG32`). */
export const placementSeed = 1103515245n;

const mask64 = 0xffffffffffffffffn;

/** XXH64(text, MLCG32): node ID digests, mountpath digests, object uname digests. */
export function placementDigest(text: string): bigint {
  return xxh64(text, placementSeed);
}

/** AIStore's `xoshiro256.Hash`: a splitmix-style 64-bit mixer, all arithmetic mod 2^64. */
export function mix64(value: bigint): bigint {
  let z = (value + 0x9e3779b97f4a7c15n) & mask64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & mask64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & mask64;
  z = ((z ^ (z >> 31n)) + 0x9e3779b97f4a7c15n) & mask64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & mask64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & mask64;
  z = ((z ^ (z >> 31n)) * 5n) & mask64;
  const rotated = ((z << 7n) | (z >> 57n)) & mask64;
  return (rotated * 9n) & mask64;
}
