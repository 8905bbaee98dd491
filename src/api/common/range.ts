// HTTP Range header: one `bytes=` range resolved against the object size (RFC 9110 §14).
import { StoreError } from '../../errors/index.js';

export interface ResolvedRange {
  start: number;
  /** Inclusive. */
  end: number;
}

/**
 * Resolves a Range header. Returns undefined when the header is absent or holds several ranges
 * (served whole, as RFC 9110 allows). Throws InvalidRange when unsatisfiable or malformed.
 */
export function resolveRange(header: string | undefined, size: number): ResolvedRange | undefined {
  if (header === undefined || header === '') return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null) {
    if (hasSeveralRanges(header)) return undefined;
    throw invalidRange(header, size);
  }
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') throw invalidRange(header, size);
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) throw invalidRange(header, size);
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size || (last !== '' && Number(last) < start)) throw invalidRange(header, size);
  return { start, end };
}

/**
 * The Range header as S3 reads it: undefined (the whole object, 200) for any header S3 ignores —
 * not one `bytes=first-last` / `first-` / `-suffix` (garbage, other units, several ranges, `bytes=-`)
 * or a last byte before the first (`bytes=3-0`). What is left is resolved as usual: a first byte
 * past the end or `bytes=-0` is 416.
 */
export function rangeS3Reads(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  if (first !== '' && last !== '' && Number(last) < Number(first)) return undefined;
  return header;
}

/** True when the header asks for several ranges (`bytes=0-1,5-6`). */
export function hasSeveralRanges(header: string | undefined): boolean {
  return header !== undefined && /^bytes=.+,/.test(header.trim());
}

function invalidRange(header: string, size: number): StoreError {
  return new StoreError(
    'InvalidRange',
    `range "${header}" is not satisfiable (object size ${size})`,
  );
}
