// Unit tests for what lifecycle rules say of a version: S3's day rounding, filters (prefix, every
// tag, strict size bounds), the earliest expiry, noncurrent versions kept by NewerNoncurrentVersions,
// lone delete markers and uploads; and the shape check of the `lifecycle` bucket property.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LifecycleRuleJson } from '../../wire/index.js';
import { parseLifecycleUpdate } from './lifecycle-props.js';
import {
  afterDays,
  currentVersionExpiry,
  loneMarkerRule,
  noncurrentExpires,
  ruleApplies,
  uploadAbortRule,
} from './lifecycle-rules.js';

function rule(change: Partial<LifecycleRuleJson>): LifecycleRuleJson {
  return {
    id: 'r',
    enabled: true,
    filter: { prefix: '', tags: {}, size_greater_than: 0, size_less_than: 0 },
    expiration_days: 0,
    expiration_date: '',
    expired_object_delete_marker: false,
    noncurrent_days: 0,
    newer_noncurrent_versions: 0,
    abort_incomplete_upload_days: 0,
    ...change,
  };
}

test("days round up to the next midnight UTC (S3's example: 10:30 on the 15th + 3 days)", () => {
  assert.equal(afterDays(Date.UTC(2014, 0, 15, 10, 30), 3), Date.UTC(2014, 0, 19));
  assert.equal(afterDays(Date.UTC(2014, 0, 15, 23, 59), 1), Date.UTC(2014, 0, 17));
});

test('filters: prefix, every tag, strict size bounds', () => {
  const filtered = rule({
    filter: {
      prefix: 'logs/',
      tags: { a: '1', b: '2' },
      size_greater_than: 10,
      size_less_than: 20,
    },
  });
  const subject = { key: 'logs/x', size: 15, tags: { a: '1', b: '2', c: '3' } };
  assert.equal(ruleApplies(filtered, subject), true);
  assert.equal(ruleApplies(filtered, { ...subject, key: 'other/x' }), false);
  assert.equal(ruleApplies(filtered, { ...subject, tags: { a: '1' } }), false);
  assert.equal(ruleApplies(filtered, { ...subject, size: 10 }), false);
  assert.equal(ruleApplies(filtered, { ...subject, size: 20 }), false);
});

test('the earliest expiring rule names the expiry of a current version', () => {
  const written = Date.UTC(2026, 5, 1, 8);
  const rules = [
    rule({ id: 'late', expiration_days: 30 }),
    rule({ id: 'date', expiration_date: '2026-06-10T00:00:00.000Z' }),
    rule({ id: 'other', expiration_days: 1, filter: { ...rule({}).filter, prefix: 'no/' } }),
  ];
  assert.deepEqual(currentVersionExpiry(rules, { key: 'k', size: 1, tags: {} }, written), {
    atMs: Date.UTC(2026, 5, 10),
    ruleId: 'date',
  });
  assert.equal(
    currentVersionExpiry([rules[2] as LifecycleRuleJson], { key: 'k', size: 1, tags: {} }, written),
    undefined,
  );
});

test('noncurrent versions: due after NoncurrentDays, the newest kept by NewerNoncurrentVersions', () => {
  const since = Date.UTC(2026, 0, 1, 12);
  const rules = [rule({ noncurrent_days: 2, newer_noncurrent_versions: 1 })];
  const version = { subject: { key: 'k', size: 1, tags: {} }, deleteMarker: false };
  const due = { noncurrentSinceMs: since, nowMs: Date.UTC(2026, 0, 4) };
  assert.equal(noncurrentExpires(rules, version, { ...due, newerNoncurrent: 1 }), 'r');
  assert.equal(noncurrentExpires(rules, version, { ...due, newerNoncurrent: 0 }), undefined);
  const early = { ...due, nowMs: Date.UTC(2026, 0, 3, 23) };
  assert.equal(noncurrentExpires(rules, version, { ...early, newerNoncurrent: 1 }), undefined);
});

test('lone delete markers and uploads: only by prefix (markers have no tags or size)', () => {
  const markers = [rule({ id: 'm', expired_object_delete_marker: true })];
  assert.equal(loneMarkerRule(markers, 'k'), 'm');
  const tagged = rule({
    expired_object_delete_marker: true,
    filter: { prefix: '', tags: { a: '1' }, size_greater_than: 0, size_less_than: 0 },
  });
  assert.equal(loneMarkerRule([tagged], 'k'), undefined);
  const uploads = [rule({ id: 'u', abort_incomplete_upload_days: 1 })];
  const created = Date.UTC(2026, 0, 1, 12);
  assert.equal(uploadAbortRule(uploads, 'k', created, Date.UTC(2026, 0, 3)), 'u');
  assert.equal(uploadAbortRule(uploads, 'k', created, Date.UTC(2026, 0, 2, 23)), undefined);
});

test('the lifecycle property: every field typed, IDs unique', () => {
  assert.deepEqual(parseLifecycleUpdate({ rules: [rule({})] }), { rules: [rule({})] });
  assert.throws(() => parseLifecycleUpdate({ rules: [rule({}), rule({})] }), /unique/);
  assert.throws(
    () => parseLifecycleUpdate({ rules: [{ ...rule({}), noncurrent_days: -1 }] }),
    />= 0/,
  );
  assert.throws(() => parseLifecycleUpdate({ rules: 'none' }), /array/);
  const withoutId: Partial<LifecycleRuleJson> = rule({});
  delete withoutId.id;
  assert.throws(() => parseLifecycleUpdate({ rules: [withoutId] }), /id/);
});
