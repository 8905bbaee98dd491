// Unit tests for bucket/object URI arguments and numeric options.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseBucket,
  parseBucketObject,
  parseObject,
  parseObjectDestination,
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

test("bucket names are checked by AIStore's rules, in its words", () => {
  assert.throws(
    () => parseBucket('ais://a..b'),
    (error: unknown) =>
      error instanceof UsageError &&
      error.message ===
        'invalid bucket in "ais://a..b": bucket name is invalid: may only contain letters, numbers, dashes (-), underscores (_), and dots (.)',
  );
  assert.throws(() => parseBucket(`ais://${'x'.repeat(65)}`), /too long: 65 > 64\(max length\)/);
  assert.throws(() => parseBucket('ais://.b'), /reserved bucket name "\.b"/);
});

test('object names with . or .. segments are refused, saying why', () => {
  for (const text of ['ais://b/../../etc/passwd', 'ais://b/a/./c', 'ais://b/x/..']) {
    assert.throws(() => parseObject(text), UsageError, text);
    assert.throws(() => parseObjectDestination(text), UsageError, text);
  }
  assert.throws(
    () => parseObject('ais://b/../../etc/passwd'),
    /^UsageError: invalid object name "\.\.\/\.\.\/etc\/passwd" in "ais:\/\/b\/\.\.\/\.\.\/etc\/passwd": "\.\." path segments are not allowed \(a URL would resolve them away and address another object\)$/,
  );
  assert.equal(parseObject('ais://b/a..b/.c').objectName, 'a..b/.c');
  // A listing prefix is not a path: any text goes.
  assert.equal(parseBucketObject('ais://b/x/..').objectName, 'x/..');
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
