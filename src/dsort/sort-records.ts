// Phase 2: the order of all records (AIStore's algorithms). `alphanumeric` and `content` compare
// keys (increasing, or decreasing); `md5` orders by the MD5 of the key; `shuffle` permutes the
// records, sorted by key first so that the same seed gives the same order whatever order the
// targets answered in; `none` keeps the input order (shard by shard, as each shard holds them).
import { createHash, randomInt } from 'node:crypto';
import type { DsortRecordJson } from '../wire/index.js';
import type { Algorithm } from './request-spec.js';

type Compare = (a: DsortRecordJson, b: DsortRecordJson) => number;

function compareValues(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const left = String(a);
  const right = String(b);
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Ties are broken by input place, so the order never depends on who answered first. */
const byInputPlace: Compare = (a, b) => compareValues(a.shard, b.shard) || a.position - b.position;

const byKey: Compare = (a, b) => compareValues(a.key, b.key) || byInputPlace(a, b);

function md5(text: string): string {
  return createHash('md5').update(text).digest('hex');
}

/** Sorts `records` in place as the algorithm says. */
export function sortRecords(records: DsortRecordJson[], algorithm: Algorithm): void {
  const direction = algorithm.decreasing ? -1 : 1;
  switch (algorithm.kind) {
    case 'alphanumeric':
      records.sort((a, b) => direction * byKey(a, b));
      return;
    case 'content':
      records.sort(
        (a, b) => direction * (compareValues(a.content ?? '', b.content ?? '') || byKey(a, b)),
      );
      return;
    case 'md5': {
      const digests = new Map(records.map((record) => [record, md5(record.key)]));
      records.sort(
        (a, b) =>
          direction * (compareValues(digests.get(a) ?? '', digests.get(b) ?? '') || byKey(a, b)),
      );
      return;
    }
    case 'shuffle':
      records.sort(byKey);
      shuffle(records, BigInt(algorithm.seed === '' ? randomInt(2 ** 47) : algorithm.seed));
      return;
    case 'none':
      records.sort(byInputPlace);
      return;
  }
}

/** Fisher-Yates with a seeded generator (SplitMix64 over BigInt: exact for any 64-bit seed). */
function shuffle(records: DsortRecordJson[], seed: bigint): void {
  let state = seed;
  const mask = (1n << 64n) - 1n;
  const next = (): bigint => {
    state = (state + 0x9e3779b97f4a7c15n) & mask;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & mask;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & mask;
    return z ^ (z >> 31n);
  };
  for (let index = records.length - 1; index > 0; index -= 1) {
    const other = Number(next() % BigInt(index + 1));
    const held = records[index] as DsortRecordJson;
    records[index] = records[other] as DsortRecordJson;
    records[other] = held;
  }
}
