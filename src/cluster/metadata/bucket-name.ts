// Bucket name rules (AIStore's: letters, digits, '-', '_', '.'; not "." or ".."), checked on every request.
import { invalidBucketName } from '../../errors/index.js';

export const maxBucketNameLength = 64;

/** Throws InvalidBucketName unless `name` is a valid bucket name. */
export function validateBucketName(name: string): void {
  if (name.length === 0) throw invalidBucketName(name, 'empty name');
  if (name.length > maxBucketNameLength) {
    throw invalidBucketName(name, `longer than ${maxBucketNameLength} characters`);
  }
  if (name === '.' || name === '..') throw invalidBucketName(name, 'reserved name');
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) {
    throw invalidBucketName(
      name,
      'may only contain letters, numbers, dashes (-), underscores (_), and dots (.)',
    );
  }
}
