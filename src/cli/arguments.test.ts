// Unit tests for bucket/object URI arguments and numeric options.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseBucket,
  parseBucketObject,
  parseObject,
  portNumber,
  positiveInteger,
} from './arguments.js';
import { UsageError } from './cli-errors.js';

test('ais:// URIs and bare names', () => {
  assert.deepEqual(parseBucketObject('ais://b'), {
    bucket: { name: 'b', provider: 'ais' },
    objectName: '',
  });
  assert.deepEqual(parseBucketObject('ais://b/dir/o.txt'), {
    bucket: { name: 'b', provider: 'ais' },
    objectName: 'dir/o.txt',
  });
  assert.deepEqual(parseBucketObject('b/o'), {
    bucket: { name: 'b', provider: 'ais' },
    objectName: 'o',
  });
  assert.deepEqual(parseBucketObject('s3://remote'), {
    bucket: { name: 'remote', provider: 'aws' },
    objectName: '',
  });
  assert.equal(parseBucketObject('ais://b/').objectName, '');
});

test('invalid URIs are usage errors', () => {
  for (const text of ['ais://', '', 'foo://b', 'ais://b@d', 'ais://..']) {
    assert.throws(() => parseBucketObject(text), UsageError, text);
  }
});

test('bucket-only and object-only arguments', () => {
  assert.deepEqual(parseBucket('ais://b'), { name: 'b', provider: 'ais' });
  assert.throws(() => parseBucket('ais://b/o'), /names an object/);
  assert.equal(parseObject('ais://b/a/b').objectName, 'a/b');
  assert.throws(() => parseObject('ais://b'), /does not name an object/);
  assert.throws(() => parseObject('ais://b/dir/'), /does not name an object/);
});

test('numeric options', () => {
  assert.equal(positiveInteger('8'), 8);
  assert.throws(() => positiveInteger('0'));
  assert.throws(() => positiveInteger('1.5'));
  assert.throws(() => positiveInteger('x'));
  assert.equal(portNumber('8080'), 8080);
  assert.throws(() => portNumber('70000'));
});
