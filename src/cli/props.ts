// Bucket property arguments and display: `key.sub=value` assignments into a nested update, and
// nested props flattened into `key.sub = value` lines, with values people read (permission names,
// dates) where the wire has raw numbers.
import type { BucketPropsUpdateJson } from '../sdk/index.js';
import { asRecord } from '../util/json.js';
import { describeAccess, parseAccess } from '../wire/index.js';
import { UsageError } from './cli-errors.js';
import { formatNanoseconds } from './object-commands.js';

type Scalar = string | number | boolean;

/**
 * Parses `key=value` assignments (`checksum.type=md5`, `mirror.copies=2`) into a nested partial
 * update. A value takes the type of the current value at that key when known; otherwise
 * `true`/`false` and numbers are parsed, anything else is a string. `access` takes permission
 * names too (and is sent as AIStore's decimal string).
 */
export function parseAssignments(
  assignments: readonly string[],
  current?: unknown,
): BucketPropsUpdateJson {
  if (assignments.length === 0) throw new UsageError('expected at least one key=value');
  const update: Record<string, unknown> = {};
  for (const assignment of assignments) {
    const separator = assignment.indexOf('=');
    const key = assignment.slice(0, Math.max(separator, 0)).trim();
    if (separator <= 0 || !/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(key)) {
      throw new UsageError(
        `invalid property "${assignment}" (expected key=value, e.g. mirror.copies=2)`,
      );
    }
    const path = key.split('.');
    const text = assignment.slice(separator + 1).trim();
    setPath(
      update,
      path,
      key === 'access' ? accessValue(text) : parseValue(text, valueAt(current, path), key),
    );
  }
  return update;
}

/** `[["checksum.type", "xxhash"], ...]` in the props' own order. */
export function flattenProps(value: unknown, prefix = ''): [string, string][] {
  const record = asRecord(value);
  if (record === undefined) return [[prefix, formatScalar(value)]];
  const lines: [string, string][] = [];
  for (const [key, item] of Object.entries(record)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (asRecord(item) !== undefined && Object.keys(item as object).length > 0) {
      lines.push(...flattenProps(item, path));
    } else {
      lines.push([path, formatScalar(item)]);
    }
  }
  return lines;
}

/** Wire values that mean something else to people, by flattened key. */
const readableValues: Readonly<Record<string, (value: string) => string | undefined>> = {
  access: describeAccess,
  created: (value) => (/^\d+$/.test(value) ? formatNanoseconds(BigInt(value)) : undefined),
};

/**
 * `flattenProps` with readable values: `access` as permission names (`su (all)`, `ro: GET,...`),
 * `created` as a date. A value that cannot be read so is shown raw.
 */
export function readableProps(value: unknown): [string, string][] {
  return flattenProps(value).map(([key, raw]) => {
    const readable = readableValues[key]?.(raw);
    return [key, readable ?? raw];
  });
}

/** `access=` takes a decimal mask, `ro`, `rw`, `su`, `none`, or permission names (`GET,PUT`). */
function accessValue(text: string): string {
  const mask = parseAccess(text);
  if (mask === undefined) {
    throw new UsageError(
      `property "access" expects a number, ro, rw, su, none, or permission names like GET,HEAD-OBJECT; got "${text}"`,
    );
  }
  return mask;
}

function formatScalar(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  return JSON.stringify(value);
}

function parseValue(text: string, currentValue: unknown, key: string): Scalar {
  if (typeof currentValue === 'string') return text;
  if (typeof currentValue === 'boolean' || text === 'true' || text === 'false') {
    if (text === 'true') return true;
    if (text === 'false') return false;
    throw new UsageError(`property "${key}" expects true or false, got "${text}"`);
  }
  const number = Number(text);
  if (text !== '' && Number.isFinite(number)) return number;
  if (typeof currentValue === 'number') {
    throw new UsageError(`property "${key}" expects a number, got "${text}"`);
  }
  return text;
}

function valueAt(value: unknown, path: readonly string[]): unknown {
  let node = value;
  for (const key of path) node = asRecord(node)?.[key];
  return node;
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: Scalar): void {
  let node = target;
  path.slice(0, -1).forEach((key) => {
    const next = asRecord(node[key]) ?? {};
    node[key] = next;
    node = next;
  });
  node[path[path.length - 1] ?? ''] = value;
}
