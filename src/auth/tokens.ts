// Tokens: JWTs signed by the AuthN service and verified by every node, with jose. HMAC (HS256)
// with a shared secret, or RSA (RS256) when the service has a private key and nodes its public key.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  randomUUID,
} from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { StoreError } from '../errors/index.js';
import { claimsSchema, permissionsToWire, type Permissions } from './claims.js';

/** AIStore's error texts (api/authn/errors.go), which its clients show and match. */
export const TokenErrorText = {
  missing: 'token required',
  invalid: 'invalid token',
  expired: 'token expired',
  revoked: 'token revoked',
  noPermissions: 'insufficient permissions',
} as const;

/** What signs tokens (the AuthN service) or verifies them (every node). */
export interface TokenKeys {
  readonly algorithm: 'HS256' | 'RS256';
  readonly signing?: KeyObject;
  readonly verifying: KeyObject;
}

/** Keys from a shared secret (HMAC) or, when a PEM is given, RSA (private to sign, public to verify). */
export function tokenKeys(options: { secret?: string; rsaPem?: string }): TokenKeys {
  if (options.rsaPem !== undefined && options.rsaPem !== '') {
    const pem = options.rsaPem;
    if (pem.includes('PRIVATE KEY')) {
      const signing = createPrivateKey(pem);
      return { algorithm: 'RS256', signing, verifying: createPublicKey(signing) };
    }
    return { algorithm: 'RS256', verifying: createPublicKey(pem) };
  }
  if (options.secret === undefined || options.secret === '')
    throw new StoreError('BadRequest', 'token keys: a secret or an RSA key is required');
  const key = createSecretKey(Buffer.from(options.secret, 'utf8'));
  return { algorithm: 'HS256', signing: key, verifying: key };
}

export interface VerifiedToken extends Permissions {
  /** Unix seconds. */
  readonly expiresAt: number;
  /** SHA-256 of the token text: what revocation lists hold. */
  readonly digest: string;
}

/** Signs a token for `permissions` valid `lifetimeSeconds` from now. */
export async function signToken(
  keys: TokenKeys,
  permissions: Permissions,
  lifetimeSeconds: number,
): Promise<string> {
  if (keys.signing === undefined)
    throw new StoreError('BadRequest', 'tokens cannot be signed with a public key');
  // jose is loaded on first use: a node of a cluster without auth never needs it, and every node
  // starts faster without it (about 100 ms of CPU on this machine kind).
  const { SignJWT } = await import('jose');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(permissionsToWire(permissions))
    .setProtectedHeader({ alg: keys.algorithm, typ: 'JWT' })
    .setSubject(permissions.username)
    .setIssuedAt(now)
    .setExpirationTime(now + lifetimeSeconds)
    .setJti(randomUUID())
    .sign(keys.signing);
}

/** The digest revocation lists identify a token by (never the token itself). */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Verifies signature and expiry; 401 with AIStore's text when either fails. */
export async function verifyToken(keys: TokenKeys, token: string): Promise<VerifiedToken> {
  const { errors: joseErrors, jwtVerify } = await import('jose');
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, keys.verifying, { algorithms: [keys.algorithm] }));
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired)
      throw new StoreError('Unauthorized', TokenErrorText.expired);
    throw new StoreError('Unauthorized', TokenErrorText.invalid);
  }
  const parsed = claimsSchema.safeParse({
    ...payload,
    username: payload.username ?? payload.sub,
  });
  if (!parsed.success || typeof payload.exp !== 'number')
    throw new StoreError('Unauthorized', TokenErrorText.invalid);
  return { ...parsed.data, expiresAt: payload.exp, digest: tokenDigest(token) };
}
