// Unit tests for cluster config defaults, validation and dotted updates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseClusterConfig, updateClusterConfig } from './cluster-config.js';
import { parseNodeConfig } from './node-config.js';

test('defaults fill an empty config', () => {
  const config = parseClusterConfig({});
  assert.equal(config.checksum.type, 'xxhash');
  assert.equal(config.keepalive.interval_ms, 1000);
  assert.equal(config.list_objects.max_page_size, 10000);
  assert.ok(Object.isFrozen(config.storage));
});

test('unknown keys and bad values are refused', () => {
  assert.throws(() => parseClusterConfig({ nope: 1 }), /invalid cluster config/);
  assert.throws(() => parseClusterConfig({ checksum: { type: 'crc64' } }), /checksum.type/);
});

test('dotted updates coerce strings and validate', () => {
  const config = updateClusterConfig(parseClusterConfig({}), {
    'keepalive.interval_ms': '500',
    'storage.fsync_objects': 'false',
  });
  assert.equal(config.keepalive.interval_ms, 500);
  assert.equal(config.storage.fsync_objects, false);
  assert.throws(
    () => updateClusterConfig(config, { 'keepalive.bogus': 1 }),
    /invalid cluster config key/,
  );
  assert.throws(() => updateClusterConfig(config, { 'keepalive.interval_ms': '5' }), /interval_ms/);
});

test('node config requires mountpaths for targets and fills port defaults', () => {
  assert.throws(() => parseNodeConfig({ role: 'target', dir: '/tmp/x' }), /mountpath/);
  const proxy = parseNodeConfig({ role: 'proxy', dir: 'rel/dir' });
  assert.equal(proxy.port, 8080);
  assert.ok(proxy.dir.startsWith('/'));
  assert.throws(() => parseNodeConfig({ role: 'gateway', dir: '/x' }), /role/);
});
