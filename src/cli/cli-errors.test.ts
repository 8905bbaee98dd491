// Error lines spelled as the user typed the bucket's scheme.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { respellSchemes, typedSchemes } from './cli-errors.js';

test('errors name buckets with the scheme the user typed', () => {
  const typed = typedSchemes(['s3://b', { json: true, bucket: 'gs://g' }]);
  assert.deepEqual(
    [...typed],
    [
      ['aws', 's3'],
      ['gcp', 'gs'],
    ],
  );
  assert.equal(
    respellSchemes('remote buckets (aws://) is not implemented yet; gcp://g; xaws://', typed),
    'remote buckets (s3://) is not implemented yet; gs://g; xaws://',
  );
});

test('canonical spellings, ais://, and ambiguous spellings are left alone', () => {
  assert.equal(typedSchemes(['aws://b', 'ais://c', ['b/o'], 7]).size, 0);
  assert.equal(typedSchemes([['s3://a', 'aws://b']]).size, 0);
  assert.deepEqual([...typedSchemes([['S3://a', 's3://b']])], [['aws', 's3']]);
});
