// Tokens (HS256 and RS256), password hashes and redirect proofs.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { signRedirect, verifyRedirect } from './redirect-proof.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { signToken, tokenDigest, tokenKeys, verifyToken } from './tokens.js';

const permissions = {
  username: 'alice',
  admin: false,
  clusters: [{ id: 'C', perm: 7 }],
  buckets: [],
};

test('an HS256 token round-trips; another secret refuses it', async () => {
  const keys = tokenKeys({ secret: 'sixteen-chars-at-least' });
  const token = await signToken(keys, permissions, 60);
  const verified = await verifyToken(keys, token);
  assert.equal(verified.username, 'alice');
  assert.equal(verified.clusters[0]?.perm, 7);
  assert.equal(verified.digest, tokenDigest(token));
  await assert.rejects(verifyToken(tokenKeys({ secret: 'another-secret-entirely' }), token), {
    code: 'Unauthorized',
    message: 'invalid token',
  });
});

test('an RS256 token verifies with the public key alone', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signer = tokenKeys({
    rsaPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  });
  const verifier = tokenKeys({
    rsaPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  });
  const token = await signToken(signer, permissions, 60);
  assert.equal((await verifyToken(verifier, token)).username, 'alice');
  await assert.rejects(signToken(verifier, permissions, 60));
});

test('passwords: scrypt hashes verify, never hold the password', async () => {
  const hash = await hashPassword('correct horse');
  assert.ok(!hash.includes('correct'));
  assert.ok(await verifyPassword('correct horse', hash));
  assert.ok(!(await verifyPassword('wrong', hash)));
  assert.ok(!(await verifyPassword('x', 'garbage')));
});

test('a redirect proof binds method and path and expires', () => {
  const now = Date.now();
  const query = new URLSearchParams({ pid: 'p1', utm: (BigInt(now) * 1_000_000n).toString(36) });
  signRedirect('the-secret', 'GET', '/v1/objects/b/o', query);
  assert.ok(verifyRedirect('the-secret', 'GET', '/v1/objects/b/o', query, now));
  assert.ok(!verifyRedirect('the-secret', 'PUT', '/v1/objects/b/o', query, now));
  assert.ok(!verifyRedirect('the-secret', 'GET', '/v1/objects/b/other', query, now));
  assert.ok(!verifyRedirect('other-secret', 'GET', '/v1/objects/b/o', query, now));
  assert.ok(!verifyRedirect('the-secret', 'GET', '/v1/objects/b/o', query, now + 120_000));
});
