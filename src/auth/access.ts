// AIStore's access bits (apc.AccessAttrs): the same numeric values, so AIStore's tools and Cairn's
// read the same permissions in a token, a role or a user.

export const Access = {
  get: 1,
  objHead: 1 << 1,
  put: 1 << 2,
  append: 1 << 3,
  objDelete: 1 << 4,
  objMove: 1 << 5,
  promote: 1 << 6,
  objUpdate: 1 << 7,
  bckHead: 1 << 8,
  objList: 1 << 9,
  patch: 1 << 10,
  bckSetAcl: 1 << 11,
  listBuckets: 1 << 12,
  showCluster: 1 << 13,
  createBucket: 1 << 14,
  destroyBucket: 1 << 15,
  moveBucket: 1 << 16,
  admin: 1 << 17,
} as const;

/** AIStore's operation names of the bits (`apc.AccessOp`), which `perm` strings may also use. */
const operationNames: readonly [number, string][] = [
  [Access.get, 'GET'],
  [Access.objHead, 'HEAD-OBJECT'],
  [Access.put, 'PUT'],
  [Access.append, 'APPEND'],
  [Access.objDelete, 'DELETE-OBJECT'],
  [Access.objMove, 'MOVE-OBJECT'],
  [Access.promote, 'PROMOTE'],
  [Access.objUpdate, 'UPDATE-OBJECT'],
  [Access.bckHead, 'HEAD-BUCKET'],
  [Access.objList, 'LIST-OBJECTS'],
  [Access.patch, 'PATCH'],
  [Access.bckSetAcl, 'SET-BUCKET-ACL'],
  [Access.listBuckets, 'LIST-BUCKETS'],
  [Access.showCluster, 'SHOW-CLUSTER'],
  [Access.createBucket, 'CREATE-BUCKET'],
  [Access.destroyBucket, 'DESTROY-BUCKET'],
  [Access.moveBucket, 'MOVE-BUCKET'],
  [Access.admin, 'ADMIN'],
];

/** Read-only access to a bucket (AIStore `ro`). */
export const accessReadOnly =
  Access.get | Access.objHead | Access.listBuckets | Access.bckHead | Access.objList;
/** Read-write access to a bucket (AIStore `rw`). */
export const accessReadWrite =
  accessReadOnly | Access.put | Access.append | Access.objDelete | Access.objMove;
/**
 * Every bit, current and future (AIStore `su`: all 64 bits). Kept below 2^53 so it stays an exact
 * JavaScript number; it is written as AIStore writes it.
 */
export const accessAll = Number.MAX_SAFE_INTEGER;
const accessAllWire = '18446744073709551615';

/** True when `granted` includes every bit of `needed`. */
export function hasAccess(granted: number, needed: number): boolean {
  // Bits above 2^31 would be lost to JavaScript's 32-bit bitwise operators.
  if (granted === accessAll) return true;
  return (granted & needed) === needed;
}

/**
 * Parses a permission as users write it: a decimal number (AIStore's wire form), `ro`, `rw`, `su`,
 * or operation names separated by commas (`GET,HEAD-OBJECT`). Undefined when malformed.
 */
export function parseAccess(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === accessAllWire || trimmed === 'su') return accessAll;
  if (/^\d+$/.test(trimmed)) {
    const value = Number(trimmed);
    return Number.isSafeInteger(value) ? value : undefined;
  }
  if (trimmed === '') return 0;
  let access = 0;
  for (const word of trimmed.split(',').map((item) => item.trim().toUpperCase())) {
    if (word === 'RO') access |= accessReadOnly;
    else if (word === 'RW') access |= accessReadWrite;
    else {
      const bit = operationNames.find(([, name]) => name === word)?.[0];
      if (bit === undefined) return undefined;
      access |= bit;
    }
  }
  return access;
}

/** The wire form of a permission: a decimal string, as AIStore's `perm` fields carry it. */
export function accessToWire(access: number): string {
  return access === accessAll ? accessAllWire : String(access);
}

/** Operation names of the bits set, for messages and listings. */
export function describeAccess(access: number): string {
  if (access === accessAll) return 'su';
  if (access === 0) return 'none';
  return operationNames
    .filter(([bit]) => hasAccess(access, bit))
    .map(([, name]) => name)
    .join(',');
}

/** Both permissions together (`su` absorbs everything). */
export function unionAccess(a: number, b: number): number {
  return a === accessAll || b === accessAll ? accessAll : a | b;
}
