// Unit tests for the playground layout: ports, directories and node command lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../cli-errors.js';
import { nodeArguments, planPlayground } from './layout.js';

test('ports and directories follow the documented scheme', () => {
  const { dir, nodes } = planPlayground({
    proxies: 2,
    targets: 3,
    mountpaths: 2,
    dir: '/tmp/pg',
    basePort: 8080,
  });
  assert.equal(dir, '/tmp/pg');
  assert.deepEqual(
    nodes.map((node) => [node.name, node.port, node.intraPort, node.primary]),
    [
      ['proxy-0', 8080, 8180, true],
      ['proxy-1', 8081, 8181, false],
      ['target-0', 8082, 8182, false],
      ['target-1', 8083, 8183, false],
      ['target-2', 8084, 8184, false],
    ],
  );
  assert.deepEqual(nodes[2]?.mountpaths, ['/tmp/pg/target-0/mp-0', '/tmp/pg/target-0/mp-1']);
  assert.deepEqual(nodes[0]?.mountpaths, []);
  assert.equal(nodes[4]?.publicUrl, 'http://127.0.0.1:8084');
});

test('the primary has no --primary-url; the others point at it', () => {
  const { nodes } = planPlayground({
    proxies: 1,
    targets: 1,
    mountpaths: 2,
    dir: '/pg',
    basePort: 9000,
  });
  const [primary, target] = nodes;
  assert.ok(primary !== undefined && target !== undefined);
  assert.deepEqual(nodeArguments('/x/cairn.js', primary, 'http://127.0.0.1:9000'), [
    '--initial-old-space-size=256',
    '--max-semi-space-size=32',
    '/x/cairn.js',
    'node',
    '--role',
    'proxy',
    '--dir',
    '/pg/proxy-0',
    '--host',
    '127.0.0.1',
    '--port',
    '9000',
    '--intra-port',
    '9100',
  ]);
  // Targets start with the gateway's heap flags too (cli/playground/layout.ts).
  assert.deepEqual(nodeArguments('/x/cairn.js', target, 'http://127.0.0.1:9000').slice(0, 3), [
    '--initial-old-space-size=256',
    '--max-semi-space-size=32',
    '/x/cairn.js',
  ]);
  assert.deepEqual(nodeArguments('/x/cairn.js', target, 'http://127.0.0.1:9000').slice(-6), [
    '--mountpath',
    '/pg/target-0/mp-0',
    '--mountpath',
    '/pg/target-0/mp-1',
    '--primary-url',
    'http://127.0.0.1:9000',
  ]);
  // `start --node-options` come after the role's flags, so a repeated flag is the caller's.
  const given = ['--max-semi-space-size=64', '--cpu-prof'];
  assert.deepEqual(
    nodeArguments('/x/cairn.js', target, 'http://127.0.0.1:9000', undefined, given).slice(0, 5),
    ['--initial-old-space-size=256', '--max-semi-space-size=32', ...given, '/x/cairn.js'],
  );
});

test('shapes that do not fit are usage errors', () => {
  const base = { proxies: 1, targets: 3, mountpaths: 2, dir: '/pg', basePort: 8080 };
  assert.throws(() => planPlayground({ ...base, targets: 0 }), UsageError);
  assert.throws(() => planPlayground({ ...base, targets: 100 }), UsageError);
  assert.throws(() => planPlayground({ ...base, basePort: 65500 }), UsageError);
});
