// AIStore access bits: values, parsing of perm strings, unions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Access,
  accessAll,
  accessReadOnly,
  accessToWire,
  describeAccess,
  hasAccess,
  parseAccess,
  unionAccess,
} from './access.js';

test('access bits have AIStore values', () => {
  assert.equal(Access.get, 1);
  assert.equal(Access.put, 4);
  assert.equal(Access.objList, 512);
  assert.equal(Access.createBucket, 16384);
  assert.equal(Access.admin, 131072);
});

test('permissions parse from numbers, ro/rw/su and operation names', () => {
  assert.equal(parseAccess('ro'), accessReadOnly);
  assert.equal(parseAccess('GET,HEAD-OBJECT'), Access.get | Access.objHead);
  assert.equal(parseAccess('4'), Access.put);
  assert.equal(parseAccess('18446744073709551615'), accessAll);
  assert.equal(parseAccess('su'), accessAll);
  assert.equal(parseAccess('FLY'), undefined);
  assert.equal(accessToWire(accessAll), '18446744073709551615');
});

test('su has every bit; rw does not include admin', () => {
  assert.ok(hasAccess(accessAll, Access.admin));
  assert.ok(!hasAccess(parseAccess('rw') ?? 0, Access.admin));
  assert.ok(hasAccess(parseAccess('rw') ?? 0, Access.put | Access.get));
  assert.equal(unionAccess(accessAll, Access.get), accessAll);
  assert.equal(describeAccess(Access.get | Access.put), 'GET,PUT');
});
