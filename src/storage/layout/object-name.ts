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
  // Most names are ASCII: checked in one pass, with no regular expression, array or string made
  // (every read of an object checks its name, some twice: ten thousand a 4 KiB archive job).
  if (name.length <= maxObjectNameBytes && isPlainValidName(name)) return;
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
  const plain = isPlainNaturalName(name, objectRoot);
  if (plain !== undefined) return plain;
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

const slash = 0x2f;
const dot = 0x2e;

/**
 * True when `name` is non-empty ASCII with no NUL and no ".." segment (so valid: its UTF-8 length
 * is its length, the caller checked that); false when it is not that (the full checks decide).
 */
function isPlainValidName(name: string): boolean {
  const length = name.length;
  if (length === 0) return false;
  let segmentStart = 0;
  for (let index = 0; index <= length; index += 1) {
    const code = index === length ? slash : name.charCodeAt(index);
    if (code === slash) {
      if (index - segmentStart === 2 && name.charCodeAt(index - 1) === dot) {
        if (name.charCodeAt(index - 2) === dot) return false;
      }
      segmentStart = index + 1;
    } else if (code === 0 || code >= 0x80) return false;
  }
  return true;
}

/** The last object root asked about and its UTF-8 length (a target has one per mountpath). */
let lastRoot = '';
let lastRootBytes = 0;

/**
 * `isNaturallyStorable` of an ASCII name (valid, so no NUL) in one pass: each segment's length is
 * its UTF-8 length. Undefined for any other name (the full checks decide).
 */
function isPlainNaturalName(name: string, objectRoot: string): boolean | undefined {
  const length = name.length;
  if (objectRoot !== lastRoot) {
    lastRootBytes = Buffer.byteLength(objectRoot, 'utf8');
    lastRoot = objectRoot;
  }
  let natural = lastRootBytes + 1 + length <= maxPathBytes;
  let segmentStart = 0;
  for (let index = 0; index <= length; index += 1) {
    const code = index === length ? slash : name.charCodeAt(index);
    if (code >= 0x80) return undefined;
    if (code !== slash) continue;
    const segmentLength = index - segmentStart;
    if (
      segmentLength === 0 ||
      segmentLength > maxSegmentBytes ||
      (segmentLength === 1 && name.charCodeAt(segmentStart) === dot) ||
      (segmentStart === 0 && segmentLength === 66 && isHashedEntryName(name.slice(0, 66)))
    )
      natural = false;
    segmentStart = index + 1;
  }
  return natural;
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
