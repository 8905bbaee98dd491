// Bucket access permissions (AIStore's `apc.AccessAttrs`): a bitmask, sent as a decimal string in
// bucket props, one bit per operation, named as AIStore names them.
import { accessAll } from './bucket-props.js';

/** Permission names by bit, in AIStore's order (`api/apc/access.go`). */
export const accessPermissions: readonly string[] = [
  'GET',
  'HEAD-OBJECT',
  'PUT',
  'APPEND',
  'DELETE-OBJECT',
  'MOVE-OBJECT',
  'PROMOTE',
  'DISCONNECTED-BACKEND',
  'HEAD-BUCKET',
  'LIST-OBJECTS',
  'PATCH',
  'SET-BUCKET-ACL',
  'LIST-BUCKETS',
  'SHOW-CLUSTER',
  'CREATE-BUCKET',
  'DESTROY-BUCKET',
  'MOVE-BUCKET',
  'ADMIN',
];

const bit = (name: string): bigint => 1n << BigInt(accessPermissions.indexOf(name));
const union = (names: readonly string[]): bigint =>
  names.reduce((mask, name) => mask | bit(name), 0n);

/** AIStore's shorthands: read-only, read-write, and everything (`su`). */
export const accessReadOnly = union([
  'GET',
  'HEAD-OBJECT',
  'LIST-BUCKETS',
  'HEAD-BUCKET',
  'LIST-OBJECTS',
]);
export const accessReadWrite =
  accessReadOnly | union(['PUT', 'APPEND', 'DELETE-OBJECT', 'MOVE-OBJECT']);
const everyKnownBit = (1n << BigInt(accessPermissions.length)) - 1n;

/**
 * The permissions of a mask as people read them: `none`; `su (all)` when every permission is
 * granted; else `ro: ...` / `rw: ...` for AIStore's shorthands, or the names joined with `,`
 * (unknown bits as `bit<N>`). Undefined when `value` is not a decimal mask.
 */
export function describeAccess(value: string): string | undefined {
  if (!/^\d+$/.test(value)) return undefined;
  const mask = BigInt(value);
  if (mask === 0n) return 'none';
  if ((mask & everyKnownBit) === everyKnownBit) return 'su (all)';
  const names: string[] = [];
  for (let index = 0; 1n << BigInt(index) <= mask; index += 1) {
    if ((mask & (1n << BigInt(index))) === 0n) continue;
    names.push(accessPermissions[index] ?? `bit${index}`);
  }
  const list = names.join(',');
  if (mask === accessReadOnly) return `ro: ${list}`;
  if (mask === accessReadWrite) return `rw: ${list}`;
  return list;
}

/**
 * A mask from what people write: a decimal mask as is; `ro`, `rw`, `su`, `none`; or permission
 * names joined with `,` (case-insensitive). Undefined for anything else.
 */
export function parseAccess(text: string): string | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return trimmed;
  const lower = trimmed.toLowerCase();
  if (lower === 'su') return accessAll;
  if (lower === 'none') return '0';
  if (lower === 'ro') return String(accessReadOnly);
  if (lower === 'rw') return String(accessReadWrite);
  let mask = 0n;
  for (const name of trimmed.split(',')) {
    const index = accessPermissions.indexOf(name.trim().toUpperCase());
    if (index < 0) return undefined;
    mask |= 1n << BigInt(index);
  }
  return String(mask);
}
