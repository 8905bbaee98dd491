// Tokens already verified, so that a client sending the same token on every request pays for the
// signature check (HMAC or RSA, JSON and schema parsing, the digest) once, not per request. An
// entry lives until its token expires; the cache is bounded and is dropped when the keys change.
import { StoreError } from '../errors/index.js';
import { TokenErrorText, verifyToken, type TokenKeys, type VerifiedToken } from './tokens.js';

/** Entries kept; past this the oldest goes first (a client set larger than this only re-verifies). */
const maxEntries = 4096;

export class VerifiedTokens {
  #keys: TokenKeys | undefined;
  readonly #entries = new Map<string, VerifiedToken>();

  /** The token's claims if it was verified with `keys` before; 401 when it has expired since. */
  known(keys: TokenKeys, token: string, nowMs: number): VerifiedToken | undefined {
    if (keys !== this.#keys) {
      this.#entries.clear();
      this.#keys = keys;
    }
    const cached = this.#entries.get(token);
    if (cached === undefined) return undefined;
    if (cached.expiresAt * 1000 > nowMs) return cached;
    this.#entries.delete(token);
    throw new StoreError('Unauthorized', TokenErrorText.expired);
  }

  /** The token's claims, verified with `keys` now or earlier; 401 when invalid or expired. */
  async verify(keys: TokenKeys, token: string, nowMs: number): Promise<VerifiedToken> {
    const known = this.known(keys, token, nowMs);
    if (known !== undefined) return known;
    const verified = await verifyToken(keys, token);
    if (this.#entries.size >= maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(token, verified);
    return verified;
  }
}
