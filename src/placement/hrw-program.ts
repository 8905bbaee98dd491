// The HRW kernel as a WebAssembly program: XXH64 of a name, AIStore's mixer, and the argmax (or all
// weights) over a table of little-endian uint64 digests. Native i64 arithmetic is exactly mod 2^64,
// the BigInt definitions in digest.ts are the reference, and the tests hold the two together.
import { placementSeed } from './digest.js';
import { assembleModule, instruction, opcode, type WasmFunction } from './wasm-encoder.js';

const { localGet: get, localSet: set, i64Const: constant, i32Const: constant32 } = instruction;
const { i64Add: add, i64Mul: multiply, i64Xor: xor, i64Rotl: rotateLeft } = opcode;

// XXH64 primes (xxhash spec).
const prime1 = 0x9e3779b185ebca87n;
const prime2 = 0xc2b2ae3d27d4eb4fn;
const prime3 = 0x165667b19e3779f9n;
const prime4 = 0x85ebca77c2b2ae63n;
const prime5 = 0x27d4eb2f165667c5n;
const seed = placementSeed;

// Mixer constants, as in digest.ts `mix64`.
const golden = 0x9e3779b97f4a7c15n;
const mixMultiplierA = 0xbf58476d1ce4e5b9n;
const mixMultiplierB = 0x94d049bb133111ebn;

type Code = number | readonly number[];

/** Function indices in the module, for calls between them. */
const kernelFunctions = {
  hash: 0,
  mix: 1,
  ownerByDigest: 2,
  ownerByName: 3,
  weightsByDigest: 4,
  weightsByName: 5,
} as const;

/** `value ^ (value >> bits)` of local `value`, left on the stack. */
function xorShift(value: number, bits: bigint): Code[] {
  return [get(value), get(value), constant(bits), opcode.i64ShrU, xor];
}

/** Leaves `mix64(z)` on the stack; clobbers local `z`. */
function mix(z: number): Code[] {
  return [
    ...[get(z), constant(golden), add, set(z)],
    ...[...xorShift(z, 30n), constant(mixMultiplierA), multiply, set(z)],
    ...[...xorShift(z, 27n), constant(mixMultiplierB), multiply, set(z)],
    ...[...xorShift(z, 31n), constant(golden), add, set(z)],
    ...[...xorShift(z, 30n), constant(mixMultiplierA), multiply, set(z)],
    ...[...xorShift(z, 27n), constant(mixMultiplierB), multiply, set(z)],
    ...[...xorShift(z, 31n), constant(5n), multiply],
    ...[constant(7n), rotateLeft, constant(9n), multiply],
  ];
}

/** XXH64 round on the stack's top value: `rotl(value * prime2, 31) * prime1`. */
const round: Code[] = [
  constant(prime2),
  multiply,
  constant(31n),
  rotateLeft,
  constant(prime1),
  multiply,
];

/** `accumulator = rotl(accumulator + load64(pointer + offset) * prime2, 31) * prime1`. */
function accumulate(accumulator: number, pointer: number, offset: number): Code[] {
  return [
    get(accumulator),
    get(pointer),
    instruction.i64Load(offset),
    constant(prime2),
    multiply,
    add,
    constant(31n),
    rotateLeft,
    constant(prime1),
    multiply,
    set(accumulator),
  ];
}

/** `hash = (hash ^ round(lane)) * prime1 + prime4`. */
function merge(hash: number, lane: number): Code[] {
  return [
    get(hash),
    get(lane),
    ...round,
    xor,
    constant(prime1),
    multiply,
    constant(prime4),
    add,
    set(hash),
  ];
}

function advance(pointer: number, bytes: number): Code[] {
  return [get(pointer), constant32(bytes), opcode.i32Add, set(pointer)];
}

/** hash(pointer, length): XXH64(bytes, placementSeed) (xxhash spec, "XXH64 algorithm description"). */
function hashFunction(): WasmFunction {
  const [pointer, length, end, limit, hash, lane1, lane2, lane3, lane4] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8,
  ];
  const mask = (1n << 64n) - 1n;
  const stripes: Code[] = [
    ...[constant((seed + prime1 + prime2) & mask), set(lane1)],
    ...[constant((seed + prime2) & mask), set(lane2)],
    ...[constant(seed), set(lane3)],
    ...[constant((seed - prime1) & mask), set(lane4)],
    ...[get(end), constant32(32), opcode.i32Sub, set(limit)],
    instruction.loop(),
    ...[...accumulate(lane1, pointer, 0), ...accumulate(lane2, pointer, 8)],
    ...[...accumulate(lane3, pointer, 16), ...accumulate(lane4, pointer, 24)],
    ...[...advance(pointer, 32), get(pointer), get(limit), opcode.i32LeU, instruction.brIf(0)],
    opcode.end,
    ...[get(lane1), constant(1n), rotateLeft, get(lane2), constant(7n), rotateLeft, add],
    ...[get(lane3), constant(12n), rotateLeft, add, get(lane4), constant(18n), rotateLeft, add],
    ...[set(hash), ...merge(hash, lane1), ...merge(hash, lane2)],
    ...[...merge(hash, lane3), ...merge(hash, lane4)],
  ];
  const tail: Code[] = [
    ...[get(hash), get(length), opcode.i64ExtendI32U, add, set(hash)],
    ...[instruction.block(), instruction.loop()],
    ...[get(pointer), constant32(8), opcode.i32Add, get(end), opcode.i32GtU, instruction.brIf(1)],
    ...[get(hash), get(pointer), instruction.i64Load(0), ...round, xor],
    ...[constant(27n), rotateLeft, constant(prime1), multiply, constant(prime4), add, set(hash)],
    ...[...advance(pointer, 8), instruction.br(0), opcode.end, opcode.end],
    ...[get(pointer), constant32(4), opcode.i32Add, get(end), opcode.i32LeU, instruction.if()],
    ...[get(hash), get(pointer), instruction.i64Load32U(0), constant(prime1), multiply, xor],
    ...[constant(23n), rotateLeft, constant(prime2), multiply, constant(prime3), add, set(hash)],
    ...[...advance(pointer, 4), opcode.end],
    ...[instruction.block(), instruction.loop()],
    ...[get(pointer), get(end), opcode.i32GeU, instruction.brIf(1)],
    ...[get(hash), get(pointer), instruction.i64Load8U(0), constant(prime5), multiply, xor],
    ...[constant(11n), rotateLeft, constant(prime1), multiply, set(hash)],
    ...[...advance(pointer, 1), instruction.br(0), opcode.end, opcode.end],
  ];
  const avalanche: Code[] = [
    ...[...xorShift(hash, 33n), constant(prime2), multiply, set(hash)],
    ...[...xorShift(hash, 29n), constant(prime3), multiply, set(hash)],
    ...xorShift(hash, 32n),
  ];
  return {
    exportName: 'hash',
    params: ['i32', 'i32'],
    results: ['i64'],
    locals: ['i32', 'i32', 'i64', 'i64', 'i64', 'i64', 'i64'],
    body: [
      ...[get(pointer), get(length), opcode.i32Add, set(end)],
      ...[get(length), constant32(32), opcode.i32GeU, instruction.if(), ...stripes, opcode.else],
      ...[constant((seed + prime5) & mask), set(hash), opcode.end],
      ...tail,
      ...avalanche,
    ],
  };
}

/** Address of entry `index` (local) of the uint64 array at `base` (local), on the stack. */
function entryAddress(base: number, index: number): Code[] {
  return [get(base), get(index), constant32(3), opcode.i32Shl, opcode.i32Add];
}

/**
 * ownerByDigest(digest, table, count): the index of the highest `mix64(table[i] ^ digest)`, the
 * first on equal weights (as a strict `>` scan does), or -1 when `count` is 0.
 */
function ownerByDigestFunction(): WasmFunction {
  const [digest, table, count, index, best, bestWeight, z, weight] = [0, 1, 2, 3, 4, 5, 6, 7];
  return {
    exportName: 'ownerByDigest',
    params: ['i64', 'i32', 'i32'],
    results: ['i32'],
    locals: ['i32', 'i32', 'i64', 'i64', 'i64'],
    body: [
      ...[constant32(-1), set(best), instruction.block(), instruction.loop()],
      ...[get(index), get(count), opcode.i32GeU, instruction.brIf(1)],
      ...[...entryAddress(table, index), instruction.i64Load(0), get(digest), xor, set(z)],
      ...[...mix(z), set(weight)],
      ...[get(weight), get(bestWeight), opcode.i64GtU, get(best), constant32(0), opcode.i32LtS],
      ...[opcode.i32Or, instruction.if(), get(weight), set(bestWeight), get(index), set(best)],
      ...[opcode.end, ...advance(index, 1), instruction.br(0), opcode.end, opcode.end],
      get(best),
    ],
  };
}

/** weightsByDigest(digest, table, count, out): `out[i] = mix64(table[i] ^ digest)`. */
function weightsByDigestFunction(): WasmFunction {
  const [digest, table, count, out, index, z] = [0, 1, 2, 3, 4, 5];
  return {
    exportName: 'weightsByDigest',
    params: ['i64', 'i32', 'i32', 'i32'],
    results: [],
    locals: ['i32', 'i64'],
    body: [
      ...[instruction.block(), instruction.loop()],
      ...[get(index), get(count), opcode.i32GeU, instruction.brIf(1)],
      ...[...entryAddress(table, index), instruction.i64Load(0), get(digest), xor, set(z)],
      ...[...entryAddress(out, index), ...mix(z), instruction.i64Store(0)],
      ...[...advance(index, 1), instruction.br(0), opcode.end, opcode.end],
    ],
  };
}

/** The kernel module's bytes; functions in the order of `kernelFunctions`. */
export function assembleKernel(): Uint8Array {
  const { call } = instruction;
  return assembleModule(
    [
      hashFunction(),
      { exportName: 'mix', params: ['i64'], results: ['i64'], locals: [], body: mix(0) },
      ownerByDigestFunction(),
      {
        exportName: 'ownerByName',
        params: ['i32', 'i32', 'i32', 'i32'],
        results: ['i32'],
        locals: [],
        body: [
          get(0),
          get(1),
          call(kernelFunctions.hash),
          get(2),
          get(3),
          call(kernelFunctions.ownerByDigest),
        ],
      },
      weightsByDigestFunction(),
      {
        exportName: 'weightsByName',
        params: ['i32', 'i32', 'i32', 'i32', 'i32'],
        results: [],
        locals: [],
        body: [
          get(0),
          get(1),
          call(kernelFunctions.hash),
          get(2),
          get(3),
          get(4),
          call(kernelFunctions.weightsByDigest),
        ],
      },
    ],
    1,
  );
}
