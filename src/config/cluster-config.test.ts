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

test('space watermarks keep their order and LRU looks at capacity no more often than every 10 s', () => {
  const defaults = parseClusterConfig({});
  assert.deepEqual(defaults.space, { cleanupwm: 65, lowwm: 75, highwm: 90, out_of_space: 95 });
  assert.equal(defaults.lru.capacity_upd_time_ms, 600_000);
  const lowered = updateClusterConfig(defaults, {
    'space.cleanupwm': 30,
    'space.lowwm': '40',
    'space.highwm': 60,
  });
  assert.equal(lowered.space.lowwm, 40);
  assert.equal(lowered.space.highwm, 60);
  assert.throws(() => updateClusterConfig(defaults, { 'space.lowwm': 91 }), /cleanupwm <= lowwm/);
  assert.throws(() => updateClusterConfig(defaults, { 'space.highwm': 101 }), /space.highwm/);
  assert.throws(
    () => updateClusterConfig(defaults, { 'lru.capacity_upd_time_ms': 1000 }),
    /lru.capacity_upd_time_ms/,
  );
});
