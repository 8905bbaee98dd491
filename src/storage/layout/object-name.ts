// Object names on disk: which names are valid at all, and which must be stored under a hashed file
// name ("fntl" in AIStore) because the name cannot be represented faithfully as a path.
import { createHash } from 'node:crypto';
import { invalidObjectName } from '../../errors/index.js';

/** S3's limit on the UTF-8 length of a key; longer names are rejected, not hashed. */
export const maxObjectNameBytes = 1024;
/** NAME_MAX of Linux file systems: a longer path segment cannot be a file or directory name. */
export const maxSegmentBytes = 255;
/** Below PATH_MAX (4096) with room to spare for work and quarantine paths. */
export const maxPathBytes = 4000;

const hashedEntryPrefix = '.x';
const hashedEntryPattern = /^\.x[0-9a-f]{64}$/;
// In Unicode mode a surrogate pair is one code point, so this matches only lone surrogates,
// which UTF-8 cannot encode (the file name would silently differ from the object name).
const loneSurrogatePattern = /\p{Surrogate}/u;

/** Throws `invalidObjectName` unless `name` can be an object name at all. */
export function validateObjectName(name: string): void {
  if (name.length === 0) throw invalidObjectName(name, 'empty name');
  if (name.includes('\0')) throw invalidObjectName(name, 'contains a NUL character');
  if (loneSurrogatePattern.test(name)) throw invalidObjectName(name, 'not valid UTF-8');
  if (Buffer.byteLength(name, 'utf8') > maxObjectNameBytes) {
    throw invalidObjectName(name, `longer than ${maxObjectNameBytes} bytes`);
  }
  if (name.split('/').includes('..')) {
    throw invalidObjectName(name, 'contains a ".." path segment');
  }
}

/**
 * True when `name` (already valid) can be stored as the path `<objectRoot>/<name>`. False means
 * the object lives under `hashedEntryName(name)` with its name kept in the metadata record.
 */
export function isNaturallyStorable(name: string, objectRoot: string): boolean {
  const pathBytes = Buffer.byteLength(objectRoot, 'utf8') + 1 + Buffer.byteLength(name, 'utf8');
  if (pathBytes > maxPathBytes) return false;
  const segments = name.split('/');
  // A first segment in our hashed form would be mistaken for a hashed file by listings.
  if (hashedEntryPattern.test(segments[0] ?? '')) return false;
  for (const segment of segments) {
    // Empty and "." segments would be normalised away by the file system: the name would change.
    if (segment === '' || segment === '.') return false;
    if (Buffer.byteLength(segment, 'utf8') > maxSegmentBytes) return false;
  }
  return true;
}

/**
 * Hashed entry names of recent names: a PUT asks for its name's three times or more (the lookup's
 * candidate on each mountpath, the destination), a SHA-256 each. Emptied when full: a bound
 * (`hashedNamesKept` x 1 KiB names at most), not an LRU.
 */
const hashedNames = new Map<string, string>();
const hashedNamesKept = 1024;

/** The file name of a hashed object: `.x` + SHA-256 (hex) of the full object name. */
export function hashedEntryName(name: string): string {
  const known = hashedNames.get(name);
  if (known !== undefined) return known;
  const hashed = hashedEntryPrefix + createHash('sha256').update(name, 'utf8').digest('hex');
  if (hashedNames.size >= hashedNamesKept) hashedNames.clear();
  hashedNames.set(name, hashed);
  return hashed;
}

/** True for a top-level `%ob` entry in hashed form (its real name is in its metadata). */
export function isHashedEntryName(entry: string): boolean {
  return hashedEntryPattern.test(entry);
}
