// applyBucketPropsUpdate and the properties the cluster keeps: `renamed_from` (the names a bucket
// had) is not set by users, or destroying the bucket it names would move its objects into this one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyBucketPropsUpdate, defaultBucketProps } from './bucket-props.js';

const renamed = {
  ...defaultBucketProps('ais', 'xxhash', 2n),
  renamed_from: [{ bucket: { name: 'a', provider: 'ais' }, bid: '1' }],
};
const refused = /"renamed_from" cannot be changed/;

test('renamed_from cannot be changed, merged into, or added', () => {
  const victim = { 0: { bucket: { name: 'victim' }, bid: '7' } };
  assert.throws(() => applyBucketPropsUpdate(renamed, { renamed_from: victim } as never), refused);
  const added = [{ bucket: { name: 'victim', provider: 'ais' }, bid: '7' }];
  assert.throws(() => applyBucketPropsUpdate(renamed, { renamed_from: added }), refused);
  const plain = defaultBucketProps('ais', 'xxhash', 3n);
  assert.throws(() => applyBucketPropsUpdate(plain, { renamed_from: added }), refused);
});

test('props read and written back whole are accepted, renamed_from with them', () => {
  const whole = JSON.parse(JSON.stringify(renamed)) as typeof renamed;
  assert.deepEqual(applyBucketPropsUpdate(renamed, whole).renamed_from, renamed.renamed_from);
});
