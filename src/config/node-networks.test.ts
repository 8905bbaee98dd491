// Unit tests for the node's three networks: defaults as before, each address on its own, IPv6 URLs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNodeConfig } from './node-config.js';
import { httpUrl } from './node-networks.js';

test('by default every network is the public host and intra-data shares intra-control', () => {
  const config = parseNodeConfig({ role: 'proxy', dir: '/tmp/p', intraPort: 7 });
  assert.deepEqual(config.networks.public, {
    host: '127.0.0.1',
    listenHost: '127.0.0.1',
    port: 8080,
  });
  assert.deepEqual(config.networks.intraControl, {
    host: '127.0.0.1',
    listenHost: '127.0.0.1',
    port: 7,
  });
  assert.equal(config.networks.intraData, undefined);
});

test('separate addresses: intra-data follows intra-control, and gets its own server', () => {
  const config = parseNodeConfig({
    role: 'target',
    dir: '/tmp/t',
    mountpaths: ['/tmp/t/mp'],
    host: '10.0.0.5',
    intraControlHost: '10.1.0.5',
    intraDataHost: '10.2.0.5',
  });
  assert.equal(config.networks.public.host, '10.0.0.5');
  assert.equal(config.networks.intraControl.host, '10.1.0.5');
  assert.deepEqual(config.networks.intraData, {
    host: '10.2.0.5',
    listenHost: '10.2.0.5',
    port: 0,
  });
  const shared = parseNodeConfig({ role: 'proxy', dir: '/p', intraControlHost: '10.1.0.5' });
  assert.equal(shared.networks.intraData, undefined, 'same address as intra-control: shared');
  const ported = parseNodeConfig({ role: 'proxy', dir: '/p', intraDataPort: 10080 });
  assert.equal(ported.networks.intraData?.port, 10080);
  assert.equal(ported.networks.intraData?.host, '127.0.0.1');
});

test('a listen address binds every server while the per-network addresses are advertised', () => {
  const config = parseNodeConfig({
    role: 'proxy',
    dir: '/tmp/p',
    host: '10.0.0.5',
    listenHost: '0.0.0.0',
    intraDataPort: 0,
  });
  assert.equal(config.networks.public.listenHost, '0.0.0.0');
  assert.equal(config.networks.public.host, '10.0.0.5');
  assert.equal(config.networks.intraData?.listenHost, '0.0.0.0');
  assert.throws(
    () => parseNodeConfig({ role: 'proxy', dir: '/p', intraDataPort: 70000 }),
    /intraDataPort/,
  );
});

test('URLs bracket an IPv6 address', () => {
  assert.equal(httpUrl('fd00::2', 80), 'http://[fd00::2]:80');
  assert.equal(httpUrl('10.0.0.1', 80), 'http://10.0.0.1:80');
});
