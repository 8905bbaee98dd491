// The proof a gateway adds to a 307 when AuthN is on: an HMAC, under the cluster's auth secret, of
// the method, path, redirecting gateway, time and a nonce (AIStore's `x` and `u` query parameters).
// A target serves an object request from a client only with a fresh, valid proof or a valid token,
// so a client cannot go around the gateway's permission check.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const RedirectProofQuery = {
  proxyId: 'pid',
  time: 'utm',
  nonce: 'x',
  signature: 'u',
} as const;

/** How long a proof is good for: a client follows a redirect at once. */
export const redirectProofLifetimeMs = 60_000;

function signature(secret: string, method: string, path: string, query: URLSearchParams): Buffer {
  const text = [
    method,
    path,
    query.get(RedirectProofQuery.proxyId) ?? '',
    query.get(RedirectProofQuery.time) ?? '',
    query.get(RedirectProofQuery.nonce) ?? '',
  ].join('\n');
  return createHmac('sha256', secret).update(text, 'utf8').digest();
}

/** Adds nonce and signature to a redirect's query (which already has pid and utm). */
export function signRedirect(
  secret: string,
  method: string,
  path: string,
  query: URLSearchParams,
): void {
  query.set(RedirectProofQuery.nonce, randomBytes(8).toString('base64url'));
  query.set(
    RedirectProofQuery.signature,
    signature(secret, method, path, query).toString('base64url'),
  );
}

/** True when the request carries a valid proof made less than a lifetime ago. */
export function verifyRedirect(
  secret: string,
  method: string,
  path: string,
  query: URLSearchParams,
  nowMs: number,
): boolean {
  const given = query.get(RedirectProofQuery.signature);
  const time = query.get(RedirectProofQuery.time);
  if (given === null || time === null || !/^[0-9a-z]{1,20}$/.test(time)) return false;
  // utm: Unix nanoseconds in base 36.
  let madeMs: number;
  try {
    madeMs = Number(
      [...time].reduce((sum, digit) => sum * 36n + BigInt(parseInt(digit, 36)), 0n) / 1_000_000n,
    );
  } catch {
    return false;
  }
  if (madeMs > nowMs + 5000 || nowMs - madeMs > redirectProofLifetimeMs) return false;
  const expected = signature(secret, method, path, query);
  const actual = Buffer.from(given, 'base64url');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
