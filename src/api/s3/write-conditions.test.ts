// Unit tests for conditional writes: what the headers ask, and 412/404 on arrival against 409 at
// the commit (a concurrent write changed the object in between).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isStoreError } from '../../errors/index.js';
import type { S3ObjectInfo } from './ports.js';
import {
  checkWriteCondition,
  parseWriteCondition,
  type WriteCondition,
} from './write-conditions.js';

const object: S3ObjectInfo = {
  key: 'k',
  size: 1,
  etag: 'abc',
  modifiedTimeMs: 0,
  userMetadata: {},
  contentHeaders: {},
  tags: {},
  checksums: {},
};

function code(run: () => unknown): string {
  try {
    run();
    return 'ok';
  } catch (error) {
    return isStoreError(error) ? error.code : String(error);
  }
}

test('headers: If-None-Match takes only *, If-Match one ETag (quotes and W/ dropped)', () => {
  assert.equal(parseWriteCondition({}), undefined);
  assert.deepEqual(parseWriteCondition({ 'if-none-match': '*' }), { ifNoneMatch: '*' });
  assert.deepEqual(parseWriteCondition({ 'if-match': 'W/"abc"' }), { ifMatch: 'abc' });
  assert.equal(
    code(() => parseWriteCondition({ 'if-none-match': '"abc"' })),
    'NotImplemented',
  );
  assert.equal(
    code(() => parseWriteCondition({ 'if-match': '"a", "b"' })),
    'InvalidArgument',
  );
});

test('a failed condition is 412 (404 for If-Match on no object) on arrival, 409 at the commit', () => {
  const marker: S3ObjectInfo = { ...object, deleteMarker: true };
  const cases: Array<[WriteCondition, S3ObjectInfo | undefined, string]> = [
    [{ ifNoneMatch: '*' }, undefined, 'ok'],
    [{ ifNoneMatch: '*' }, marker, 'ok'],
    [{ ifNoneMatch: '*' }, object, 'PreconditionFailed'],
    [{ ifMatch: 'abc' }, object, 'ok'],
    [{ ifMatch: '*' }, object, 'ok'],
    [{ ifMatch: 'other' }, object, 'PreconditionFailed'],
    [{ ifMatch: 'abc' }, undefined, 'ObjectNotFound'],
    [{ ifMatch: 'abc' }, marker, 'ObjectNotFound'],
  ];
  for (const [condition, current, expected] of cases) {
    const label = JSON.stringify([condition, current?.deleteMarker ?? current?.etag]);
    assert.equal(
      code(() => checkWriteCondition(condition, current, 'arrival')),
      expected,
      label,
    );
    assert.equal(
      code(() => checkWriteCondition(condition, current, 'commit')),
      expected === 'ok' ? 'ok' : 'ConditionalRequestConflict',
      label,
    );
  }
});
