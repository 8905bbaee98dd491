// Unit tests for the supervisor's control protocol: which nodes a `start` request may describe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { controlSocketPath, parseNodeLaunch } from './control-protocol.js';

const launch = {
  name: 'target-1',
  role: 'target',
  primary: false,
  port: 8082,
  intraPort: 8182,
  dir: '/pg/target-1',
  mountpaths: ['/pg/target-1/mp-0'],
  publicUrl: 'http://127.0.0.1:8082',
  primaryUrl: 'http://127.0.0.1:8080',
};

test('a node of this playground is accepted as sent', () => {
  assert.deepEqual(parseNodeLaunch(launch, '/pg'), launch);
});

test('a node outside the playground or malformed is refused', () => {
  const refused = [
    { ...launch, dir: '/elsewhere/target-1' },
    { ...launch, mountpaths: ['/etc'] },
    { ...launch, mountpaths: ['/pg/target-1/../../etc'] },
    { ...launch, role: 'proxy' },
    { ...launch, name: '../target-1' },
    { ...launch, port: 70_000 },
    { ...launch, primaryUrl: undefined },
    'target-1',
  ];
  for (const value of refused) assert.throws(() => parseNodeLaunch(value, '/pg'), /start: /);
});

test('a socket path too long for Linux is refused with advice', () => {
  assert.equal(controlSocketPath('/pg'), '/pg/supervisor.sock');
  assert.throws(() => controlSocketPath(`/${'d'.repeat(100)}`), /choose a shorter --dir/);
});
