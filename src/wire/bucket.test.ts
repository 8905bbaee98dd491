// Bucket identity: AIStore's bucket-name rules and their exact wording.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bucketNameProblem } from './bucket.js';

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
