// Unit tests for the verified-token cache: one verification per token, expiry still enforced
// from the cache (and by its synchronous lookup), a forged token never cached, and new keys dropping what the old ones verified.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminPermissions } from './claims.js';
import { VerifiedTokens } from './token-cache.js';
import { signToken, tokenKeys } from './tokens.js';

test('a token verified once is answered from the cache until it expires', async () => {
  const keys = tokenKeys({ secret: 'one-secret' });
  const cache = new VerifiedTokens();
  const token = await signToken(keys, adminPermissions, 60);
  assert.equal(cache.known(keys, token, Date.now()), undefined);
  const first = await cache.verify(keys, token, Date.now());
  assert.equal(first.username, adminPermissions.username);
  assert.equal(await cache.verify(keys, token, Date.now()), first);
  // The synchronous lookup a node makes first answers the same verdict.
  assert.equal(cache.known(keys, token, Date.now()), first);
  await assert.rejects(cache.verify(keys, token, Date.now() + 61_000), /expired/);
  await cache.verify(keys, token, Date.now());
  assert.throws(() => cache.known(keys, token, Date.now() + 61_000), /expired/);
});

test('a forged token is refused every time, and new keys drop the old verdicts', async () => {
  const keys = tokenKeys({ secret: 'one-secret' });
  const other = tokenKeys({ secret: 'another-secret' });
  const cache = new VerifiedTokens();
  const forged = await signToken(other, adminPermissions, 60);
  await assert.rejects(cache.verify(keys, forged, Date.now()), /invalid/);
  await assert.rejects(cache.verify(keys, forged, Date.now()), /invalid/);
  const token = await signToken(keys, adminPermissions, 60);
  await cache.verify(keys, token, Date.now());
  // The secret changed: a token of the old secret is no longer good.
  await assert.rejects(cache.verify(other, token, Date.now()), /invalid/);
});
