// A small seeded PRNG for randomized tests (sfc32): the same seed gives the same choices, so a
// failing run can be repeated with CAIRN_CHAOS_SEED.

/** Default seed of the chaos tests; CAIRN_CHAOS_SEED (decimal or 0x hex) overrides it. */
export const defaultChaosSeed = 0x5eed_ca19;

export function chaosSeed(): number {
  const given = process.env['CAIRN_CHAOS_SEED'];
  if (given === undefined || given.trim() === '') return defaultChaosSeed;
  const parsed = Number(given.trim());
  if (!Number.isSafeInteger(parsed))
    throw new Error(`CAIRN_CHAOS_SEED "${given}" is not an integer`);
  return parsed >>> 0;
}

/** FNV-1a of a string: a 32-bit seed derived from a name. */
export function seedOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export class Prng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    this.#a = 0x9e3779b9;
    this.#b = 0x243f6a88;
    this.#c = 0xb7e15162;
    this.#d = seed >>> 0;
    for (let i = 0; i < 12; i += 1) this.next();
  }

  /** A uniform 32-bit unsigned integer. */
  next(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** A float in [0, 1). */
  float(): number {
    return this.next() / 0x1_0000_0000;
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.float() < probability;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(0, items.length - 1)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  /** One of `choices` with probability proportional to its weight. */
  weighted<T>(choices: readonly (readonly [T, number])[]): T {
    const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
    let point = this.float() * total;
    for (const [item, weight] of choices) {
      point -= weight;
      if (point < 0) return item;
    }
    const last = choices[choices.length - 1];
    if (last === undefined) throw new Error('weighted pick from an empty list');
    return last[0];
  }

  /** `length` pseudo-random bytes. */
  fill(target: Buffer, offset = 0): Buffer {
    let i = offset;
    for (; i + 4 <= target.length; i += 4) target.writeUInt32LE(this.next(), i);
    for (; i < target.length; i += 1) target[i] = this.next() & 0xff;
    return target;
  }
}
