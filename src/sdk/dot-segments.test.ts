// Names with `.` or `..` segments never leave the SDK: URL handling would resolve them and the
// request would address another object or resource (`b/../../etc/passwd` is `/v1/etc/passwd`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dotSegmentIn } from '../wire/index.js';
import { Client } from './client.js';
import { startStubNode } from './stub-node.test-helper.js';

test('dotSegmentIn finds "." and ".." segments, percent-encoded too', () => {
  for (const [name, dots] of [
    ['../../etc/passwd', '..'],
    ['a/./b', '.'],
    ['a/..', '..'],
    ['a/%2E%2e/b', '..'],
    ['.%2E', '..'],
    ['%2e', '.'],
  ] as const) {
    assert.equal(dotSegmentIn(name), dots, name);
  }
  for (const name of ['a..b', '...', '..x/y', 'a/.hidden', '.x', 'a/b.', '%2e%2e%2e', '']) {
    assert.equal(dotSegmentIn(name), undefined, name);
  }
});

test('the client refuses such names before sending anything', async (t) => {
  const gateway = await startStubNode((_request, response) => response.end());
  const client = new Client(gateway.url, { direct: false });
  t.after(async () => {
    await client.close();
    await gateway.close();
  });
  const bucket = { name: 'b', provider: 'ais' };
  await assert.rejects(client.putObject(bucket, '../../etc/passwd', 'x'), {
    name: 'TypeError',
    message: /object name "\.\.\/\.\.\/etc\/passwd" has a "\.\." path segment/,
  });
  await assert.rejects(client.getObjectBytes(bucket, 'a/./b'), /has a "\." path segment/);
  await assert.rejects(client.createBucket({ name: '..', provider: 'ais' }), {
    name: 'TypeError',
    message: /"\.\." path segment cannot be sent/,
  });
  assert.equal(gateway.requests.length, 0);
  await client.putObject(bucket, 'a..b/.c', 'x');
  assert.equal(gateway.requests[0]?.url.pathname, '/v1/objects/b/a..b/.c');
});
