// Unit tests for `key=value` bucket property assignments and flattened display.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from './cli-errors.js';
import { flattenProps, parseAssignments, readableProps } from './props.js';

test('nested keys with booleans and numbers parsed', () => {
  assert.deepEqual(
    parseAssignments([
      'checksum.type=md5',
      'versioning.enabled=true',
      'mirror.copies=2',
      'mirror.enabled=false',
    ]),
    {
      checksum: { type: 'md5' },
      versioning: { enabled: true },
      mirror: { copies: 2, enabled: false },
    },
  );
});

test('current props decide the type: strings stay strings', () => {
  const current = {
    access: '4194303',
    mirror: { copies: 1, enabled: false },
    lru: { dont_evict_time: '2h' },
  };
  assert.deepEqual(parseAssignments(['access=255', 'lru.dont_evict_time=1h'], current), {
    access: '255',
    lru: { dont_evict_time: '1h' },
  });
  assert.throws(() => parseAssignments(['mirror.copies=two'], current), /expects a number/);
  assert.throws(() => parseAssignments(['mirror.enabled=yes'], current), /expects true or false/);
});

test('malformed assignments are usage errors', () => {
  for (const bad of [['=1'], ['novalue'], ['a..b=1'], []]) {
    assert.throws(() => parseAssignments(bad), UsageError, JSON.stringify(bad));
  }
  assert.deepEqual(parseAssignments(['extra.note=a=b']), { extra: { note: 'a=b' } });
});

test('flattened props keep order and show scalars plainly', () => {
  const props = {
    provider: 'ais',
    checksum: { type: 'xxhash', validate_cold_get: true },
    mirror: { copies: 2 },
    extra: {},
  };
  assert.deepEqual(flattenProps(props), [
    ['provider', 'ais'],
    ['checksum.type', 'xxhash'],
    ['checksum.validate_cold_get', 'true'],
    ['mirror.copies', '2'],
    ['extra', '{}'],
  ]);
});

test('show: access as permission names, created as a date, the rest as on the wire', () => {
  const props = {
    provider: 'ais',
    mirror: { copies: 2 },
    access: '4194303',
    bid: '7',
    created: '1700000000123456789',
  };
  assert.deepEqual(readableProps(props), [
    ['provider', 'ais'],
    ['mirror.copies', '2'],
    ['access', 'su (all)'],
    ['bid', '7'],
    ['created', '2023-11-14T22:13:20.123Z'],
  ]);
  assert.deepEqual(readableProps({ access: '13', created: 'soon' }), [
    ['access', 'GET,PUT,APPEND'],
    ['created', 'soon'],
  ]);
});

test('set: access takes names, shorthands or a mask', () => {
  assert.deepEqual(parseAssignments(['access=ro']), { access: '4867' });
  assert.deepEqual(parseAssignments(['access=get,PUT']), { access: '5' });
  assert.deepEqual(parseAssignments(['access=su']), { access: '4194303' });
  assert.deepEqual(parseAssignments(['access=12']), { access: '12' });
  assert.throws(() => parseAssignments(['access=everything']), /property "access" expects/);
});
