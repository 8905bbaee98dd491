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
