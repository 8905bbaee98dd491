// Bucket props: access masks as permission names and back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  accessAll,
  accessReadOnly,
  accessReadWrite,
  describeAccess,
  parseAccess,
} from './bucket-props.js';

test("masks read as AIStore's permission names and shorthands", () => {
  assert.equal(describeAccess('0'), 'none');
  assert.equal(describeAccess(accessAll), 'su (all)');
  assert.equal(
    describeAccess(String(accessReadOnly)),
    'ro: GET,HEAD-OBJECT,HEAD-BUCKET,LIST-OBJECTS,LIST-BUCKETS',
  );
  assert.match(describeAccess(String(accessReadWrite)) ?? '', /^rw: GET,HEAD-OBJECT,PUT,APPEND,/);
  assert.equal(describeAccess(String((1n << 17n) | (1n << 20n))), 'ADMIN,bit20');
  assert.equal(describeAccess('lots'), undefined);
});

test('names, shorthands and masks parse back', () => {
  assert.equal(parseAccess('ro'), String(accessReadOnly));
  assert.equal(parseAccess('RW'), String(accessReadWrite));
  assert.equal(parseAccess('su'), accessAll);
  assert.equal(parseAccess('none'), '0');
  assert.equal(parseAccess('GET, head-object'), '3');
  assert.equal(parseAccess('42'), '42');
  assert.equal(parseAccess('GET,WRITE'), undefined);
  assert.equal(parseAccess(describeAccess('3') ?? ''), '3');
});
