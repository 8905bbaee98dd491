// Unit test of the intra-cluster deadline while a connection is still being opened: a peer whose
// connect never completes (a connector that never calls back, as a link that is down) fails the
// request at its deadline as PeerUnreachable instead of holding it for the whole connect.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { isStoreError } from '../errors/index.js';
import { IntraClient } from './intra-client.js';

test('a request to a peer that never connects fails at its deadline', async () => {
  const attempts: string[] = [];
  const client = new IntraClient({
    callerId: 'tester',
    callerName: 'deadline-test',
    connectionsPerPeer: 4,
    connect: (options) => {
      attempts.push(options.hostname);
    },
  });
  // Keeps the process alive meanwhile (the deadline's own timer does not).
  const watchdog = new AbortController();
  try {
    const outcome = await Promise.race([
      client.requestJson('http://10.0.0.1:9/v1/health', { method: 'GET', timeoutMs: 200 }).then(
        () => 'answered',
        (error: unknown) => error,
      ),
      sleep(5000, undefined, { signal: watchdog.signal }).then(
        () => 'still waiting after 5 s',
        () => 'stopped',
      ),
    ]);
    assert.ok(isStoreError(outcome), `rejected with a StoreError, got ${String(outcome)}`);
    assert.equal(outcome.code, 'PeerUnreachable');
    assert.match(outcome.message, /aborted due to timeout/);
    assert.deepEqual(attempts, ['10.0.0.1'], 'the connect was attempted');
  } finally {
    watchdog.abort();
    // Not awaited: the request stuck in its connect never ends, and close() waits for it.
    void client.close().catch(() => undefined);
  }
});
