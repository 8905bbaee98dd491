// Checksum type validation.
import { StoreError } from '../errors/index.js';
import { checksumTypeNames, type ChecksumTypeName } from '../wire/index.js';

export function isChecksumType(value: unknown): value is ChecksumTypeName {
  return typeof value === 'string' && (checksumTypeNames as readonly string[]).includes(value);
}

/** Validates a checksum type name, throwing InvalidChecksumType (AIStore's wording). */
export function parseChecksumType(value: string): ChecksumTypeName {
  if (isChecksumType(value)) return value;
  throw new StoreError(
    'InvalidChecksumType',
    `invalid checksum type "${value}" (expecting ${checksumTypeNames.join(', ')})`,
  );
}
