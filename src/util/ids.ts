// Identifiers: random ones (node IDs, cluster UUIDs, listing sessions: short, URL-safe,
// alphanumeric), object version IDs (drawn by storage, checked by the S3 API before any lookup) and
// request IDs, which are made on every request and so must cost next to nothing.
import { randomBytes } from 'node:crypto';

const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A random alphanumeric string of `length` characters. */
export function randomId(length = 10): string {
  const bytes = randomBytes(length);
  let id = '';
  for (const byte of bytes) id += alphabet[byte % alphabet.length];
  return id;
}

/** S3's version ID of objects written while a bucket kept no history (and in Suspended state). */
export const nullVersionId = 'null';

const versionIdLength = 32;
const versionIdPattern = /^(null|[A-Za-z0-9]{32})$/;

/** As long as any version ID: for size checks of a record before its ID is drawn. */
export const longestVersionId = 'x'.repeat(versionIdLength);

/** A fresh, opaque version ID: 32 letters and digits. */
export function newVersionId(): string {
  return randomId(versionIdLength);
}

/** True for `null` and IDs of the `newVersionId` form (anything else cannot name a version). */
export function isVersionId(id: string): boolean {
  return versionIdPattern.test(id);
}

/**
 * Random per process (48 bits), so IDs stay unique across nodes and restarts without asking the
 * kernel for randomness per request: a per-request `randomBytes` was 2-4% of a gateway's CPU.
 */
const requestIdPrefix = randomId(8);
let requestCounter = 0;

/** The random half of `uniqueHex`, drawn again when its counter wraps. */
let hexPrefix = randomBytes(4).toString('hex');
let hexCounter = 0;

/**
 * 16 hex digits unique across processes and restarts: a random per-process half and a counter.
 * For names made on every write (work files), where a `randomBytes` per call cost 1-2% of a
 * target's CPU under small PUTs.
 */
export function uniqueHex(): string {
  if (hexCounter >= 0xffffffff) {
    hexPrefix = randomBytes(4).toString('hex');
    hexCounter = 0;
  }
  hexCounter += 1;
  return `${hexPrefix}${hexCounter.toString(16).padStart(8, '0')}`;
}

/** A request ID unique across processes: this process's random prefix and a counter (base 36). */
export function requestId(): string {
  requestCounter = requestCounter >= Number.MAX_SAFE_INTEGER ? 1 : requestCounter + 1;
  return `${requestIdPrefix}${requestCounter.toString(36).padStart(6, '0')}`;
}
