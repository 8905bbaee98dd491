// Unit tests for the S3 object lock rules: which deletes and retention changes a lock refuses, and
// the validation of lock headers and of the bucket configuration document.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isStoreError } from '../../errors/index.js';
import {
  checkDeletable,
  checkRetentionChange,
  defaultRetention,
  parseLockConfiguration,
  parseLockHeaders,
  type S3Retention,
} from './object-lock.js';

const now = Date.UTC(2026, 0, 31, 12);
const day = 24 * 60 * 60 * 1000;

function code(run: () => unknown): string {
  try {
    run();
    return 'ok';
  } catch (error) {
    return isStoreError(error) ? error.code : String(error);
  }
}

test('deletes: legal hold and COMPLIANCE always refused, GOVERNANCE unless bypassed, expired never', () => {
  const governance: S3Retention = { mode: 'GOVERNANCE', untilMs: now + day };
  const compliance: S3Retention = { mode: 'COMPLIANCE', untilMs: now + day };
  assert.equal(
    code(() => checkDeletable({}, now, false)),
    'ok',
  );
  assert.equal(
    code(() => checkDeletable({ retention: governance }, now, false)),
    'AccessDenied',
  );
  assert.equal(
    code(() => checkDeletable({ retention: governance }, now, true)),
    'ok',
  );
  assert.equal(
    code(() => checkDeletable({ retention: compliance }, now, true)),
    'AccessDenied',
  );
  assert.equal(
    code(() => checkDeletable({ legalHold: true }, now, true)),
    'AccessDenied',
  );
  assert.equal(
    code(() => checkDeletable({ retention: compliance }, now + 2 * day, false)),
    'ok',
  );
});

test('retention changes: extend always, weaken GOVERNANCE only with the bypass, COMPLIANCE never', () => {
  const governance: S3Retention = { mode: 'GOVERNANCE', untilMs: now + day };
  const compliance: S3Retention = { mode: 'COMPLIANCE', untilMs: now + day };
  const later = (mode: S3Retention['mode']) => ({ mode, untilMs: now + 2 * day });
  const sooner = (mode: S3Retention['mode']) => ({ mode, untilMs: now + day / 2 });
  const change = (
    current: S3Retention | undefined,
    next: S3Retention | undefined,
    bypass = false,
  ) => code(() => checkRetentionChange(current, next, now, bypass));
  assert.equal(change(undefined, sooner('COMPLIANCE')), 'ok');
  assert.equal(change(governance, later('GOVERNANCE')), 'ok');
  assert.equal(change(governance, later('COMPLIANCE')), 'ok');
  assert.equal(change(governance, sooner('GOVERNANCE')), 'AccessDenied');
  assert.equal(change(governance, undefined), 'AccessDenied');
  assert.equal(change(governance, undefined, true), 'ok');
  assert.equal(change(compliance, later('COMPLIANCE')), 'ok');
  assert.equal(change(compliance, later('GOVERNANCE'), true), 'AccessDenied');
  assert.equal(change(compliance, sooner('COMPLIANCE'), true), 'AccessDenied');
  assert.equal(change(compliance, undefined, true), 'AccessDenied');
});

test('lock headers: mode and date together, the date ISO 8601 and in the future, ON/OFF', () => {
  const date = new Date(now + day).toISOString();
  assert.deepEqual(
    parseLockHeaders(
      {
        'x-amz-object-lock-mode': 'COMPLIANCE',
        'x-amz-object-lock-retain-until-date': date,
        'x-amz-object-lock-legal-hold': 'ON',
      },
      now,
    ),
    { retention: { mode: 'COMPLIANCE', untilMs: now + day }, legalHold: true },
  );
  assert.equal(parseLockHeaders({}, now), undefined);
  const parse = (headers: Record<string, string>) => code(() => parseLockHeaders(headers, now));
  assert.equal(parse({ 'x-amz-object-lock-mode': 'GOVERNANCE' }), 'InvalidArgument');
  assert.equal(parse({ 'x-amz-object-lock-retain-until-date': date }), 'InvalidArgument');
  assert.equal(
    parse({ 'x-amz-object-lock-mode': 'FOREVER', 'x-amz-object-lock-retain-until-date': date }),
    'InvalidArgument',
  );
  assert.equal(
    parse({
      'x-amz-object-lock-mode': 'GOVERNANCE',
      'x-amz-object-lock-retain-until-date': new Date(now - 1).toISOString(),
    }),
    'InvalidArgument',
  );
  assert.equal(parse({ 'x-amz-object-lock-legal-hold': 'maybe' }), 'InvalidArgument');
});

test('bucket configuration: Enabled, one of Days or Years, positive and bounded', () => {
  const rule = (retention: Record<string, string>) => ({
    ObjectLockEnabled: 'Enabled',
    Rule: { DefaultRetention: retention },
  });
  assert.deepEqual(parseLockConfiguration({ ObjectLockEnabled: 'Enabled' }), {});
  assert.deepEqual(parseLockConfiguration(rule({ Mode: 'GOVERNANCE', Years: '2' })), {
    rule: { mode: 'GOVERNANCE', years: 2 },
  });
  const parse = (document: Record<string, unknown>) =>
    code(() => parseLockConfiguration(document as never));
  assert.equal(parse({}), 'MalformedXML');
  assert.equal(parse({ ObjectLockEnabled: 'Disabled' }), 'MalformedXML');
  assert.equal(parse(rule({ Mode: 'GOVERNANCE' })), 'MalformedXML');
  assert.equal(parse(rule({ Mode: 'GOVERNANCE', Days: '1', Years: '1' })), 'MalformedXML');
  assert.equal(parse(rule({ Mode: 'LEGAL', Days: '1' })), 'MalformedXML');
  assert.equal(parse(rule({ Mode: 'GOVERNANCE', Days: '0' })), 'InvalidArgument');
  assert.equal(parse(rule({ Mode: 'GOVERNANCE', Days: '-3' })), 'InvalidArgument');
  assert.equal(parse(rule({ Mode: 'GOVERNANCE', Years: '101' })), 'InvalidArgument');
  assert.equal(
    defaultRetention({ mode: 'COMPLIANCE', years: 1 }, now).untilMs,
    Date.UTC(2027, 0, 31, 12),
  );
  assert.equal(defaultRetention({ mode: 'GOVERNANCE', days: 3 }, now).untilMs, now + 3 * day);
});
