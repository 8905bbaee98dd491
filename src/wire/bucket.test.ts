// Bucket identity: AIStore's bucket-name rules and their exact wording.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bucketDisplayName,
  bucketNameProblem,
  normalizeProvider,
  parseBucketJson,
  parseBucketUri,
} from './bucket.js';

const invalid =
  'bucket name is invalid: may only contain letters, numbers, dashes (-), underscores (_), and dots (.)';

test('valid names: letters, digits, dashes, underscores, single dots; system buckets', () => {
  for (const name of ['b', 'My-Bucket_1', 'a.b.c', 'a.', 'x'.repeat(64), '.sys-inventory']) {
    assert.equal(bucketNameProblem(name), undefined, name);
  }
});

test("AIStore's wording for each rule", () => {
  assert.equal(bucketNameProblem(''), 'bucket name is missing');
  assert.equal(bucketNameProblem('x'.repeat(65)), 'bucket name is too long: 65 > 64(max length)');
  for (const name of ['bucket/badname', 'a b', 'semi;colon', 'a..b', '..', 'é', 'a%2Fb']) {
    assert.equal(bucketNameProblem(name), invalid, name);
  }
  assert.equal(bucketNameProblem('.'), 'reserved bucket name "." (unknown system bucket)');
  assert.equal(
    bucketNameProblem('.hidden'),
    'reserved bucket name ".hidden" (unknown system bucket)',
  );
});

test('URIs with a namespace (remote AIS clusters) parse and print as AIStore writes them', () => {
  const cases: Array<[string, object, string]> = [
    ['ais://b/o/p', { name: 'b', provider: 'ais' }, 'o/p'],
    ['s3://b', { name: 'b', provider: 'aws' }, ''],
    ['ais://@far/b/o', { name: 'b', provider: 'ais', namespace: { uuid: 'far', name: '' } }, 'o'],
    ['ais://@U1#ns/b', { name: 'b', provider: 'ais', namespace: { uuid: 'U1', name: 'ns' } }, ''],
    ['ais://#ns/b/x', { name: 'b', provider: 'ais', namespace: { uuid: '', name: 'ns' } }, 'x'],
    ['ais://@#/b', { name: 'b', provider: 'ais' }, ''],
  ];
  for (const [uri, bucket, objectName] of cases) {
    assert.deepEqual(parseBucketUri(uri), { bucket, objectName }, uri);
  }
  const display = (uri: string): string =>
    bucketDisplayName(parseBucketUri(uri)?.bucket ?? { name: '', provider: '' });
  assert.equal(display('ais://@far/b'), 'ais://@far/b');
  assert.equal(display('ais://@U1#ns/b'), 'ais://@U1#ns/b');
  assert.equal(display('ais://#ns/b'), 'ais://#ns/b');
  assert.equal(display('ais://b'), 'ais://b');
});

test('a bucket in JSON: keys in any case, provider spellings, namespaces, refusals', () => {
  assert.deepEqual(parseBucketJson({ Name: 'b', PROVIDER: 's3' }), { name: 'b', provider: 'aws' });
  assert.deepEqual(parseBucketJson({ name: 'b' }), { name: 'b', provider: 'ais' });
  assert.deepEqual(parseBucketJson({ name: 'a', NAME: 'b', provider: 'ais' }), {
    name: 'b',
    provider: 'ais',
  });
  assert.deepEqual(
    parseBucketJson({ name: 'b', provider: 'ais', Namespace: { uuid: 'u', name: 'n' } }),
    {
      name: 'b',
      provider: 'ais',
      namespace: { uuid: 'u', name: 'n' },
    },
  );
  assert.deepEqual(parseBucketJson({ name: 'b', namespace: { uuid: '', name: '' } }), {
    name: 'b',
    provider: 'ais',
  });
  assert.deepEqual(parseBucketJson({ name: 'b', namespace: { UUID: 'u', Name: 'n' } }), {
    name: 'b',
    provider: 'ais',
    namespace: { uuid: 'u', name: 'n' },
  });
  assert.equal(
    parseBucketJson({ name: 'b', namespace: 'n' }),
    'expected a namespace {"uuid", "name"}',
  );
  assert.equal(
    parseBucketJson({ name: 'b', namespace: { name: 7 } }),
    'namespace "name" must be a string',
  );
  assert.equal(parseBucketJson({ provider: 'ais' }), 'missing bucket name');
  assert.equal(parseBucketJson({ name: 'b', provider: 'nope' }), 'invalid provider "nope"');
  assert.equal(parseBucketJson([]), 'expected a bucket {"name", "provider"}');
});

test('every character, and names at the length limit, checked as the regular expression does', () => {
  // The reference: AIStore's rule as the byte count and the pattern say it.
  const reference = (name: string): boolean =>
    Buffer.byteLength(name, 'utf8') <= 64 && /^[A-Za-z0-9_.-]*$/.test(name) && !name.includes('..');
  const names: string[] = ['x'.repeat(63) + '.', 'x'.repeat(64) + '.', 'é'.repeat(32), 'a.-.b'];
  for (let code = 0; code < 0x180; code += 1) {
    const char = String.fromCharCode(code);
    names.push(`a${char}b`, `${char}z`, `z${char}`, `${char}.`, `.${char}x`);
  }
  for (const name of names) {
    const problem = bucketNameProblem(name);
    if (name.startsWith('.') && reference(name)) continue; // the system-bucket rule
    assert.equal(problem === undefined, reference(name), JSON.stringify(name));
  }
});

test('provider spellings: aliases in any case; a member of an object is no provider', () => {
  assert.equal(normalizeProvider(undefined), 'ais');
  assert.equal(normalizeProvider(null), 'ais');
  assert.equal(normalizeProvider(''), 'ais');
  assert.equal(normalizeProvider('AIS'), 'ais');
  assert.equal(normalizeProvider('S3'), 'aws');
  assert.equal(normalizeProvider('gs'), 'gcp');
  assert.equal(normalizeProvider('Az'), 'azure');
  for (const spelling of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'nope']) {
    assert.equal(normalizeProvider(spelling), undefined, spelling);
  }
});
