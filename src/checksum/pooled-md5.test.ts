// Unit tests of the thread-pool MD5 against node:crypto's, and of the addon calls' guards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { md5Create, md5Digest, md5Update } from 'cairn-fs-batch';
import { PooledMd5 } from './pooled-md5.js';

test("chunks given while a batch is hashed give node:crypto's digest, in order", async () => {
  const chunks = Array.from({ length: 40 }, (_, index) => randomBytes(1 + index * 3001));
  const pooled = new PooledMd5();
  const expected = createHash('md5');
  for (const [index, chunk] of chunks.entries()) {
    pooled.update(chunk);
    expected.update(chunk);
    // Some chunks arrive while a job runs (they go together into the next), some after it ended.
    if (index % 7 === 0) await pooled.caughtUp();
  }
  assert.deepEqual(await pooled.digest(), expected.digest());
});

test('an empty body has the MD5 of no bytes', async () => {
  assert.equal(
    (await new PooledMd5().digest()).toString('hex'),
    'd41d8cd98f00b204e9800998ecf8427e',
  );
});

test('caughtUp resolves at once when nothing is queued', async () => {
  await new PooledMd5().caughtUp();
});

test('the addon refuses a second update of a state while one runs, and a spent state', async () => {
  const state = md5Create();
  const running = md5Update(state, [Buffer.from('abc')]);
  assert.throws(() => md5Update(state, [Buffer.from('d')]), TypeError);
  assert.throws(() => md5Digest(state), TypeError);
  await running;
  assert.equal(md5Digest(state).toString('hex'), createHash('md5').update('abc').digest('hex'));
  assert.throws(() => md5Digest(state), TypeError);
  await assert.rejects(async () => md5Update(state, []), TypeError);
  assert.throws(() => md5Update(md5Create(), ['not a buffer' as unknown as Buffer]), TypeError);
});

test('a failed update fails caughtUp and digest instead of an unhandled rejection', async () => {
  const pooled = new PooledMd5();
  pooled.update('not a buffer' as unknown as Buffer);
  await assert.rejects(pooled.caughtUp(), TypeError);
  await assert.rejects(pooled.digest(), TypeError);
});
