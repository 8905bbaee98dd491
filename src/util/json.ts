// JSON with exact uint64 output: bigint values are written as bare integers (AIStore's `id_digest`).

import { randomBytes } from 'node:crypto';

// A per-process random marker, so no user string can collide with it.
const bigintMarker = `bigint-${randomBytes(8).toString('hex')}:`;
const markerPattern = new RegExp(`"${bigintMarker}(\\d+)"`, 'g');

/** JSON.stringify that writes bigint values as bare JSON numbers, digit for digit. */
export function stringifyJson(value: unknown, indent?: number): string {
  const text = JSON.stringify(
    value,
    (_key, item: unknown) => (typeof item === 'bigint' ? `${bigintMarker}${item}` : item),
    indent,
  );
  return text.replace(markerPattern, '$1');
}

/**
 * How deeply `text` nests arrays and objects, counted up to `limit + 1` (then it stops looking).
 * JSON.parse takes any depth, but JSON.stringify and recursive readers of the result overflow the
 * stack on a few thousand levels, so input from outside is measured before it is parsed.
 */
export function jsonNestingDepth(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 0x5c)
        index += 1; // backslash: skip the escaped character
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) inString = true;
    else if (code === 0x5b || code === 0x7b) {
      depth += 1;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (code === 0x5d || code === 0x7d) depth -= 1;
  }
  return deepest;
}

/**
 * Whether a parsed value nests arrays and objects more than `levels` deep (a scalar: 0, `[]`: 1);
 * the walk goes at most `levels + 1` frames down, whatever the value's depth.
 */
export function nestsDeeperThan(value: unknown, levels: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (levels <= 0) return true;
  if (Array.isArray(value)) {
    for (const element of value as unknown[]) if (nestsDeeperThan(element, levels - 1)) return true;
    return false;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) if (nestsDeeperThan(record[key], levels - 1)) return true;
  return false;
}

/** Parses JSON of unknown shape; callers validate what they read. */
export function parseJson(text: string): unknown {
  return JSON.parse(text) as unknown;
}

/** Narrows an unknown value to a plain object record, or undefined. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
