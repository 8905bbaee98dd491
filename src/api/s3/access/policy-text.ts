// What the policy parser and the condition operators share: the MalformedPolicy error, value
// lists and the `*`/`?` glob match of actions, resources and StringLike.
import { StoreError } from '../../../errors/index.js';

export function malformedPolicy(message: string): StoreError {
  return new StoreError('MalformedPolicy', message);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string or a non-empty list of strings, as a list. */
export function stringList(value: unknown, what: string): string[] {
  const items: unknown[] = Array.isArray(value) ? (value as unknown[]) : [value];
  const strings = items.filter((item): item is string => typeof item === 'string');
  if (items.length === 0 || strings.length !== items.length) {
    throw malformedPolicy(`${what} must be a string or a list of strings`);
  }
  return strings;
}

const noLiterals: ReadonlySet<number> = new Set();

/**
 * Glob match with `*` (any run) and `?` (one character); case-insensitive when asked. Positions
 * in `literal` (a policy variable's value) match only themselves.
 */
export function wildcardMatch(
  pattern: string,
  value: string,
  ignoreCase: boolean,
  literal = noLiterals,
): boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const v = ignoreCase ? value.toLowerCase() : value;
  const wild = (index: number, character: string): boolean =>
    p[index] === character && !literal.has(index);
  // Iterative matching with one backtrack point: linear for the patterns policies hold.
  let pi = 0;
  let vi = 0;
  let star = -1;
  let mark = 0;
  while (vi < v.length) {
    if (pi < p.length && (wild(pi, '?') || p[pi] === v[vi])) {
      pi += 1;
      vi += 1;
    } else if (pi < p.length && wild(pi, '*')) {
      star = pi;
      mark = vi;
      pi += 1;
    } else if (star >= 0) {
      pi = star + 1;
      mark += 1;
      vi = mark;
    } else return false;
  }
  while (pi < p.length && wild(pi, '*')) pi += 1;
  return pi === p.length;
}
