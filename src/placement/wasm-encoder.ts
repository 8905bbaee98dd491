// A minimal WebAssembly binary encoder: just the instructions and sections the HRW kernel uses
// (one memory, i32/i64 functions, blocks and loops), so the kernel is written here, not shipped as bytes.

/** WebAssembly value types the kernel uses. */
export type ValueType = 'i32' | 'i64';

/** One function of the module; `exportName` makes it callable from JavaScript. */
export interface WasmFunction {
  readonly exportName?: string;
  readonly params: readonly ValueType[];
  readonly results: readonly ValueType[];
  /** Locals after the parameters, numbered from `params.length`. */
  readonly locals: readonly ValueType[];
  /** Instructions (opcodes, or an instruction's bytes with its immediates), without the closing `end`. */
  readonly body: readonly (number | readonly number[])[];
}

const valueTypeCodes: Record<ValueType, number> = { i32: 0x7f, i64: 0x7e };

/** Opcodes without immediates (WebAssembly core spec, §5.4). */
export const opcode = {
  end: 0x0b,
  else: 0x05,
  return: 0x0f,
  i32Eqz: 0x45,
  i32LtS: 0x48,
  i32LtU: 0x49,
  i32GtU: 0x4b,
  i32LeU: 0x4d,
  i32GeU: 0x4f,
  i64GtU: 0x56,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Shl: 0x74,
  i32Or: 0x72,
  i64Add: 0x7c,
  i64Sub: 0x7d,
  i64Mul: 0x7e,
  i64Xor: 0x85,
  i64ShrU: 0x88,
  i64Rotl: 0x89,
  i64ExtendI32U: 0xad,
} as const;

/** Unsigned LEB128 of a non-negative integer below 2^32. */
export function unsigned(value: number): number[] {
  const bytes: number[] = [];
  let rest = value >>> 0;
  do {
    const byte = rest & 0x7f;
    rest >>>= 7;
    bytes.push(rest === 0 ? byte : byte | 0x80);
  } while (rest !== 0);
  return bytes;
}

/** Signed LEB128 of a 64-bit two's-complement value (any bigint; taken mod 2^64). */
export function signed(value: bigint): number[] {
  const bytes: number[] = [];
  let rest = BigInt.asIntN(64, value);
  for (;;) {
    const byte = Number(rest & 0x7fn);
    rest >>= 7n; // arithmetic shift: keeps the sign
    const signBitClear = (byte & 0x40) === 0;
    if ((rest === 0n && signBitClear) || (rest === -1n && !signBitClear)) {
      bytes.push(byte);
      return bytes;
    }
    bytes.push(byte | 0x80);
  }
}

const emptyBlock = 0x40;

/** Instructions with immediates. */
export const instruction = {
  block: (): number[] => [0x02, emptyBlock],
  loop: (): number[] => [0x03, emptyBlock],
  if: (): number[] => [0x04, emptyBlock],
  br: (depth: number): number[] => [0x0c, ...unsigned(depth)],
  brIf: (depth: number): number[] => [0x0d, ...unsigned(depth)],
  call: (functionIndex: number): number[] => [0x10, ...unsigned(functionIndex)],
  localGet: (index: number): number[] => [0x20, ...unsigned(index)],
  localSet: (index: number): number[] => [0x21, ...unsigned(index)],
  localTee: (index: number): number[] => [0x22, ...unsigned(index)],
  i32Const: (value: number): number[] => [0x41, ...signed(BigInt(value | 0))],
  i64Const: (value: bigint): number[] => [0x42, ...signed(value)],
  // Memory access: alignment hint 0 (any address is valid) and a constant byte offset.
  i64Load: (offset = 0): number[] => [0x29, 0, ...unsigned(offset)],
  i64Load8U: (offset = 0): number[] => [0x31, 0, ...unsigned(offset)],
  i64Load32U: (offset = 0): number[] => [0x35, 0, ...unsigned(offset)],
  i64Store: (offset = 0): number[] => [0x37, 0, ...unsigned(offset)],
};

function vector(items: readonly number[][]): number[] {
  return [...unsigned(items.length), ...items.flat()];
}

function section(id: number, content: number[]): number[] {
  return [id, ...unsigned(content.length), ...content];
}

function name(text: string): number[] {
  const bytes = [...Buffer.from(text, 'utf8')];
  return [...unsigned(bytes.length), ...bytes];
}

function localGroups(locals: readonly ValueType[]): number[][] {
  const groups: number[][] = [];
  let index = 0;
  while (index < locals.length) {
    const type = locals[index] as ValueType;
    let count = 0;
    while (locals[index + count] === type) count += 1;
    groups.push([...unsigned(count), valueTypeCodes[type]]);
    index += count;
  }
  return groups;
}

/** A module with one exported memory (`memory`, `memoryPages` initial pages) and the functions. */
export function assembleModule(
  functions: readonly WasmFunction[],
  memoryPages: number,
): Uint8Array {
  const types = functions.map((fn) => [
    0x60,
    ...vector(fn.params.map((type) => [valueTypeCodes[type]])),
    ...vector(fn.results.map((type) => [valueTypeCodes[type]])),
  ]);
  const exports = functions.flatMap((fn, index) =>
    fn.exportName === undefined ? [] : [[...name(fn.exportName), 0x00, ...unsigned(index)]],
  );
  exports.push([...name('memory'), 0x02, 0]);
  const codes = functions.map((fn) => {
    const body = [...vector(localGroups(fn.locals)), ...fn.body.flat(), opcode.end];
    return [...unsigned(body.length), ...body];
  });
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // "\0asm", version 1
    ...section(1, vector(types)),
    ...section(3, vector(functions.map((_, index) => unsigned(index)))),
    ...section(5, vector([[0x00, ...unsigned(memoryPages)]])),
    ...section(7, vector(exports)),
    ...section(10, vector(codes)),
  ]);
}
