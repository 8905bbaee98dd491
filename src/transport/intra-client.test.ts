// Unit test of the intra-cluster client's keep-alive: requests that carry a JSON body, GETs
// included (a listing asks each target for its pages that way), reuse one connection to a peer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { IntraClient } from './intra-client.js';

async function bodyOf(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return text;
}

test('GETs with a body reuse one connection to the peer', async () => {
  let connections = 0;
  const server = createServer((req, res) => {
    bodyOf(req).then(
      (body) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ method: req.method, body }));
      },
      () => res.destroy(),
    );
  });
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = new IntraClient({
    callerId: 'tester',
    callerName: 'keep-alive-test',
    connectionsPerPeer: 4,
  });
  try {
    for (let page = 0; page < 3; page += 1) {
      const answer = await client.requestJson(`http://127.0.0.1:${port}/v1/buckets/b`, {
        method: 'GET',
        body: { action: 'list', value: { pagesize: 10 } },
        timeoutMs: 5000,
      });
      assert.deepEqual(answer, {
        method: 'GET',
        body: JSON.stringify({ action: 'list', value: { pagesize: 10 } }),
      });
      // undici hands the connection back to its pool just after the body is read: a request sent
      // at once may open a second one (the pool allows four), which is not what is tested here.
      await sleep(20);
    }
    assert.equal(connections, 1, 'one connection for the three requests');
  } finally {
    await client.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
