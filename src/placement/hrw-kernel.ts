// The HRW kernel instance and its memory: the caller's name (UTF-8) and digest table are copied in,
// the kernel hashes and weighs them with native 64-bit arithmetic (no BigInt on the hot path).
import { invariant } from '../util/assert.js';
import { assembleKernel } from './hrw-program.js';

interface KernelExports {
  readonly memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  hash(pointer: number, length: number): bigint;
  mix(value: bigint): bigint;
  ownerByDigest(digest: bigint, table: number, count: number): number;
  ownerByName(pointer: number, length: number, table: number, count: number): number;
  weightsByDigest(digest: bigint, table: number, count: number, out: number): void;
  weightsByName(pointer: number, length: number, table: number, count: number, out: number): void;
}

// The WebAssembly global, typed just as far as the kernel uses it (the DOM lib is not loaded).
interface WebAssemblyApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: unknown };
}

const { WebAssembly: webAssembly } = globalThis as unknown as { WebAssembly: WebAssemblyApi };
// Compiled once at load (about 1 KiB of code); never on a request path.
const kernel = new webAssembly.Instance(new webAssembly.Module(assembleKernel()), {})
  .exports as KernelExports;

const pageBytes = 65536;
const encoder = new TextEncoder();

// Memory layout: [0, nameCapacity) the name's UTF-8 bytes, then the digest table (8 bytes per
// candidate), then the weights (8 bytes per candidate). The table stays loaded across calls until
// another table (or a longer name, which moves it) replaces it.
let nameCapacity = 4096;
let bytes = new Uint8Array(kernel.memory.buffer);
let view = new DataView(kernel.memory.buffer);
let nameArea = bytes.subarray(0, nameCapacity);
let loadedTable: Uint8Array | undefined;

function ensureMemory(requiredBytes: number): void {
  const missing = requiredBytes - kernel.memory.buffer.byteLength;
  if (missing <= 0) return;
  kernel.memory.grow(Math.ceil(missing / pageBytes));
  bytes = new Uint8Array(kernel.memory.buffer);
  view = new DataView(kernel.memory.buffer);
  nameArea = bytes.subarray(0, nameCapacity);
}

/** Writes `name` as UTF-8 at offset 0 and returns its length in bytes. */
function writeName(name: string): number {
  // UTF-8 takes at most 3 bytes per UTF-16 code unit (a surrogate pair: 4 bytes for 2 units).
  if (name.length * 3 > nameCapacity) {
    while (name.length * 3 > nameCapacity) nameCapacity *= 2;
    loadedTable = undefined;
    ensureMemory(nameCapacity);
    nameArea = bytes.subarray(0, nameCapacity);
  }
  const { read, written } = encoder.encodeInto(name, nameArea);
  invariant(read === name.length, 'the name area holds the whole name');
  return written;
}

/** Loads a table of little-endian uint64 digests; returns its offset. */
function loadTable(table: Uint8Array, withWeights: boolean): number {
  ensureMemory(nameCapacity + table.length * (withWeights ? 2 : 1));
  if (loadedTable !== table) {
    bytes.set(table, nameCapacity);
    loadedTable = table;
  }
  return nameCapacity;
}

/** Index of the highest-weight digest in `table` for the object `name`, or -1 for an empty table. */
export function ownerIndexByName(name: string, table: Uint8Array): number {
  const length = writeName(name);
  return kernel.ownerByName(0, length, loadTable(table, false), table.length / 8);
}

/** As `ownerIndexByName`, for an object digest already computed. */
export function ownerIndexByDigest(digest: bigint, table: Uint8Array): number {
  return kernel.ownerByDigest(digest, loadTable(table, false), table.length / 8);
}

/**
 * The weight of every digest in `table` for the object (a name, or its digest): entry `i` is
 * `high[i] * 2^32 + low[i]`, both uint32.
 */
export function weightsOf(
  object: string | bigint,
  table: Uint8Array,
): { high: Uint32Array; low: Uint32Array } {
  const count = table.length / 8;
  const length = typeof object === 'string' ? writeName(object) : 0;
  const offset = loadTable(table, true);
  const out = offset + table.length;
  if (typeof object === 'string') kernel.weightsByName(0, length, offset, count, out);
  else kernel.weightsByDigest(object, offset, count, out);
  const high = new Uint32Array(count);
  const low = new Uint32Array(count);
  for (let index = 0; index < count; index += 1) {
    low[index] = view.getUint32(out + 8 * index, true); // WebAssembly memory is little-endian
    high[index] = view.getUint32(out + 8 * index + 4, true);
  }
  return { high, low };
}

/** XXH64(UTF-8 of `text`, placementSeed), through the kernel (for tests against the native hash). */
export function kernelDigest(text: string): bigint {
  return BigInt.asUintN(64, kernel.hash(0, writeName(text)));
}

/** The kernel's mixer (for tests against `mix64`). */
export function kernelMix(value: bigint): bigint {
  return BigInt.asUintN(64, kernel.mix(value));
}
