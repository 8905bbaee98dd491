// Identifiers: random ones (node IDs, cluster UUIDs, listing sessions: short, URL-safe,
// alphanumeric) and request IDs, which are made on every request and so must cost next to nothing.
import { randomBytes } from 'node:crypto';

const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A random alphanumeric string of `length` characters. */
export function randomId(length = 10): string {
  const bytes = randomBytes(length);
  let id = '';
  for (const byte of bytes) id += alphabet[byte % alphabet.length];
  return id;
}

/**
 * Random per process (48 bits), so IDs stay unique across nodes and restarts without asking the
 * kernel for randomness per request: a per-request `randomBytes` was 2-4% of a gateway's CPU.
 */
const requestIdPrefix = randomId(8);
let requestCounter = 0;

/** A request ID unique across processes: this process's random prefix and a counter (base 36). */
export function requestId(): string {
  requestCounter = requestCounter >= Number.MAX_SAFE_INTEGER ? 1 : requestCounter + 1;
  return `${requestIdPrefix}${requestCounter.toString(36).padStart(6, '0')}`;
}
